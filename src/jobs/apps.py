from django.apps import AppConfig

from core.http.manifest import DomainManifest


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Job board"
    default_auto_field = "django.db.models.BigAutoField"
    # Called by `manage.py seed_demo` (core) after the demo accounts exist.
    demo_seed = "jobs.demo.demo_seed"
    # Read by core (landing page, domain index) without importing this app.
    nexus_domain = DomainManifest(
        summary=(
            "Companies post jobs (moderated when JOBS_MODERATION is on, expiring after 30 "
            "days); typo-tolerant weighted full-text search with salary, remote and type "
            "filters; candidates apply once, with a PDF or DOCX résumé, and both sides "
            "follow each application's history; saved searches send alerts."
        ),
        console="jobs/console.html",
        console_account="demo_candidate",
    )

    def ready(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        from core.tasking.outbox import register_periodic
        from jobs import error_codes  # noqa: F401  (registers the job board's problem codes)
        from jobs.fulltext_sqlite import register_functions

        # SQLite's search functions (similarity, the lexicon's word splitter), on every
        # connection: those opened from now on, and any open already.
        connection_created.connect(register_functions, dispatch_uid="jobs.sqlite_functions")
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                register_functions(connection=connection)

        # Beat records what readers already see (expired jobs) and sends the notices.
        register_periodic("jobs.expire-due", "jobs.tasks.jobs_expire_due_task", 300.0)
        register_periodic("jobs.alert-digests", "jobs.tasks.alerts_send_digests_task", 3600.0)
