"""Task helpers shared by every context.

``enqueue_on_commit`` is the one way a write schedules background work: the
task is recorded in the transactional outbox with the write and published
to the broker after commit. A rolled-back write publishes nothing; a broker
outage leaves the row for ``outbox_relay_task`` to publish later.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError

from core.logging import get_request_id, set_request_id
from core.models import TaskOutbox

logger = logging.getLogger(__name__)

# Exceptions that mean "the broker did not take it"; the outbox keeps the task.
PUBLISH_ERRORS: tuple[type[BaseException], ...] = (OperationalError, OSError, ConnectionError)


class NexusTask(Task):
    """Base for every task: acks late, retries with exponential backoff and jitter."""

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = (ConnectionError, TimeoutError, OperationalError)
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 8

    def before_start(self, task_id: str, args: Any, kwargs: Any) -> None:
        set_request_id(self.request.get("nexus_request_id") or f"task-{task_id}")


def _publish(task_name: str, args: list[Any], kwargs: dict[str, Any], request_id: str) -> None:
    current_app.send_task(
        task_name,
        args=args,
        kwargs=kwargs,
        headers={"nexus_request_id": request_id},
        retry=True,
        retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
    )


def _run_eagerly(task_name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    if task_name not in current_app.tasks:
        # A web process never starts a worker, so autodiscovery has not run yet:
        # import every app's tasks module (once) the way a worker would.
        current_app.loader.import_default_modules()
    task = current_app.tasks[task_name]
    task.apply(args=args, kwargs=kwargs, throw=True)


def enqueue_on_commit(
    task: Task | str, *args: Any, using: str | None = None, **kwargs: Any
) -> None:
    """Schedule ``task(*args, **kwargs)`` to run once the current transaction commits.

    Arguments must be JSON-serialisable (ids, not model instances).
    """
    task_name = task if isinstance(task, str) else task.name
    request_id = get_request_id() or ""

    # robust: the write has committed; a failing task is logged, never turned into a 500.
    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(
            lambda: _run_eagerly(task_name, list(args), kwargs), using=using, robust=True
        )
        return

    with transaction.atomic(using=using):
        row = TaskOutbox.objects.using(using).create(
            task_name=task_name, args=list(args), kwargs=kwargs, request_id=request_id
        )
    transaction.on_commit(lambda: outbox_publish(row.pk, using=using), using=using, robust=True)


def outbox_publish(row_id: int, *, using: str | None = None) -> bool:
    """Publish one outbox row and delete it; on a broker error keep it for the relay."""
    with transaction.atomic(using=using):
        row = (
            TaskOutbox.objects.using(using)
            .select_for_update(skip_locked=True)
            .filter(pk=row_id)
            .first()
        )
        if row is None:  # already relayed, or taken by a concurrent relay
            return False
        try:
            _publish(row.task_name, row.args, row.kwargs, row.request_id)
        except PUBLISH_ERRORS as exc:
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            row.save(update_fields=["attempts", "last_error"])
            logger.warning(
                "broker unavailable, task %s kept in outbox #%s: %s", row.task_name, row.pk, exc
            )
            return False
        row.delete()
        return True


def outbox_relay(*, batch_size: int = 500, min_age_seconds: float = 5.0) -> int:
    """Publish outbox rows that were not published after their commit. Returns the count."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(seconds=min_age_seconds)
    ids = list(
        TaskOutbox.objects.filter(created_at__lte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:batch_size]
    )
    published = 0
    for row_id in ids:
        if outbox_publish(row_id):
            published += 1
        else:
            break  # broker still down: stop, the next beat tick tries again
    return published


def register_periodic(
    name: str, task: str, schedule: float | Any, *, kwargs: dict[str, Any] | None = None
) -> None:
    """Add an entry to the beat schedule; domains call this from ``AppConfig.ready()``."""
    entry: dict[str, Any] = {"task": task, "schedule": schedule}
    if kwargs:
        entry["kwargs"] = kwargs
    current_app.conf.beat_schedule = {**(current_app.conf.beat_schedule or {}), name: entry}
