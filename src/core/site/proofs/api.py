"""``/api/v1/proofs/``: the proofs, and ``POST /api/v1/proofs/{name}/run/``, which runs
one now and answers what it found. In demo mode only (a 404 otherwise, before anything
else is checked), open to anonymous visitors, throttled per address (``proof_run_ip``),
one run at a time across the site: another run meanwhile is a 409 ``proof_running``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.catalogue import ProblemError, register_problem
from core.http.links import link
from core.http.openapi import CURSOR_PARAMETER, PAGE_SIZE_PARAMETER, ProblemSerializer
from core.http.pagination import SequencePagination, envelope_serializer
from core.http.throttling import AnonBurstThrottle, ScopedIPThrottle
from core.site.proofs.registry import find, proofs
from core.site.proofs.runner import ProofBusy, run_proof

# Each proof takes at most a few seconds on this machine: ask again after that long.
RETRY_AFTER_SECONDS = 3

PROOF_RUNNING = register_problem(
    "proof_running",
    status=409,
    title="A proof is running",
    description="Proofs run one at a time across the site and another one is running "
    "(`running` names it). Nothing ran; retry after `Retry-After` seconds.",
    context="core",
)


class ProofSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(help_text="Its slug: `POST /api/v1/proofs/{name}/run/`.")
    title = serializers.CharField()
    description = serializers.CharField(help_text="One line: what runs and what must come out.")
    test = serializers.CharField(
        help_text="The test of the suite that proves the same invariant (a pytest node id)."
    )
    run = serializers.URLField(help_text="Where to POST to run it (an absolute URL).")


ProofListSerializer = envelope_serializer("ProofList", ProofSerializer(many=True))


class ProofResultSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField()
    title = serializers.CharField()
    held = serializers.BooleanField(
        allow_null=True,
        help_text="Whether the invariant held; null where the database it ran on cannot "
        "show it honestly (`caveat` says why).",
    )
    caveat = serializers.CharField(allow_null=True, help_text="Why `held` is null, else null.")
    expected = serializers.CharField(help_text="The invariant, concretely.")
    happened = serializers.CharField(help_text="What was read back after the run.")
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="The numbers read back from the database."
    )
    guard = serializers.CharField(help_text="The constraint, lock or check that held.")
    wall_ms = serializers.IntegerField(min_value=0, help_text="Wall time of the run.")
    queries = serializers.IntegerField(min_value=0, help_text="SQL queries, on every thread.")
    database = serializers.CharField(help_text="The database it ran on: `postgresql`, `sqlite`.")
    test = serializers.CharField(help_text="The test of the suite that proves the same.")
    ran_at = serializers.DateTimeField()
    details = serializers.DictField(help_text="Whatever else the proof reports (JSON).")


class ProofRunningProblemSerializer(ProblemSerializer):
    running = serializers.CharField(help_text="With `proof_running`: the proof that is running.")

    class Meta:
        ref_name = "ProofRunningProblem"


class DemoOnlyView(APIView):
    """Served in demo mode only: a 404 otherwise, before throttles or anything else."""

    permission_classes = [permissions.AllowAny]
    # The proofs act as nobody: a bearer token, valid or not, is not read.
    authentication_classes: list[type[BaseAuthentication]] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if not settings.NEXUS_DEMO_MODE:
            raise NotFound()
        super().initial(request, *args, **kwargs)


class ProofListView(DemoOnlyView):
    @extend_schema(
        summary="The live proofs",
        description="Each invariant the site can prove on demand, with the test of the suite "
        "that proves it and the link that runs it. Demo mode only (a 404 otherwise).",
        parameters=[CURSOR_PARAMETER, PAGE_SIZE_PARAMETER],
        responses={200: ProofListSerializer},
    )
    def get(self, request: Request) -> Response:
        items = [
            {
                "name": found.name,
                "title": found.title,
                "description": found.description,
                "test": found.test,
                "run": link(request, "proofs:run", found.name),
            }
            for found in proofs()
        ]
        paginator = SequencePagination()
        page = paginator.paginate_sequence(items, request)
        return paginator.get_paginated_response(page)


class ProofRunView(DemoOnlyView):
    throttle_classes = [AnonBurstThrottle, ScopedIPThrottle]
    throttle_scope = "proof_run"

    @extend_schema(
        summary="Run a proof",
        description="Runs the proof now, for real: real threads against the real database, "
        "on sandbox objects it creates and removes whatever happens, and answers what it "
        "found. One proof runs at a time across the site: meanwhile another run is a 409 "
        "`proof_running` with `Retry-After`, and nothing ran. Demo mode only (a 404 "
        "otherwise); throttled per address (`proof_run_ip`).",
        request=None,
        responses={
            200: ProofResultSerializer,
            409: OpenApiResponse(
                ProofRunningProblemSerializer,
                description="`proof_running`: another proof is running; nothing ran. Retry "
                "after `Retry-After` seconds.",
            ),
        },
    )
    def post(self, request: Request, name: str) -> Response:
        found = find(name)
        if found is None:
            raise NotFound(f"No proof is named {name!r}; GET /api/v1/proofs/ lists them.")
        try:
            result = run_proof(found)
        except ProofBusy as busy:
            raise ProblemError(
                PROOF_RUNNING,
                f"The proof {busy.running!r} is running; proofs run one at a time.",
                retry_after=RETRY_AFTER_SECONDS,
                running=busy.running,
            ) from busy
        return Response(result.as_dict())
