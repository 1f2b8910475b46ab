from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        from core.search.sqlite import note_fts5

        # Whether each SQLite connection has FTS5 (the contexts' searches ask).
        connection_created.connect(note_fts5, dispatch_uid="core.sqlite_fts5")
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                note_fts5(connection=connection)
        # converters: registers <id:...>; the tasks modules: Celery's autodiscovery looks
        # for ``core.tasks`` only, and core's tasks live with their concerns.
        from core.http import converters  # noqa: F401
        from core.identity import authentication
        from core.notifications import handlers
        from core.notifications import tasks as notification_tasks  # noqa: F401
        from core.tasking import outbox
        from core.tasking import tasks as tasking_tasks  # noqa: F401

        handlers.register()
        # A user's save or delete drops the columns its tokens authenticate from.
        authentication.register()
        # The outbox relay publishes tasks whose broker publish failed (broker outage).
        outbox.register_periodic("core.outbox-relay", "core.tasks.outbox_relay_task", 30.0)
        # Idempotency keys live a day.
        outbox.register_periodic(
            "core.idempotency-purge", "core.tasks.idempotency_keys_purge_task", 3600.0
        )
        # Task receipts (exactly-once effects of outbox deliveries) live TASK_RECEIPT_DAYS.
        outbox.register_periodic(
            "core.task-receipts-purge", "core.tasks.task_receipts_purge_task", 86400.0
        )
