"""Jobs: the posting as everyone reads it (``JobSerializer``, and ``job_payload``, the
list's hot path that builds the same output without DRF), what members write, the
moderator's rejection, and the list's query parameters and page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.http.fields import IdField
from core.http.pagination import envelope_serializer
from core.http.timestamps import iso_utc
from jobs.api.serializers._common import CommaListField
from jobs.api.serializers.companies import CompanyRefSerializer
from jobs.models import EmploymentType, ExperienceLevel, Job, JobStatus, SalaryPeriod
from jobs.services.postings import JobViewer, effective_status


class JobSerializer(serializers.ModelSerializer):
    """A job as everyone sees it; ``rejection_reason`` is filled for its company and
    moderators only."""

    company = CompanyRefSerializer(read_only=True)
    status = serializers.CharField(
        help_text="draft, pending_review, published, closed, expired (a published job past "
        "expires_at reads expired) or rejected."
    )
    # The reader's (context["viewer"], a JobViewer); job_payload is given them.
    allowed_transitions = serializers.SerializerMethodField(
        help_text="The statuses you may move this job to now: its company's members submit "
        "a draft or a rejected job (to pending_review, or to published when moderation is "
        "off) and close a published one; moderators approve a job in review (published) "
        "and reject one in review or published. Empty for anyone else, and from closed or "
        "expired (final)."
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
            "allowed_transitions",
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

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=JobStatus.choices))
    )
    def get_allowed_transitions(self, job: Job) -> list[str]:
        viewer: JobViewer | None = self.context.get("viewer")
        return [] if viewer is None else viewer.allowed(job)


def job_payload(
    job: Job,
    *,
    private: bool = False,
    snippet: str | None = None,
    allowed: Sequence[str] = (),
) -> dict[str, Any]:
    """``JobSerializer``'s output built directly (the list's hot path skips DRF's
    per-field machinery); a test checks the two agree. ``allowed`` is the reader's
    ``allowed_transitions`` (``JobViewer.allowed``)."""
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
        "allowed_transitions": list(allowed),
        "rejection_reason": job.rejection_reason if private else "",
        "submitted_at": iso_utc(job.submitted_at),
        "published_at": iso_utc(job.published_at),
        "expires_at": iso_utc(job.expires_at),
        "closed_at": iso_utc(job.closed_at),
        "created_at": iso_utc(job.created_at),
        "updated_at": iso_utc(job.updated_at),
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


JobPageSerializer = envelope_serializer(
    "JobPage",
    JobSerializer(many=True),
    extras={
        "corrected": serializers.DictField(
            child=serializers.CharField(),
            help_text="With `q`: each query word no job title, location, tag or company name "
            "contains, mapped to the word it was also searched as, e.g. "
            '`{"pythn": "python"}`. `{}` when nothing was corrected or without `q`.',
        )
    },
)
