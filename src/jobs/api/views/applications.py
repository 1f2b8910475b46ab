"""Application endpoints: applying (throttled per user, idempotent with an
``Idempotency-Key``), a job's applications for its company, the applications list,
one application and its history, the company's moves, withdrawal, and the résumé
download."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.pagination import CursorPagination
from core.http.parsers import JSONParser, UploadParser
from core.http.throttling import AnonBurstThrottle, SlidingWindowThrottle, UserBurstThrottle
from core.identity.actors import authenticated_user
from core.identity.permissions import IsCandidate
from core.tasking.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    IDEMPOTENCY_RESPONSES,
    idempotent_response,
)
from jobs import selectors
from jobs.api.serializers.applications import (
    ApplicationDetailSerializer,
    ApplicationFilterSerializer,
    ApplicationPageSerializer,
    ApplicationTransitionSerializer,
    ApplyJSONSerializer,
    ApplyMultipartSerializer,
    JobApplicationFilterSerializer,
    WithdrawSerializer,
    application_payload,
)
from jobs.api.views._common import ILLEGAL_TRANSITION, PAGE_PARAMETERS, _visible_job
from jobs.services.applications import (
    application_create,
    application_transition,
    application_withdraw,
)
from jobs.services.resumes import resume_open


class ApplicationPagination(CursorPagination):
    ordering = ("-created_at", "-id")


class ApplyThrottle(SlidingWindowThrottle):
    """Applications per user (``THROTTLE_JOBS_APPLY``)."""

    scope = "jobs_apply"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


def _application_body(request: Request, application_id: int) -> dict[str, Any]:
    user = authenticated_user(request)
    application = selectors.application_visible(user=user, application_id=application_id)
    company_side = selectors.is_company_side(user=user, application=application)
    return application_payload(
        application, request=request, company_side=company_side, history=True
    )


class JobApplyView(APIView):
    permission_classes = [IsCandidate]
    parser_classes = [JSONParser, UploadParser]
    throttle_classes = [AnonBurstThrottle, UserBurstThrottle, ApplyThrottle]

    @extend_schema(
        summary="Apply to a job (candidates)",
        description="JSON, or `multipart/form-data` with a `resume` file (PDF or DOCX, at "
        "most 5 MB, checked by content: an executable renamed `.pdf` is a 400 "
        "`file_type_not_allowed`). One active application per job: a second is a 409 "
        "`already_applied` (withdraw first to apply again); a closed or expired job is a "
        "409 `job_closed`. Send an `Idempotency-Key` to retry safely.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request={
            "application/json": ApplyJSONSerializer,
            "multipart/form-data": ApplyMultipartSerializer,
        },
        responses={201: ApplicationDetailSerializer, **IDEMPOTENCY_RESPONSES},
    )
    def post(self, request: Request, pk: int) -> Response:
        candidate = authenticated_user(request)
        payload = ApplyMultipartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        resume = data.get("resume")
        digest = ""
        if resume is not None:
            hasher = hashlib.sha256()
            for chunk in resume.chunks():
                hasher.update(chunk)
            digest = hasher.hexdigest()
            resume.seek(0)

        def write() -> tuple[int, Any]:
            application = application_create(
                job_id=pk,
                candidate=candidate,
                cover_letter=data.get("cover_letter", ""),
                resume=resume,
            )
            return 201, _application_body(request, application.pk)

        return idempotent_response(
            request,
            scope=f"jobs.apply.{pk}",
            payload={"cover_letter": data.get("cover_letter", ""), "resume": digest},
            write=write,
        )


class JobApplicationsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Applications to a job (the company's members)",
        description="Newest first; `status` filters.",
        operation_id="jobs_job_applications_list",
        parameters=[JobApplicationFilterSerializer, *PAGE_PARAMETERS],
        responses={200: ApplicationPageSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        job = _visible_job(request, pk)
        if job.company_id not in selectors.member_company_ids(authenticated_user(request)):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Only the company's members see its applications.")
        filters = JobApplicationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        applications = selectors.job_applications(job=job, **filters.validated_data)
        paginator = ApplicationPagination()
        page = paginator.paginate_queryset(applications, request, self)
        return paginator.get_paginated_response(
            [application_payload(a, request=request, company_side=True) for a in page]
        )


class ApplicationListView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Applications",
        description="A candidate's own, and for an employer those to their companies' "
        "jobs; newest first. `status` and `job` filter.",
        operation_id="jobs_applications_list",
        parameters=[ApplicationFilterSerializer, *PAGE_PARAMETERS],
        responses={200: ApplicationPageSerializer},
    )
    def get(self, request: Request) -> Response:
        filters = ApplicationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        user = authenticated_user(request)
        applications = selectors.application_list(
            user=user, status=data.get("status"), job_id=data.get("job")
        )
        companies = set(selectors.member_company_ids(user))
        paginator = ApplicationPagination()
        page = paginator.paginate_queryset(applications, request, self)
        return paginator.get_paginated_response(
            [
                application_payload(a, request=request, company_side=a.job.company_id in companies)
                for a in page
            ]
        )


class ApplicationDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="An application and its history",
        description="For its candidate and the job's company (404 for anyone else). The "
        "history lists every status change (who, when, from, to, reason); internal notes "
        "appear for the company only.",
        responses={200: ApplicationDetailSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_application_body(request, pk))


class ApplicationTransitionView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Move an application (the company's members)",
        description="submitted → in_review → interview → offer → hired, or rejected (with "
        "a `reason` the candidate reads) from any open status, as `allowed_transitions` "
        "lists them. An illegal move is a 409 `illegal_transition` naming the `allowed` "
        "next statuses. `note` is internal.",
        request=ApplicationTransitionSerializer,
        responses={200: ApplicationDetailSerializer, 409: ILLEGAL_TRANSITION},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = authenticated_user(request)
        application = selectors.application_visible(user=user, application_id=pk)
        payload = ApplicationTransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        application_transition(application=application, actor=user, **payload.validated_data)
        return Response(_application_body(request, pk))


class ApplicationWithdrawView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Withdraw my application (the candidate)",
        description="From any open status (`allowed_transitions` lists `withdrawn`); you may "
        "apply to the job again afterwards. From a final one, a 409 `illegal_transition`.",
        request=WithdrawSerializer,
        responses={200: ApplicationDetailSerializer, 409: ILLEGAL_TRANSITION},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = authenticated_user(request)
        application = selectors.application_visible(user=user, application_id=pk)
        payload = WithdrawSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        application_withdraw(application=application, actor=user, **payload.validated_data)
        return Response(_application_body(request, pk))


class ApplicationResumeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Download the résumé (the candidate or the job's company)",
        description="An attachment, never shown inline; 404 for anyone else or when the "
        "application has no résumé.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            (
                200,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        application = selectors.application_visible(
            user=authenticated_user(request), application_id=pk
        )
        handle = resume_open(application=application)
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=application.resume_name,
            content_type=application.resume_content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
