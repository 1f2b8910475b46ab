"""Polls tasks: thin, load by id, call a service; each is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from core.tasking.outbox import NexusTask
from polls import services


@shared_task(name="polls.tasks.polls_close_due_task", base=NexusTask)
def polls_close_due_task() -> int:
    return services.polls_close_due()


@shared_task(name="polls.tasks.poll_close_notify_task", base=NexusTask)
def poll_close_notify_task(poll_id: int) -> bool:
    return services.poll_close_notify(poll_id=poll_id)


@shared_task(name="polls.tasks.tallies_reconcile_task", base=NexusTask)
def tallies_reconcile_task() -> int:
    return services.tallies_reconcile()
