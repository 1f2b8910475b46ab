from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import health


class HealthCheckSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "down", "skipped"])
    latency_ms = serializers.FloatField()
    detail = serializers.CharField(required=False)

    class Meta:
        ref_name = "HealthCheck"


class _ProbeView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []


@extend_schema(
    tags=["health"],
    summary="Liveness",
    description="200 while the process serves requests; touches no dependency.",
    responses={200: inline_serializer(name="Liveness", fields={"status": serializers.CharField()})},
)
class LiveView(_ProbeView):
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


@extend_schema(
    tags=["health"],
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
        ready, checks = health.readiness()
        degraded = any(check.status == "down" for check in checks.values())
        body = {
            "status": "down" if not ready else ("degraded" if degraded else "ok"),
            "checks": {name: check.as_dict() for name, check in checks.items()},
        }
        response = Response(body, status=200 if ready else 503)
        response["Cache-Control"] = "no-store"
        return response
