"""Core tasks: thin, load by id, call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from core import services, tasking


@shared_task(name="core.tasks.notification_email_task")
def notification_email_task(notification_id: int) -> bool:
    return services.notification_email_send(notification_id=notification_id)


@shared_task(name="core.tasks.outbox_relay_task", acks_late=False)
def outbox_relay_task() -> int:
    return tasking.outbox_relay()


@shared_task(name="core.tasks.task_receipts_purge_task")
def task_receipts_purge_task() -> int:
    return tasking.task_receipts_purge()


@shared_task(name="core.tasks.idempotency_keys_purge_task")
def idempotency_keys_purge_task() -> int:
    from core.idempotency import idempotency_keys_purge

    return idempotency_keys_purge()
