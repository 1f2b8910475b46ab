"""Job endpoints: the search (full text, typo-tolerant, keyset-paginated), drafting,
reading, editing and deleting a job, its submit/close/approve/reject actions, and
the moderators' review queue. Moderation details show only to the job's company and
to moderators."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.openapi import deprecated_parameter, qualifier_parameter
from core.http.pagination import CursorPagination, KeysetPagination
from core.identity import roles
from core.identity.actors import authenticated_user
from core.identity.permissions import IsEmployer, IsModerator, ReadOnlyOr
from jobs import selectors
from jobs.api.serializers.applications import ModerationPageSerializer
from jobs.api.serializers.postings import (
    JobCreateSerializer,
    JobFilterSerializer,
    JobPageSerializer,
    JobRejectSerializer,
    JobSerializer,
    JobWriteSerializer,
    job_payload,
)
from jobs.api.views._common import CONFLICT, ILLEGAL_TRANSITION, PAGE_PARAMETERS, _visible_job
from jobs.models import Company, Job, SalaryPeriod
from jobs.services.postings import (
    job_approve,
    job_close,
    job_create,
    job_delete,
    job_reject,
    job_submit,
    job_update,
    job_viewer,
)


class JobPagination(KeysetPagination):
    orderings = {
        "relevance": "-rank",
        "-published_at": "-published_at",
        "-salary_max": "-salary_year_max",
    }
    default_ordering = "-published_at"


class QueuePagination(CursorPagination):
    ordering = ("submitted_at", "id")


def _private(request: Request, job: Job) -> bool:
    """Whether the reader sees the job's moderation details (company or moderator)."""
    user = request.user
    return roles.is_moderator(user) or job.company_id in selectors.member_company_ids(user)


def _job_body(request: Request, job: Job) -> dict[str, Any]:
    job = selectors.job_get(job_id=job.pk)
    return _detail(request, job)


def _detail(request: Request, job: Job) -> dict[str, Any]:
    allowed = job_viewer(user=request.user).allowed(job)
    return job_payload(job, private=_private(request, job), allowed=allowed)


class JobListView(APIView):
    permission_classes = [ReadOnlyOr.for_(IsEmployer)]

    @extend_schema(
        summary="Find jobs",
        description="Published, unexpired jobs, keyset-paginated (follow `next`, and "
        "`previous` back). `q` is "
        'full text in web-search syntax (`"exact phrase"`, `-excluded`, `or`): title '
        "above company and tags above description, and adds a highlighted `snippet` to "
        "each result. Typos are tolerated: a plain word of four letters or "
        "more that no job title, location, tag or company name contains is also searched "
        "as the closest word they do contain (one swap of adjacent letters, or trigram "
        "similarity of at least 0.4), e.g. `pythn` and `pyhton` as `python`; the "
        "response's `corrected` maps each such word to its correction (`{}` when none), "
        "and the snippets highlight the correction. A word only in quotes or excluded is "
        "not corrected. With `q` the default ordering is `relevance`, otherwise "
        "`-published_at`. Filters combine. An unknown parameter or a malformed value is a "
        "400 naming it.",
        operation_id="jobs_jobs_list",
        parameters=[
            JobFilterSerializer,
            qualifier_parameter(
                "salary_min_period",
                "salary_min",
                str,
                enum=list(SalaryPeriod.values),
                description=str(JobFilterSerializer().fields["salary_min_period"].help_text),
            ),
            deprecated_parameter(
                "salary_period", "salary_min_period", str, enum=list(SalaryPeriod.values)
            ),
            OpenApiParameter(
                "ordering",
                str,
                enum=list(JobPagination.orderings),
                description="`relevance` (needs `q`; the default with it: on PostgreSQL, "
                "the newest 1,000 matches ranked, older ones left out), `-published_at` "
                "(the default without), `-salary_max` (per year).",
            ),
            *PAGE_PARAMETERS,
        ],
        responses={200: JobPageSerializer},
    )
    def get(self, request: Request) -> Response:
        filters = JobFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        text = params.get("q", "").strip()
        paginator = JobPagination()
        if text:
            paginator.default_ordering = "relevance"
        if paginator.ordering_name(request) == "relevance" and not text:
            raise ValidationError({"ordering": ["`relevance` needs `q`."]}, code="invalid_choice")
        # One lookup in the search lexicon when q has a word to check; none otherwise.
        corrections = selectors.search_corrections(text) if text else {}
        # Ranked by relevance: the newest matches only (selectors.SEARCH_CANDIDATES).
        bounded = paginator.ordering_name(request) == "relevance"
        jobs = selectors.job_filter(
            selectors.job_open(),
            **{**params, "q": text, "corrections": corrections, "bounded": bounded},
        )
        if text:  # the snippets come with the page's rows, in the page's query
            jobs = selectors.job_with_snippets(jobs, text, corrections)
        page = paginator.paginate_queryset(jobs, request, self)
        snippets = selectors.job_snippets(page, text, corrections) if text else {}
        viewer = job_viewer(user=request.user)
        results = [
            job_payload(job, snippet=snippets.get(job.pk), allowed=viewer.allowed(job))
            for job in page
        ]
        return paginator.get_paginated_response(results, corrected=corrections)

    @extend_schema(
        summary="Draft a job (employers, for a company you belong to)",
        description="Created as a draft; `submit` publishes it (or queues it for review "
        "when moderation is on).",
        request=JobCreateSerializer,
        responses={201: JobSerializer},
    )
    def post(self, request: Request) -> Response:
        payload = JobCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        try:
            company = selectors.company_get(data.pop("company"))
        except Company.DoesNotExist:
            raise ValidationError(
                {"company": ["No such company."]}, code="does_not_exist"
            ) from None
        job = job_create(actor=authenticated_user(request), company=company, data=data)
        return Response(_job_body(request, job), status=status.HTTP_201_CREATED)


class JobDetailView(APIView):
    permission_classes = [ReadOnlyOr.for_(permissions.IsAuthenticated)]

    @extend_schema(
        summary="A job",
        description="Published, closed and expired jobs for everyone; drafts, jobs in "
        "review and rejected ones for the company's members and moderators (404 for "
        "anyone else).",
        responses={200: JobSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request, _visible_job(request, pk)))

    @extend_schema(
        summary="Edit a job (the company's members)",
        description="Drafts, jobs in review, rejected ones (submit again afterwards) and, "
        "with moderation off, published ones. Others: 409 `job_not_editable`.",
        request=JobWriteSerializer(partial=True),
        responses={200: JobSerializer, 409: CONFLICT},
    )
    def patch(self, request: Request, pk: int) -> Response:
        job = _visible_job(request, pk)
        payload = JobWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        job = job_update(job=job, actor=authenticated_user(request), data=payload.validated_data)
        return Response(_job_body(request, job))

    @extend_schema(
        summary="Delete a job (the company's members)",
        description="Only without applications (409 `job_has_applications`: close it).",
        responses={204: None, 409: CONFLICT},
    )
    def delete(self, request: Request, pk: int) -> Response:
        job_delete(job=_visible_job(request, pk), actor=authenticated_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _job_action(summary: str, description: str, request_body: Any = None) -> Any:
    return extend_schema(
        summary=summary,
        description=description,
        request=request_body,
        responses={200: JobSerializer, 409: ILLEGAL_TRANSITION},
    )


class JobSubmitView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @_job_action(
        "Submit a job (the company's members)",
        "A draft or a rejected job goes to `pending_review`, or straight to `published` "
        "when moderation is off (the demo's default). Publishing sets `published_at` and, "
        "unless set, `expires_at` (30 days).",
    )
    def post(self, request: Request, pk: int) -> Response:
        job = job_submit(job=_visible_job(request, pk), actor=authenticated_user(request))
        return Response(_job_body(request, job))


class JobCloseView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @_job_action(
        "Close a job (the company's members)",
        "A published job stops taking applications; it stays readable.",
    )
    def post(self, request: Request, pk: int) -> Response:
        job = job_close(job=_visible_job(request, pk), actor=authenticated_user(request))
        return Response(_job_body(request, job))


class JobApproveView(APIView):
    permission_classes = [IsModerator]

    @_job_action("Approve a job (moderators)", "`pending_review` → `published`.")
    def post(self, request: Request, pk: int) -> Response:
        job = job_approve(job=_visible_job(request, pk), actor=authenticated_user(request))
        return Response(_job_body(request, job))


class JobRejectView(APIView):
    permission_classes = [IsModerator]

    @_job_action(
        "Reject a job (moderators)",
        "A job in review, or a published one taken down, becomes `rejected` with the "
        "reason, which the company reads; it can edit and submit again.",
        JobRejectSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        payload = JobRejectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        job = job_reject(
            job=_visible_job(request, pk),
            actor=authenticated_user(request),
            reason=payload.validated_data["reason"],
        )
        return Response(_job_body(request, job))


class ModerationQueueView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        summary="Jobs waiting for review (moderators)",
        description="Oldest submission first. `moderation` says whether moderation is on "
        "(`JOBS_MODERATION`): off, a submitted job publishes at once and nothing waits here.",
        operation_id="jobs_moderation_queue_list",
        parameters=PAGE_PARAMETERS,
        responses={200: ModerationPageSerializer},
    )
    def get(self, request: Request) -> Response:
        paginator = QueuePagination()
        page = paginator.paginate_queryset(selectors.moderation_queue(), request, self)
        viewer = job_viewer(user=authenticated_user(request))
        body = [job_payload(job, private=True, allowed=viewer.allowed(job)) for job in page]
        return paginator.get_paginated_response(body, moderation=settings.JOBS_MODERATION)
