"""Applications: applying (JSON, or multipart with a résumé), an application and its
history as the candidate or the company reads it (``application_payload``), the
company's moves (``APPLICATION_MOVES``), withdrawal, the list filters and pages, and
the moderators' queue page."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.http.fields import IdField
from core.http.links import link
from core.http.pagination import envelope_serializer
from core.http.timestamps import iso_utc
from jobs.api.serializers.companies import CompanyRefSerializer
from jobs.api.serializers.postings import JobSerializer
from jobs.models import (
    APPLICATION_CANDIDATE_MOVES,
    APPLICATION_COMPANY_MOVES,
    APPLICATION_WORKFLOW,
    Application,
    ApplicationStatus,
)
from jobs.services.postings import effective_status

# The statuses a company moves an application to (withdrawing is the candidate's).
APPLICATION_MOVES = [
    (value, label) for value, label in ApplicationStatus.choices if value != "withdrawn"
]


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
    url = serializers.URLField(help_text="The download endpoint's absolute URL (needs your token).")


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
        child=serializers.ChoiceField(choices=ApplicationStatus.choices),
        read_only=True,
        help_text="The statuses you may move it to now: the company along the pipeline "
        "(`transition`), the candidate only to withdrawn (`withdraw`). Empty from a final "
        "status (hired, rejected, withdrawn).",
    )
    resume = ResumeSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ApplicationDetailSerializer(ApplicationSerializer):
    history = HistorySerializer(many=True, help_text="Oldest first.")


def application_payload(
    application: Application, *, request: Any, company_side: bool, history: bool = False
) -> dict[str, Any]:
    """An application as one side reads it; ``request`` makes its links absolute."""
    job = application.job
    company = job.company
    candidate = application.candidate
    resume = None
    if application.resume_key:
        resume = {
            "name": application.resume_name,
            "content_type": application.resume_content_type,
            "size": application.resume_size,
            "url": link(request, "jobs:application-resume", application.pk),
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
        "allowed_transitions": APPLICATION_WORKFLOW.allowed(
            application.status,
            moves=APPLICATION_COMPANY_MOVES if company_side else APPLICATION_CANDIDATE_MOVES,
        ),
        "resume": resume,
        "created_at": iso_utc(application.created_at),
        "updated_at": iso_utc(application.updated_at),
    }
    if history:
        entries = []
        for event in application.events.all():
            entry = {
                "at": iso_utc(event.created_at),
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


ApplicationPageSerializer = envelope_serializer("ApplicationPage", ApplicationSerializer(many=True))
ModerationPageSerializer = envelope_serializer(
    "ModerationPage",
    JobSerializer(many=True),
    extras={
        "moderation": serializers.BooleanField(
            help_text="Whether moderation is on (`JOBS_MODERATION`). Off (the demo's "
            "default), a submitted job publishes at once and this queue stays empty."
        )
    },
)
