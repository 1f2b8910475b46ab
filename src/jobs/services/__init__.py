"""Every job board write: companies, postings and their moderation, applications and
their history, résumés, saved searches and alerts. REST, admin, tasks and the demo
seed all come through here.

Object-level permissions are checked here, not only in the views: being an employer
lets you act for the companies you belong to, never for another one. Status changes
lock the row (``SELECT ... FOR UPDATE``) and check the transition table under the
lock, so of two racing moves exactly one wins; one *active* application per candidate
and job is the database's partial unique constraint, so two racing applies cannot
both succeed either.
"""
