"""Task helpers shared by every context.

``enqueue_on_commit`` is the one way a write schedules background work: the
task is recorded in the transactional outbox with the write and published
to the broker after commit. A rolled-back write publishes nothing; a broker
outage leaves the row for ``outbox_relay_task`` to publish later.

Delivery is at least once: a relay that crashed after publishing but before
deleting the row publishes it again, a message whose worker died before the late
acknowledgement is redelivered. Effects happen once: the outbox row's id travels
with the message (header ``nexus_outbox_id``) and is the task's idempotency key.
``NexusTask`` inserts a ``TaskReceipt`` with that key in the transaction that runs
the task, so the effect and the receipt commit together; a second delivery of the
same row finds the key taken and does nothing, and a concurrent one waits on the
key's unique index until the first commits (then skips) or rolls back (then runs).
Effects outside the database (an email, a Redis ``ZADD``) can still repeat if the
process dies between the effect and the commit; those effects must be harmless to
repeat (a sorted-set ``ZADD`` of the same member and score), or be guarded by a row
written in the same transaction (``Notification.emailed_at``).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from amqp.exceptions import MessageNacked
from celery import Task, current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from kombu.exceptions import OperationalError

from core.http.request_id import get_request_id, set_request_id
from core.tasking.models import TaskOutbox, TaskReceipt

if TYPE_CHECKING:
    from datetime import timedelta

    from celery.schedules import BaseSchedule

logger = logging.getLogger(__name__)

# Exceptions that mean "the broker did not take it" (down, or it refused or did not
# confirm the message: CELERY_BROKER_TRANSPORT_OPTIONS); the outbox keeps the task.
PUBLISH_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    OSError,
    ConnectionError,
    MessageNacked,
)

# The message header that carries the outbox row's id: the task's idempotency key.
OUTBOX_ID_HEADER = "nexus_outbox_id"


def receipt_key(outbox_id: int | str) -> str:
    """The idempotency key of the task published from outbox row ``outbox_id``."""
    return f"outbox:{outbox_id}"


def receipt_claim(key: str, task_name: str) -> bool:
    """Insert the receipt for ``key`` in the current transaction; False if another
    delivery has already committed it. Call inside ``transaction.atomic()``: a
    concurrent claim of the same key waits here until the first one's transaction ends."""
    try:
        with transaction.atomic():
            TaskReceipt.objects.create(key=key, task_name=task_name)
    except IntegrityError:
        return False
    return True


class NexusTask(Task[..., Any]):
    """Base for every task: acks late, retries with exponential backoff and jitter, and
    runs each outbox delivery's effect once (see the module docstring)."""

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = (ConnectionError, TimeoutError, OperationalError)
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 8
    # Run a delivery from the outbox inside one transaction with its TaskReceipt, so a
    # repeated delivery of the same row does nothing. Turn off only for a task whose
    # effect is harmless to repeat and that must not hold a transaction while it runs.
    effect_once = True

    def before_start(self, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        set_request_id(self.request.get("nexus_request_id") or f"task-{task_id}")

    def idempotency_key(self) -> str | None:
        """The current delivery's key: its outbox row, if it came through the outbox
        (a beat tick or an eager call has none and simply runs)."""
        outbox_id = self.request.get(OUTBOX_ID_HEADER)
        return receipt_key(outbox_id) if outbox_id is not None else None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key = self.idempotency_key() if self.effect_once else None
        if key is None:
            return self._invoke(*args, **kwargs)
        with transaction.atomic():
            if not receipt_claim(key, self.name):
                logger.info("task %s: %s already done, duplicate delivery skipped", self.name, key)
                return None
            # An exception (a retry included) rolls the receipt back with the effect.
            return self._invoke(*args, **kwargs)

    def _invoke(self, *args: Any, **kwargs: Any) -> Any:
        # Under a worker or ``apply()`` the tracer has pushed this delivery's request
        # (retries, eager flag, headers): run the body under it, as Celery does for a
        # task without a custom __call__. A direct call gets Task.__call__'s own request.
        request = self.request_stack.top
        if request is not None and not request.called_directly:
            return self.run(*args, **kwargs)
        return super().__call__(*args, **kwargs)


def _publish(
    task_name: str,
    args: list[Any],
    kwargs: dict[str, Any],
    request_id: str,
    outbox_id: int | None = None,
) -> None:
    headers: dict[str, Any] = {"nexus_request_id": request_id}
    if outbox_id is not None:
        headers[OUTBOX_ID_HEADER] = outbox_id
    current_app.send_task(
        task_name,
        args=args,
        kwargs=kwargs,
        headers=headers,
        retry=True,
        retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
        confirm_timeout=settings.CELERY_TASK_PUBLISH_CONFIRM_TIMEOUT,
    )


# Held while a process imports its tasks modules (``registered_task``).
_discovering = threading.Lock()


def registered_task(task_name: str) -> Task[..., Any]:
    """The task called ``task_name``. A web process never starts a worker, so the first
    time it needs a task, autodiscovery has not run yet: it imports every app's tasks
    module (once) the way a worker would, under a lock. Without it, of two threads
    needing their first task at once, the second would find nothing: Celery's
    autodiscovery returns at once to a caller that arrives while another is importing."""
    if task_name not in current_app.tasks:
        with _discovering:
            if task_name not in current_app.tasks:
                current_app.loader.import_default_modules()
    return current_app.tasks[task_name]


def _run_eagerly(task_name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    registered_task(task_name).apply(args=tuple(args), kwargs=kwargs, throw=True)


def enqueue_on_commit(
    task: Task[..., Any] | str, *args: Any, using: str | None = None, **kwargs: Any
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
            _publish(row.task_name, row.args, row.kwargs, row.request_id, outbox_id=row.pk)
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


def task_receipts_purge() -> int:
    """Delete receipts older than ``TASK_RECEIPT_DAYS`` (beat, daily); returns how many.
    Duplicates arrive within minutes of the first delivery (a relay tick, a redelivery
    after a lost worker), so days are plenty."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(days=settings.TASK_RECEIPT_DAYS)
    deleted, _ = TaskReceipt.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def register_periodic(
    name: str,
    task: str,
    schedule: float | timedelta | BaseSchedule,
    *,
    kwargs: dict[str, Any] | None = None,
) -> None:
    """Add an entry to the beat schedule; domains call this from ``AppConfig.ready()``."""
    entry: dict[str, Any] = {"task": task, "schedule": schedule}
    if kwargs:
        entry["kwargs"] = kwargs
    current_app.conf.beat_schedule = {**(current_app.conf.beat_schedule or {}), name: entry}
