"""The REST side of ``core.tasking.idempotency``: the ``Idempotency-Key`` header, its
OpenAPI parameter and responses, and a helper a view's write goes through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.http.openapi import ProblemSerializer
from core.tasking.idempotency import run_idempotent

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID): a retry with the same key and body returns the "
    "first response (with `Idempotent-Replayed: true`) instead of acting twice; while the "
    "first is still running a retry gets 409 `request_in_progress`; the same key with "
    "another body is 422 `idempotency_key_reused`. Keys are kept for a day.",
)

IDEMPOTENCY_RESPONSES = {
    409: OpenApiResponse(ProblemSerializer, description="Conflict (e.g. `request_in_progress`)"),
    422: OpenApiResponse(ProblemSerializer, description="`idempotency_key_reused`"),
}


def idempotent_response(
    request: Request,
    *,
    scope: str,
    write: Callable[[], tuple[int, Any]],
    payload: Any = None,
) -> Response:
    """Run ``write`` (returning ``(status, body)``) once per user, scope and key. The key
    is bound to ``payload``, the request's JSON body unless the view gives what stands
    for the request (a multipart upload's fields and its file's digest). For views that
    require a signed-in user: an anonymous caller has none (a 401, as DRF answers)."""
    user_id = request.user.pk
    if user_id is None:
        raise NotAuthenticated
    outcome = run_idempotent(
        user_id=user_id,
        scope=scope,
        key=request.headers.get(HEADER),
        payload=request.data if payload is None else payload,
        write=write,
    )
    response = Response(outcome.body, status=outcome.status)
    if outcome.replayed:
        response[REPLAYED_HEADER] = "true"
    return response
