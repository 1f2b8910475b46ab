from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from core.api.fields import IdField
from jobs.models import (
    AlertFrequency,
    Application,
    ApplicationStatus,
    Company,
    EmploymentType,
    ExperienceLevel,
    Job,
    MemberRole,
    SalaryPeriod,
    SavedSearch,
)
from jobs.services.applications import allowed_next
from jobs.services.postings import effective_status

# The statuses a company moves an application to (withdrawing is the candidate's).
APPLICATION_MOVES = [
    (value, label) for value, label in ApplicationStatus.choices if value != "withdrawn"
]

# --- shared ---------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = timezone.localtime(value, UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class CommaListField(serializers.CharField):
    """``a,b,c`` in a query string, each item one of ``choices`` (when given)."""

    def __init__(self, *, choices: list[str] | None = None, max_items: int = 10, **kwargs: Any):
        self.choices_allowed = choices
        self.max_items = max_items
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[str]:  # type: ignore[override]
        text = super().to_internal_value(data)
        items = [item.strip().lower() for item in text.split(",") if item.strip()]
        if len(items) > self.max_items:
            raise serializers.ValidationError(f"At most {self.max_items} values.")
        if self.choices_allowed is not None:
            unknown = [item for item in items if item not in self.choices_allowed]
            if unknown:
                raise serializers.ValidationError(
                    f"Unknown {unknown[0][:40]!r}; use: {', '.join(self.choices_allowed)}."
                )
        return items


# --- companies ------------------------------------------------------------------------------


class CompanyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    verified = serializers.BooleanField()
    logo_url = serializers.CharField()


class CompanySerializer(serializers.ModelSerializer):
    # Optional on the model: "" when not given, which the schema must allow (a bare
    # read-only URLField documents `format: uri` only).
    website = serializers.URLField(read_only=True, allow_blank=True)
    logo_url = serializers.URLField(read_only=True, allow_blank=True)

    class Meta:
        model = Company
        fields = (
            "id",
            "slug",
            "name",
            "website",
            "description",
            "logo_url",
            "verified",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class CompanyPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CompanySerializer(many=True)


class CompanyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=160)
    slug = serializers.SlugField(
        max_length=180, required=False, help_text="Made from the name when left out."
    )
    website = serializers.URLField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    logo_url = serializers.URLField(max_length=500, required=False, allow_blank=True)


class CompanyUpdateSerializer(CompanyCreateSerializer):
    verified = serializers.BooleanField(
        required=False, help_text="Moderators only; members edit the rest."
    )


class CompanyFilterSerializer(serializers.Serializer):
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only companies I belong to."
    )
    verified = serializers.BooleanField(required=False, allow_null=True, default=None)


class MemberAddSerializer(serializers.Serializer):
    user = IdField(help_text="The id of a user with the employer role.")
    role = serializers.ChoiceField(choices=MemberRole.choices, default=MemberRole.RECRUITER)


class MemberSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")
    role = serializers.CharField()
    created_at = serializers.DateTimeField()


# --- jobs -----------------------------------------------------------------------------------


class JobSerializer(serializers.ModelSerializer):
    """A job as everyone sees it; ``rejection_reason`` is filled for its company and
    moderators only."""

    company = CompanyRefSerializer(read_only=True)
    status = serializers.CharField(
        help_text="draft, pending_review, published, closed, expired (a published job past "
        "expires_at reads expired) or rejected."
    )
    tags = serializers.ListField(child=serializers.CharField())
    snippet = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="With `q`: an HTML extract of the description, the words searched in "
        "`<mark>`, everything else escaped. Null otherwise.",
    )

    class Meta:
        model = Job
        fields = (
            "id",
            "company",
            "title",
            "description",
            "location",
            "remote",
            "employment_type",
            "experience_level",
            "salary_min",
            "salary_max",
            "currency",
            "salary_period",
            "tags",
            "status",
            "rejection_reason",
            "submitted_at",
            "published_at",
            "expires_at",
            "closed_at",
            "created_at",
            "updated_at",
            "snippet",
        )
        read_only_fields = fields


def job_payload(job: Job, *, private: bool = False, snippet: str | None = None) -> dict[str, Any]:
    """``JobSerializer``'s output built directly (the list's hot path skips DRF's
    per-field machinery); a test checks the two agree."""
    company = job.company
    return {
        "id": job.pk,
        "company": {
            "id": company.pk,
            "slug": company.slug,
            "name": company.name,
            "verified": company.verified,
            "logo_url": company.logo_url,
        },
        "title": job.title,
        "description": job.description,
        "location": job.location,
        "remote": job.remote,
        "employment_type": job.employment_type,
        "experience_level": job.experience_level,
        "salary_min": job.salary_min,
        "salary_max": job.salary_max,
        "currency": job.currency,
        "salary_period": job.salary_period,
        "tags": list(job.tags or []),
        "status": effective_status(job),
        "rejection_reason": job.rejection_reason if private else "",
        "submitted_at": _iso(job.submitted_at),
        "published_at": _iso(job.published_at),
        "expires_at": _iso(job.expires_at),
        "closed_at": _iso(job.closed_at),
        "created_at": _iso(job.created_at),
        "updated_at": _iso(job.updated_at),
        "snippet": snippet,
    }


class JobWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20_000)
    location = serializers.CharField(max_length=120, required=False, allow_blank=True)
    remote = serializers.BooleanField(required=False)
    employment_type = serializers.ChoiceField(choices=EmploymentType.choices, required=False)
    experience_level = serializers.ChoiceField(choices=ExperienceLevel.choices, required=False)
    salary_min = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False, allow_null=True
    )
    salary_max = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False, allow_null=True
    )
    currency = serializers.RegexField(
        r"^[A-Z]{3}\Z", required=False, allow_blank=True, help_text="ISO 4217, e.g. EUR."
    )
    salary_period = serializers.ChoiceField(choices=SalaryPeriod.choices, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=20, required=False
    )
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Default: 30 days after publication; at most 180 days ahead.",
    )


class JobCreateSerializer(JobWriteSerializer):
    company = IdField(help_text="A company you belong to.")


class JobRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Shown to the company.")


JOB_LIST_PARAMETERS = {
    "q",
    "location",
    "remote",
    "employment_type",
    "experience_level",
    "salary_min",
    "currency",
    "salary_period",
    "posted_within",
    "company",
    "tags",
    "ordering",
    "cursor",
    "page_size",
    "format",
}


class JobFilterSerializer(serializers.Serializer):
    """The list's query parameters (and a saved search's filters)."""

    q = serializers.CharField(
        required=False,
        max_length=200,
        help_text='Full text, web-search syntax (`"exact phrase"`, `-exclude`, `or`); '
        "tolerates typos in plain words (see `corrected` in the response).",
    )
    location = serializers.CharField(required=False, max_length=120, help_text="Part of it.")
    remote = serializers.BooleanField(required=False, allow_null=True, default=None)
    employment_type = CommaListField(
        required=False,
        choices=EmploymentType.values,
        help_text=f"One or more, comma-separated: {', '.join(EmploymentType.values)}.",
    )
    experience_level = CommaListField(
        required=False,
        choices=ExperienceLevel.values,
        help_text=f"One or more, comma-separated: {', '.join(ExperienceLevel.values)}.",
    )
    salary_min = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=10**9,
        help_text="Jobs whose range reaches this figure (in `currency`, per "
        "`salary_period`), compared per year: hour x 2080, month x 12. Jobs without a "
        "salary or in another currency do not match.",
    )
    currency = serializers.RegexField(
        r"^[A-Z]{3}\Z", required=False, help_text="ISO 4217; default EUR with salary_min."
    )
    salary_period = serializers.ChoiceField(
        choices=SalaryPeriod.choices,
        required=False,
        help_text="The period `salary_min` is given in (default year).",
    )
    posted_within = serializers.IntegerField(
        required=False, min_value=1, max_value=365, help_text="Published in the last N days."
    )
    company = serializers.SlugField(required=False, help_text="A company's slug.")
    tags = CommaListField(
        required=False, max_items=10, help_text="Comma-separated; a job has them all."
    )


class JobPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    corrected = serializers.DictField(
        child=serializers.CharField(),
        help_text="With `q`: each query word no job title, location, tag or company name "
        "contains, mapped to the word it was also searched as, e.g. "
        '`{"pythn": "python"}`. `{}` when nothing was corrected or without `q`.',
    )
    results = JobSerializer(many=True)


# --- applications -------------------------------------------------------------------------


class ApplyJSONSerializer(serializers.Serializer):
    cover_letter = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class ApplyMultipartSerializer(ApplyJSONSerializer):
    resume = serializers.FileField(
        required=False,
        allow_empty_file=True,  # the service says "empty" as a field error itself
        help_text="PDF or DOCX, at most 5 MB, checked by content.",
    )


class JobRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    company = CompanyRefSerializer()


class CandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()


class ResumeSerializer(serializers.Serializer):
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField(help_text="The download endpoint (needs your token).")


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True, help_text="Username; null if deleted.")
    from_status = serializers.CharField(allow_null=True, help_text="Null: the application.")
    to_status = serializers.CharField()
    reason = serializers.CharField()
    internal_note = serializers.CharField(
        required=False, help_text="Only for the company; absent for the candidate."
    )


class ApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    job = JobRefSerializer()
    candidate = CandidateSerializer()
    cover_letter = serializers.CharField()
    status = serializers.ChoiceField(choices=ApplicationStatus.choices)
    rejection_reason = serializers.CharField()
    allowed_transitions = serializers.ListField(
        child=serializers.CharField(),
        help_text="Where you (company or candidate) may move it next.",
    )
    resume = ResumeSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ApplicationDetailSerializer(ApplicationSerializer):
    history = HistorySerializer(many=True, help_text="Oldest first.")


def application_payload(
    application: Application, *, company_side: bool, history: bool = False
) -> dict[str, Any]:
    job = application.job
    company = job.company
    candidate = application.candidate
    resume = None
    if application.resume_key:
        resume = {
            "name": application.resume_name,
            "content_type": application.resume_content_type,
            "size": application.resume_size,
            "url": f"/api/v1/jobs/applications/{application.pk}/resume/",
        }
    body: dict[str, Any] = {
        "id": application.pk,
        "job": {
            "id": job.pk,
            "title": job.title,
            "status": effective_status(job),
            "company": {
                "id": company.pk,
                "slug": company.slug,
                "name": company.name,
                "verified": company.verified,
                "logo_url": company.logo_url,
            },
        },
        "candidate": {"id": candidate.pk, "username": candidate.username, "email": candidate.email},
        "cover_letter": application.cover_letter,
        "status": application.status,
        "rejection_reason": application.rejection_reason,
        "allowed_transitions": allowed_next(application.status, company=company_side),
        "resume": resume,
        "created_at": _iso(application.created_at),
        "updated_at": _iso(application.updated_at),
    }
    if history:
        entries = []
        for event in application.events.all():
            entry = {
                "at": _iso(event.created_at),
                "actor": event.actor.username if event.actor else None,
                "from_status": event.from_status or None,
                "to_status": event.to_status,
                "reason": event.reason,
            }
            if company_side:
                entry["internal_note"] = event.internal_note
            entries.append(entry)
        body["history"] = entries
    return body


class ApplicationTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=APPLICATION_MOVES)
    reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Shown to the candidate; required to reject.",
    )
    note = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        help_text="Internal: the company sees it in the history, the candidate never does.",
    )


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ApplicationFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ApplicationStatus.choices, required=False)
    job = IdField(required=False)


class JobApplicationFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ApplicationStatus.choices, required=False)


class ApplicationPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ApplicationSerializer(many=True)


class ModerationPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = JobSerializer(many=True)


# --- saved searches -------------------------------------------------------------------------


class SavedSearchSerializer(serializers.ModelSerializer):
    filters = serializers.DictField(help_text="The job list's filters, as validated.")

    class Meta:
        model = SavedSearch
        fields = ("id", "name", "query", "filters", "frequency", "last_digest_at", "created_at")
        read_only_fields = fields


class SavedSearchCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    query = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="As the list's `q`."
    )
    filters = serializers.DictField(
        required=False,
        help_text="Any of the list's filters: location, remote, employment_type, "
        "experience_level, salary_min, currency, salary_period, company, tags.",
    )
    frequency = serializers.ChoiceField(
        choices=AlertFrequency.choices, default=AlertFrequency.DAILY
    )

    def validate_filters(self, value: dict[str, Any]) -> dict[str, Any]:
        allowed = set(JobFilterSerializer().fields) - {"q", "posted_within"}
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise serializers.ValidationError(
                f"Unknown filter {unknown[0][:40]!r}; use: {', '.join(sorted(allowed))}."
            )
        text = {
            key: ",".join(map(str, item)) if isinstance(item, list) else item
            for key, item in value.items()
        }
        checked = JobFilterSerializer(data=text)
        if not checked.is_valid():
            raise serializers.ValidationError(
                [f"{key}: {' '.join(map(str, errs))}" for key, errs in checked.errors.items()]
            )
        return {k: v for k, v in checked.validated_data.items() if v is not None}


class SavedSearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SavedSearchSerializer(many=True)
