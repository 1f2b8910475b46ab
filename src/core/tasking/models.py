"""The rows behind reliable background work: the task outbox, the receipts that make
redelivered tasks harmless, and the stored responses of idempotent writes."""

from __future__ import annotations

from django.db import models


class TaskOutbox(models.Model):
    """A task enqueued inside a transaction, kept until the broker has accepted it.

    The row commits with the business write; it is deleted once published. If the
    broker is down, ``outbox_relay_task`` (beat) publishes what is left, so no task
    is lost and none is published for a rolled-back transaction.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"


class TaskReceipt(models.Model):
    """Proof that a task delivered through the outbox has had its effect.

    The outbox delivers at least once (a relay that crashed after publishing, a late
    acknowledgement, a worker killed mid-task), so the same message can arrive more
    than once. ``core.tasking.outbox.NexusTask`` inserts the receipt, keyed by the outbox
    row's id, in the transaction that runs the task: the effect and the receipt commit
    together, and a second delivery finds the key taken and does nothing. Purged after
    ``TASK_RECEIPT_DAYS`` days (beat).
    """

    key = models.CharField(max_length=100, unique=True)
    task_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task_name} {self.key}"


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` for one kind of write, with the response it got.

    The row is inserted (committed) before the write runs, so a concurrent retry
    sees it in progress; the write and the stored response commit together, so a
    crash leaves no response and no write. Keys expire after a day.
    """

    user = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "key"], name="core_idempotency_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
