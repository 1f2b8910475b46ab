"""``Idempotency-Key`` for writes a client may retry (checkout, apply, vote).

The contract (as Stripe's): the same key and the same body from the same user
get the same response, status code included, and the write happens once, even
when the requests race; a retry that arrives while the first is still running
gets ``request_in_progress`` (409, ``Retry-After``); the same key with another
body (compared as canonical JSON, key order ignored) is
``idempotency_key_reused`` (422). Keys live in the database for a day.

How it holds under concurrency and crashes:

1. the key's row is inserted and committed first, in its own transaction, with
   no response: the unique constraint lets exactly one request own the key,
   the others see it in progress;
2. the write and the stored response commit in one transaction, so either both
   exist or neither does; a write that fails (a 4xx) deletes the row, so the
   client may retry the same key once it has fixed the cause;
3. a row left in progress by a crashed process is taken over after
   ``STALE_AFTER``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.http.catalogue import ProblemError, register_problem
from core.tasking.models import IdempotencyKey

KEY_TTL = timedelta(days=1)
STALE_AFTER = timedelta(seconds=60)
MAX_KEY_LENGTH = 255

REQUEST_IN_PROGRESS = register_problem(
    "request_in_progress",
    status=409,
    title="Request in progress",
    description="A request with this Idempotency-Key is still running; retry after "
    "`Retry-After` seconds to get its response.",
    context="core",
)
KEY_REUSED = register_problem(
    "idempotency_key_reused",
    status=422,
    title="Idempotency-Key reused",
    description="This Idempotency-Key was used with a different body; use a new key for "
    "a new request.",
    context="core",
)
INVALID_KEY = register_problem(
    "invalid_idempotency_key",
    status=400,
    title="Invalid Idempotency-Key",
    description="An Idempotency-Key is 1 to 255 visible ASCII characters (a UUID is ideal).",
    context="core",
)


class IdempotencyError(ProblemError):
    """The key cannot be used now: ``problem`` says why."""


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    replayed: bool


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_key(key: str) -> None:
    if not (0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()):
        raise IdempotencyError(INVALID_KEY, INVALID_KEY.description)


def _claim(*, user_id: int, scope: str, key: str, digest: str) -> Outcome | None:
    """Own the key (None) or learn what happened to it (a stored Outcome)."""
    now = timezone.now()
    for _ in range(3):
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(
                    user_id=user_id, scope=scope, key=key, request_hash=digest, created_at=now
                )
            return None
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(user_id=user_id, scope=scope, key=key).first()
        if existing is None:
            continue  # deleted in between (a failed write): try to own it again
        if existing.created_at < now - KEY_TTL:
            IdempotencyKey.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
            continue
        if existing.request_hash != digest:
            raise IdempotencyError(
                KEY_REUSED, "This Idempotency-Key was already used with a different body."
            )
        if existing.status_code is not None:
            return Outcome(existing.status_code, existing.response_body, replayed=True)
        if existing.created_at < now - STALE_AFTER:
            # Its process died mid-write (the write rolled back with it): take over.
            taken = IdempotencyKey.objects.filter(
                pk=existing.pk, created_at=existing.created_at, status_code__isnull=True
            ).update(created_at=now)
            if taken:
                return None
            continue
        raise IdempotencyError(
            REQUEST_IN_PROGRESS,
            "A request with this Idempotency-Key is still running.",
            retry_after=1,
        )
    raise IdempotencyError(
        REQUEST_IN_PROGRESS, "This Idempotency-Key is contended; retry.", retry_after=1
    )


def run_idempotent(
    *,
    user_id: int,
    scope: str,
    key: str | None,
    payload: Any,
    write: Callable[[], tuple[int, Any]],
) -> Outcome:
    """Run ``write`` (which returns ``(status, body)``) at most once per key.

    Without a key the write just runs. ``write`` runs inside a transaction that
    also stores its response; an exception from it propagates, and the key is
    released so the client can retry it.
    """
    if key is None:
        with transaction.atomic():
            status, body = write()
        return Outcome(status, body, replayed=False)
    _check_key(key)
    digest = request_hash(payload)
    stored = _claim(user_id=user_id, scope=scope, key=key, digest=digest)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            status, body = write()
            IdempotencyKey.objects.filter(user_id=user_id, scope=scope, key=key).update(
                status_code=status, response_body=body
            )
    except BaseException:
        IdempotencyKey.objects.filter(
            user_id=user_id, scope=scope, key=key, status_code__isnull=True
        ).delete()
        raise
    return Outcome(status, body, replayed=False)


def idempotency_keys_purge() -> int:
    """Delete keys past their day (beat, hourly); returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEY_TTL).delete()
    return deleted
