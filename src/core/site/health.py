"""Readiness checks, each timed: the database, the cache and the broker, plus the
checks that contexts register from ``AppConfig.ready()`` (core imports no context).

A probe returns ``None`` when the dependency is up, a string when the check is
skipped (``"not configured: ..."``), and raises when it is down. Only ``required``
checks make the service unready; an optional one that is down degrades it, and a
skipped one (not configured) never counts against it.

``GET /health/live/`` and ``GET /health/ready/`` (``LiveView``, ``ReadyView``) serve them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView


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


# --- the probes' endpoints ------------------------------------------------------------


class HealthCheckSerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=["ok", "down", "skipped"])
    latency_ms = serializers.FloatField()
    detail = serializers.CharField(required=False)

    class Meta:
        ref_name = "HealthCheck"


class _ProbeView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type[BaseAuthentication]] = []
    throttle_classes: list[type[BaseThrottle]] = []


@extend_schema(
    summary="Liveness",
    description="200 while the process serves requests; touches no dependency.",
    responses={200: inline_serializer(name="Liveness", fields={"status": serializers.CharField()})},
)
class LiveView(_ProbeView):
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


@extend_schema(
    summary="Readiness",
    description="Checks the database, the cache and the broker, each with its latency, and "
    "the checks domains register (e.g. `tmdb`; `skipped` with a reason when not configured). "
    "503 only when the database is down: a cache, broker or optional outage degrades but "
    "still serves.",
    responses={
        (200, "application/json"): inline_serializer(
            name="Readiness",
            fields={
                "status": serializers.ChoiceField(choices=["ok", "degraded", "down"]),
                "checks": inline_serializer(
                    name="ReadinessChecks",
                    fields={
                        # One instance per field: an instance shared by several
                        # fields is documented for the last of them only.
                        "database": HealthCheckSerializer(),
                        "cache": HealthCheckSerializer(),
                        "broker": HealthCheckSerializer(),
                    },
                ),
            },
        ),
        (503, "application/json"): inline_serializer(
            name="NotReady",
            fields={"status": serializers.CharField(), "checks": serializers.DictField()},
        ),
    },
)
class ReadyView(_ProbeView):
    def get(self, request: Request) -> Response:
        ready, checks = readiness()
        degraded = any(check.status == "down" for check in checks.values())
        body = {
            "status": "down" if not ready else ("degraded" if degraded else "ok"),
            "checks": {name: check.as_dict() for name, check in checks.items()},
        }
        response = Response(body, status=200 if ready else 503)
        response["Cache-Control"] = "no-store"
        return response
