"""Job board endpoints: thin; they validate, call a selector or service, and shape output.

Who may do what is decided in the services (object-level: a member of *this*
company); the views only turn "you may not even see it" into a 404 before asking.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import roles
from core.api.idempotency import (
    HEADER as IDEMPOTENCY_HEADER,
)
from core.api.idempotency import (
    IDEMPOTENCY_KEY_PARAMETER,
    IDEMPOTENCY_RESPONSES,
    REPLAYED_HEADER,
)
from core.api.permissions import IsCandidate, IsEmployer, IsModerator, ReadOnlyOr
from core.idempotency import run_idempotent
from core.openapi import (
    CURSOR_PAGE_PARAMETERS,
    PAGE_PARAMETER,
    PAGE_SIZE_PARAMETER,
    ProblemSerializer,
)
from core.pagination import CursorPagination, KeysetPagination, PageNumberPagination
from core.parsers import JSONParser, UploadParser
from core.throttling import AnonBurstThrottle, SlidingWindowThrottle, UserBurstThrottle
from jobs import selectors
from jobs.api.serializers.applications import (
    ApplicationDetailSerializer,
    ApplicationFilterSerializer,
    ApplicationPageSerializer,
    ApplicationTransitionSerializer,
    ApplyJSONSerializer,
    ApplyMultipartSerializer,
    JobApplicationFilterSerializer,
    ModerationPageSerializer,
    WithdrawSerializer,
    application_payload,
)
from jobs.api.serializers.companies import (
    CompanyCreateSerializer,
    CompanyFilterSerializer,
    CompanyPageSerializer,
    CompanySerializer,
    CompanyUpdateSerializer,
    MemberAddSerializer,
    MemberSerializer,
)
from jobs.api.serializers.postings import (
    JOB_LIST_PARAMETERS,
    JobCreateSerializer,
    JobFilterSerializer,
    JobPageSerializer,
    JobRejectSerializer,
    JobSerializer,
    JobWriteSerializer,
    job_payload,
)
from jobs.api.serializers.searches import (
    SavedSearchCreateSerializer,
    SavedSearchPageSerializer,
    SavedSearchSerializer,
)
from jobs.models import Company, Job, SavedSearch
from jobs.services.applications import (
    application_create,
    application_transition,
    application_withdraw,
)
from jobs.services.companies import company_create, company_member_add, company_update
from jobs.services.postings import (
    job_approve,
    job_close,
    job_create,
    job_delete,
    job_reject,
    job_submit,
    job_update,
)
from jobs.services.resumes import resume_open
from jobs.services.searches import saved_search_create, saved_search_delete

PAST_THE_END = OpenApiResponse(ProblemSerializer, description="A page past the last one.")
CONFLICT = OpenApiResponse(ProblemSerializer, description="`illegal_transition`, ...")
PAGE_PARAMETERS = CURSOR_PAGE_PARAMETERS


class JobPagination(KeysetPagination):
    orderings = {
        "relevance": "-rank",
        "-published_at": "-published_at",
        "-salary_max": "-salary_year_max",
    }
    default_ordering = "-published_at"


class ApplicationPagination(CursorPagination):
    ordering = ("-created_at", "-id")


class QueuePagination(CursorPagination):
    ordering = ("submitted_at", "id")


class ApplyThrottle(SlidingWindowThrottle):
    """Applications per user (``THROTTLE_JOBS_APPLY``)."""

    scope = "jobs_apply"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


def _private(request: Request, job: Job) -> bool:
    """Whether the reader sees the job's moderation details (company or moderator)."""
    user = request.user
    return roles.is_moderator(user) or job.company_id in selectors.member_company_ids(user)


def _job_body(request: Request, job: Job) -> dict[str, Any]:
    job = selectors.job_base().get(pk=job.pk)
    return job_payload(job, private=_private(request, job))


def _visible_job(request: Request, pk: int) -> Job:
    return selectors.job_visible(user=request.user, job_id=pk)


# --- companies ----------------------------------------------------------------------------


class CompanyListView(APIView):
    permission_classes = [ReadOnlyOr.for_(IsEmployer)]

    @extend_schema(
        tags=["jobs"],
        summary="Companies",
        description="By name. `mine=true`: the companies you belong to.",
        operation_id="jobs_companies_list",
        parameters=[
            CompanyFilterSerializer,
            PAGE_PARAMETER,
            PAGE_SIZE_PARAMETER,
        ],
        responses={200: CompanyPageSerializer, 404: PAST_THE_END},
    )
    def get(self, request: Request) -> Response:
        filters = CompanyFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        companies = selectors.company_list(user=request.user, **filters.validated_data)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(companies, request, self)
        return paginator.get_paginated_response(CompanySerializer(page, many=True).data)

    @extend_schema(
        tags=["jobs"],
        summary="Create a company (employers)",
        description="You become its owner.",
        request=CompanyCreateSerializer,
        responses={201: CompanySerializer},
    )
    def post(self, request: Request) -> Response:
        payload = CompanyCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        company = company_create(actor=request.user, data=payload.validated_data)
        return Response(CompanySerializer(company).data, status=status.HTTP_201_CREATED)


class CompanyDetailView(APIView):
    permission_classes = [ReadOnlyOr.for_(permissions.IsAuthenticated)]

    @extend_schema(tags=["jobs"], summary="A company", responses={200: CompanySerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(CompanySerializer(selectors.company_get(pk)).data)

    @extend_schema(
        tags=["jobs"],
        summary="Edit a company (members; `verified`: moderators)",
        request=CompanyUpdateSerializer(partial=True),
        responses={200: CompanySerializer},
    )
    def patch(self, request: Request, pk: int) -> Response:
        company = selectors.company_get(pk)
        payload = CompanyUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        company = company_update(company=company, actor=request.user, data=payload.validated_data)
        return Response(CompanySerializer(company).data)


class CompanyMembersView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["jobs"],
        summary="Add a member (company owner)",
        description="The user must have the employer role; adding an existing member "
        "changes their role (a company keeps at least one owner).",
        request=MemberAddSerializer,
        responses={201: MemberSerializer(many=True)},
    )
    def post(self, request: Request, pk: int) -> Response:
        company = selectors.company_get(pk)
        payload = MemberAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        company_member_add(
            company=company,
            actor=request.user,
            user_id=payload.validated_data["user"],
            role=payload.validated_data["role"],
        )
        members = selectors.company_members(company)
        return Response(MemberSerializer(members, many=True).data, status=201)


# --- jobs ---------------------------------------------------------------------------------


class JobListView(APIView):
    permission_classes = [ReadOnlyOr.for_(IsEmployer)]

    @extend_schema(
        tags=["jobs"],
        summary="Find jobs",
        description="Published, unexpired jobs, keyset-paginated (follow `next`). `q` is "
        'full text in web-search syntax (`"exact phrase"`, `-excluded`, `or`): title '
        "above company and tags above description, and adds a highlighted `snippet` to "
        "each result. Typos are tolerated (on PostgreSQL): a plain word of four letters or "
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
            OpenApiParameter(
                "ordering",
                str,
                enum=list(JobPagination.orderings),
                description="`relevance` (needs `q`; the default with it), `-published_at` "
                "(the default without), `-salary_max` (per year).",
            ),
            *PAGE_PARAMETERS,
        ],
        responses={200: JobPageSerializer},
    )
    def get(self, request: Request) -> Response:
        unknown = sorted(set(request.query_params) - JOB_LIST_PARAMETERS)
        if unknown:
            allowed = ", ".join(sorted(JOB_LIST_PARAMETERS - {"format"}))
            raise ValidationError(
                {name[:40]: [f"Unknown parameter; use: {allowed}."] for name in unknown[:5]},
                code="unknown_parameter",
            )
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
        jobs = selectors.job_filter(
            selectors.job_open(), **{**params, "q": text, "corrections": corrections}
        )
        if text:  # the snippets come with the page's rows, in the page's query
            jobs = selectors.job_with_snippets(jobs, text, corrections)
        page = paginator.paginate_queryset(jobs, request, self)
        snippets = selectors.job_snippets(page, text, corrections) if text else {}
        return Response(
            {
                "next": paginator.get_next_link(),
                "corrected": corrections,
                "results": [job_payload(job, snippet=snippets.get(job.pk)) for job in page],
            }
        )

    @extend_schema(
        tags=["jobs"],
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
        company = Company.objects.filter(pk=data.pop("company")).first()
        if company is None:
            raise ValidationError({"company": ["No such company."]}, code="does_not_exist")
        job = job_create(actor=request.user, company=company, data=data)
        return Response(_job_body(request, job), status=status.HTTP_201_CREATED)


class JobDetailView(APIView):
    permission_classes = [ReadOnlyOr.for_(permissions.IsAuthenticated)]

    @extend_schema(
        tags=["jobs"],
        summary="A job",
        description="Published, closed and expired jobs for everyone; drafts, jobs in "
        "review and rejected ones for the company's members and moderators (404 for "
        "anyone else).",
        responses={200: JobSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        job = _visible_job(request, pk)
        return Response(job_payload(job, private=_private(request, job)))

    @extend_schema(
        tags=["jobs"],
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
        job = job_update(job=job, actor=request.user, data=payload.validated_data)
        return Response(_job_body(request, job))

    @extend_schema(
        tags=["jobs"],
        summary="Delete a job (the company's members)",
        description="Only without applications (409 `job_has_applications`: close it).",
        responses={204: None, 409: CONFLICT},
    )
    def delete(self, request: Request, pk: int) -> Response:
        job_delete(job=_visible_job(request, pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _job_action(summary: str, description: str, request_body: Any = None) -> Any:
    return extend_schema(
        tags=["jobs"],
        summary=summary,
        description=description,
        request=request_body,
        responses={200: JobSerializer, 409: CONFLICT},
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
        job = job_submit(job=_visible_job(request, pk), actor=request.user)
        return Response(_job_body(request, job))


class JobCloseView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @_job_action(
        "Close a job (the company's members)",
        "A published job stops taking applications; it stays readable.",
    )
    def post(self, request: Request, pk: int) -> Response:
        job = job_close(job=_visible_job(request, pk), actor=request.user)
        return Response(_job_body(request, job))


class JobApproveView(APIView):
    permission_classes = [IsModerator]

    @_job_action("Approve a job (moderators)", "`pending_review` → `published`.")
    def post(self, request: Request, pk: int) -> Response:
        job = job_approve(job=_visible_job(request, pk), actor=request.user)
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
            actor=request.user,
            reason=payload.validated_data["reason"],
        )
        return Response(_job_body(request, job))


class ModerationQueueView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        tags=["jobs"],
        summary="Jobs waiting for review (moderators)",
        description="Oldest submission first.",
        operation_id="jobs_moderation_queue_list",
        parameters=PAGE_PARAMETERS,
        responses={200: ModerationPageSerializer},
    )
    def get(self, request: Request) -> Response:
        paginator = QueuePagination()
        page = paginator.paginate_queryset(selectors.moderation_queue(), request, self)
        return paginator.get_paginated_response([job_payload(job, private=True) for job in page])


# --- applications -------------------------------------------------------------------------


def _application_body(request: Request, application_id: int) -> dict[str, Any]:
    application = selectors.application_visible(user=request.user, application_id=application_id)
    company_side = selectors.is_company_side(user=request.user, application=application)
    return application_payload(application, company_side=company_side, history=True)


class JobApplyView(APIView):
    permission_classes = [IsCandidate]
    parser_classes = [JSONParser, UploadParser]
    throttle_classes = [AnonBurstThrottle, UserBurstThrottle, ApplyThrottle]

    @extend_schema(
        tags=["jobs"],
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
                candidate=request.user,
                cover_letter=data.get("cover_letter", ""),
                resume=resume,
            )
            return 201, _application_body(request, application.pk)

        outcome = run_idempotent(
            user_id=request.user.pk,
            scope=f"jobs.apply.{pk}",
            key=request.headers.get(IDEMPOTENCY_HEADER),
            payload={"cover_letter": data.get("cover_letter", ""), "resume": digest},
            write=write,
        )
        response = Response(outcome.body, status=outcome.status)
        if outcome.replayed:
            response[REPLAYED_HEADER] = "true"
        return response


class JobApplicationsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["jobs"],
        summary="Applications to a job (the company's members)",
        description="Newest first; `status` filters.",
        operation_id="jobs_job_applications_list",
        parameters=[JobApplicationFilterSerializer, *PAGE_PARAMETERS],
        responses={200: ApplicationPageSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        job = _visible_job(request, pk)
        if job.company_id not in selectors.member_company_ids(request.user):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Only the company's members see its applications.")
        filters = JobApplicationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        applications = selectors.job_applications(job=job, **filters.validated_data)
        paginator = ApplicationPagination()
        page = paginator.paginate_queryset(applications, request, self)
        return paginator.get_paginated_response(
            [application_payload(a, company_side=True) for a in page]
        )


class ApplicationListView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["jobs"],
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
        applications = selectors.application_list(
            user=request.user, status=data.get("status"), job_id=data.get("job")
        )
        companies = set(selectors.member_company_ids(request.user))
        paginator = ApplicationPagination()
        page = paginator.paginate_queryset(applications, request, self)
        return paginator.get_paginated_response(
            [application_payload(a, company_side=a.job.company_id in companies) for a in page]
        )


class ApplicationDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["jobs"],
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
        tags=["jobs"],
        summary="Move an application (the company's members)",
        description="submitted → in_review → interview → offer → hired, or rejected (with "
        "a `reason` the candidate reads) from any open status. An illegal move is a 409 "
        "`illegal_transition` naming the `allowed` next statuses. `note` is internal.",
        request=ApplicationTransitionSerializer,
        responses={200: ApplicationDetailSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, pk: int) -> Response:
        application = selectors.application_visible(user=request.user, application_id=pk)
        payload = ApplicationTransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        application_transition(
            application=application, actor=request.user, **payload.validated_data
        )
        return Response(_application_body(request, pk))


class ApplicationWithdrawView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["jobs"],
        summary="Withdraw my application (the candidate)",
        description="From any open status; you may apply to the job again afterwards.",
        request=WithdrawSerializer,
        responses={200: ApplicationDetailSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, pk: int) -> Response:
        application = selectors.application_visible(user=request.user, application_id=pk)
        payload = WithdrawSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        application_withdraw(application=application, actor=request.user, **payload.validated_data)
        return Response(_application_body(request, pk))


class ApplicationResumeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["jobs"],
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
        application = selectors.application_visible(user=request.user, application_id=pk)
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


# --- saved searches -------------------------------------------------------------------------


class SavedSearchListView(APIView):
    permission_classes = [IsCandidate]

    @extend_schema(
        tags=["jobs"],
        summary="My saved searches (candidates)",
        operation_id="jobs_saved_searches_list",
        parameters=[
            PAGE_PARAMETER,
            PAGE_SIZE_PARAMETER,
        ],
        responses={200: SavedSearchPageSerializer, 404: PAST_THE_END},
    )
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            selectors.saved_search_list(user=request.user), request, self
        )
        return paginator.get_paginated_response(SavedSearchSerializer(page, many=True).data)

    @extend_schema(
        tags=["jobs"],
        summary="Save a search (candidates)",
        description="New jobs matching it are alerted `instant`ly, or in a `daily` or "
        "`weekly` digest; never the same job twice. At most 20.",
        request=SavedSearchCreateSerializer,
        responses={201: SavedSearchSerializer},
    )
    def post(self, request: Request) -> Response:
        payload = SavedSearchCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        search = saved_search_create(
            user=request.user,
            name=data.get("name", ""),
            query=data.get("query", ""),
            filters=data.get("filters", {}),
            frequency=data["frequency"],
        )
        return Response(SavedSearchSerializer(search).data, status=status.HTTP_201_CREATED)


class SavedSearchDetailView(APIView):
    permission_classes = [IsCandidate]

    @extend_schema(tags=["jobs"], summary="Delete a saved search", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        search: SavedSearch = selectors.saved_search_get(user=request.user, search_id=pk)
        saved_search_delete(search=search, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
