from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import converters, handlers, tasking  # noqa: F401  (converters: <id:...>)

        handlers.register()
        # The outbox relay publishes tasks whose broker publish failed (broker outage).
        tasking.register_periodic("core.outbox-relay", "core.tasks.outbox_relay_task", 30.0)
        # Idempotency keys live a day.
        tasking.register_periodic(
            "core.idempotency-purge", "core.tasks.idempotency_keys_purge_task", 3600.0
        )
        # Task receipts (exactly-once effects of outbox deliveries) live TASK_RECEIPT_DAYS.
        tasking.register_periodic(
            "core.task-receipts-purge", "core.tasks.task_receipts_purge_task", 86400.0
        )
