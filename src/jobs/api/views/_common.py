"""What the job board's views share: the problem responses they document (a page past
the last one, a 409 ``illegal_transition``), the cursor page parameters, and the job
looked up as the reader may see it (a 404 for anyone who may not)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request

from core.http.openapi import (
    CURSOR_PAGE_PARAMETERS,
    IllegalTransitionProblemSerializer,
    ProblemSerializer,
)
from jobs import selectors
from jobs.models import Job

PAST_THE_END = OpenApiResponse(ProblemSerializer, description="A page past the last one.")
CONFLICT = OpenApiResponse(ProblemSerializer, description="`illegal_transition`, ...")
ILLEGAL_TRANSITION = OpenApiResponse(
    IllegalTransitionProblemSerializer,
    description="`illegal_transition`: `current_status` says where it is, `allowed` where you "
    "may move it from there (its `allowed_transitions`). Nothing changed.",
)
PAGE_PARAMETERS = CURSOR_PAGE_PARAMETERS


def _visible_job(request: Request, pk: int) -> Job:
    return selectors.job_visible(user=request.user, job_id=pk)
