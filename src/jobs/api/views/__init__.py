"""Job board endpoints: thin; they validate, call a selector or service, and shape output.

Who may do what is decided in the services (object-level: a member of *this*
company); the views only turn "you may not even see it" into a 404 before asking.
"""
