"""Readiness checks, each timed: the database, the cache and the broker, plus the
checks that contexts register from ``AppConfig.ready()`` (core imports no context).

A probe returns ``None`` when the dependency is up, a string when the check is
skipped (``"not configured: ..."``), and raises when it is down. Only ``required``
checks make the service unready; an optional one that is down degrades it, and a
skipped one (not configured) never counts against it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # "ok", "down" or "skipped"
    latency_ms: float
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, "latency_ms": self.latency_ms}
        if self.detail:
            body["detail"] = self.detail
        return body


def _timed(name: str, probe: Callable[[], str | None]) -> CheckResult:
    started = time.perf_counter()
    try:
        outcome = probe()
    except Exception as exc:  # a probe reports failure; it never raises
        status, detail = "down", f"{type(exc).__name__}: {exc}"[:300]
    else:
        status, detail = ("skipped", outcome) if outcome else ("ok", "")
    latency = round((time.perf_counter() - started) * 1000, 2)
    return CheckResult(name=name, status=status, latency_ms=latency, detail=detail)


def _database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    # django-redis with IGNORE_EXCEPTIONS returns None instead of raising.
    if cache.get(key) != "1":
        raise ConnectionError("cache did not return the value just written")
    cache.delete(key)


def _broker() -> str | None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager mode: tasks run in-process"
    from celery import current_app

    with current_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
}
# Without the database nothing works; without Redis reads fall back to the database,
# without the broker tasks wait in the outbox.
REQUIRED: set[str] = {"database"}


def register_check(name: str, probe: Callable[[], str | None], *, required: bool = False) -> None:
    """Add a readiness check (a context calls this from ``AppConfig.ready()``).
    Registering the same name again replaces the probe."""
    CHECKS[name] = probe
    if required:
        REQUIRED.add(name)
    else:
        REQUIRED.discard(name)


def readiness() -> tuple[bool, dict[str, CheckResult]]:
    """Run every check. Ready unless a required check is down."""
    results = {name: _timed(name, probe) for name, probe in CHECKS.items()}
    ready = all(results[name].status != "down" for name in REQUIRED if name in results)
    return ready, results
