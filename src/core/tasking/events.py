"""A small in-process event bus.

Events are frozen, past-tense dataclasses with plain fields (ids, not models),
so a context can react to another's facts without importing it. Handlers are
registered in ``AppConfig.ready()`` and run after the surrounding transaction
commits; nothing is dispatched for a rolled-back write. A handler that needs
slow or retryable work enqueues a task (``core.tasking.outbox.enqueue_on_commit``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(tz=UTC)


@dataclass(frozen=True, kw_only=True)
class Event:
    occurred_at: datetime = field(default_factory=_now)


@dataclass(frozen=True, kw_only=True)
class UserRegistered(Event):
    user_id: int
    username: str
    email: str
    roles: tuple[str, ...]


E = TypeVar("E", bound=Event)
Handler = Callable[[E], None]

_handlers: dict[type[Event], list[Callable[[Event], None]]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Register ``handler`` for ``event_type``; registering twice is a no-op."""
    handlers = _handlers[event_type]
    if handler not in handlers:
        handlers.append(handler)  # type: ignore[arg-type]  # _dispatch gives it only E events


def unsubscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    handlers = _handlers.get(event_type, [])
    if handler in handlers:
        handlers.remove(handler)  # type: ignore[arg-type]  # as registered by subscribe


def handlers_for(event_type: type[Event]) -> list[Callable[[Event], None]]:
    return list(_handlers.get(event_type, []))


def _dispatch(event: Event) -> None:
    for handler in handlers_for(type(event)):
        try:
            # Each handler is all-or-nothing: a failure rolls back its own writes only.
            with transaction.atomic():
                handler(event)
        except Exception:
            # One failing subscriber must not stop the others nor the write that
            # already committed; it is logged with the event for replay.
            logger.exception("event handler %r failed for %r", handler, event)


def publish(event: Event, *, using: str | None = None) -> None:
    """Dispatch ``event`` to its handlers once the current transaction commits."""
    transaction.on_commit(lambda: _dispatch(event), using=using)
