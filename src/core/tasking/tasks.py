"""Tasking's own periodic tasks: the outbox relay and the purges. Their names keep the
``core.tasks.`` prefix they were published under (outbox rows and beat entries name them)."""

from __future__ import annotations

from celery import shared_task

from core.tasking import idempotency, outbox


@shared_task(name="core.tasks.outbox_relay_task", acks_late=False)
def outbox_relay_task() -> int:
    return outbox.outbox_relay()


@shared_task(name="core.tasks.task_receipts_purge_task")
def task_receipts_purge_task() -> int:
    return outbox.task_receipts_purge()


@shared_task(name="core.tasks.idempotency_keys_purge_task")
def idempotency_keys_purge_task() -> int:
    return idempotency.idempotency_keys_purge()
