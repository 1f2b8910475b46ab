"""Applications and their history: a candidate applies once to an open job (with a
résumé or without), the company moves the application along the pipeline and the
candidate may withdraw it; every move is checked against ``APPLICATION_WORKFLOW`` (with
the mover's moves: the company's or the candidate's) and recorded under the row's
lock, and tells the other side."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import IntegrityError, transaction

from core.http.catalogue import ProblemError
from core.http.validation import field_error
from core.identity import roles
from core.identity.models import User
from core.notifications.models import Notification
from core.notifications.services import notification_create
from core.tasking.outbox import enqueue_on_commit
from jobs import error_codes, selectors
from jobs.models import (
    APPLICATION_CANDIDATE_MOVES,
    APPLICATION_COMPANY_MOVES,
    APPLICATION_WORKFLOW,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    CompanyMember,
    Job,
    JobStatus,
)
from jobs.services.companies import _require_member
from jobs.services.postings import effective_status
from jobs.services.resumes import resume_check, resume_storage


def _record(
    application: Application,
    *,
    actor: User,
    from_status: str,
    to_status: str,
    reason: str = "",
    note: str = "",
) -> ApplicationEvent:
    event = ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        internal_note=note,
    )
    enqueue_on_commit("jobs.tasks.application_event_notify_task", event.pk)
    return event


def _text(field: str, value: Any, limit: int) -> str:
    """``value`` as the client sent it (None: blank): text of at most ``limit``
    characters, stripped, or a field error on ``field``."""
    value = value or ""
    if not isinstance(value, str) or len(value) > limit:
        raise field_error(field, f"Text of at most {limit} characters.")
    return value.strip()


def application_create(
    *, job_id: int, candidate: User, cover_letter: str = "", resume: File[bytes] | None = None
) -> Application:
    """A candidate applies once to an open job (published, not past ``expires_at``).
    ``resume`` is the uploaded file, judged by its bytes here (``resume_check``)."""
    if not roles.is_candidate(candidate):
        raise PermissionDenied("Only candidates apply to jobs.")
    cover_letter = _text("cover_letter", cover_letter, 10_000)
    job = selectors.job_visible(user=candidate, job_id=job_id)
    status = effective_status(job)
    if status != JobStatus.PUBLISHED:
        raise ProblemError(
            error_codes.JOB_CLOSED,
            f"Job {job.pk} is {status}; it does not take applications.",
            current_status=status,
        )
    kind = resume_check(resume) if resume is not None else None
    with transaction.atomic():
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    job=job, candidate=candidate, cover_letter=cover_letter
                )
        except IntegrityError:
            existing = (
                Application.objects.filter(job=job, candidate=candidate)
                .exclude(status=ApplicationStatus.WITHDRAWN)
                .values_list("pk", flat=True)
                .first()
            )
            raise ProblemError(
                error_codes.ALREADY_APPLIED,
                f"You already applied to job {job.pk}; withdraw that application to apply again.",
                application=existing,
            ) from None
        if resume is not None and kind is not None:
            content_type, extension = kind
            key = resume_storage().save(f"applications/{uuid.uuid4().hex}.{extension}", resume)
            original = (getattr(resume, "name", "") or f"resume.{extension}").rsplit("/", 1)[-1]
            stem = original.rsplit(".", 1)[0][:150] or "resume"
            application.resume_key = key
            application.resume_name = f"{stem}.{extension}"
            application.resume_content_type = content_type
            application.resume_size = resume.size
            try:
                application.save(
                    update_fields=[
                        "resume_key",
                        "resume_name",
                        "resume_content_type",
                        "resume_size",
                    ]
                )
            except Exception:
                resume_storage().delete(key)
                raise
        _record(
            application,
            actor=candidate,
            from_status="",
            to_status=ApplicationStatus.SUBMITTED,
        )
    return application


def _move(
    application: Application,
    *,
    actor: User,
    target: str,
    moves: frozenset[str],
    reason: str = "",
    note: str = "",
) -> Application:
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        APPLICATION_WORKFLOW.check(locked.status, target, moves=moves)
        previous = locked.status
        locked.status = target
        fields = ["status", "updated_at"]
        if target == ApplicationStatus.REJECTED:
            locked.rejection_reason = reason
            fields.append("rejection_reason")
        locked.save(update_fields=fields)
        _record(
            locked, actor=actor, from_status=previous, to_status=target, reason=reason, note=note
        )
    return locked


def application_transition(
    *, application: Application, actor: User, status: str, reason: str = "", note: str = ""
) -> Application:
    """The company moves an application along the pipeline. ``reason`` is shown to
    the candidate (a rejection needs one); ``note`` is internal, for the company only."""
    job = Job.objects.only("company_id").get(pk=application.job_id)
    _require_member(user=actor, company_id=job.company_id)
    if status not in APPLICATION_COMPANY_MOVES:
        allowed = [s for s in APPLICATION_WORKFLOW.statuses if s in APPLICATION_COMPANY_MOVES]
        raise field_error("status", f"Use one of: {', '.join(allowed)}.", "invalid_choice")
    reason = _text("reason", reason, 2000)
    note = _text("note", note, 5000)
    if status == ApplicationStatus.REJECTED and not reason:
        raise field_error("reason", "A rejection says why, for the candidate.", "required")
    return _move(
        application,
        actor=actor,
        target=status,
        moves=APPLICATION_COMPANY_MOVES,
        reason=reason,
        note=note,
    )


def application_withdraw(*, application: Application, actor: User, reason: str = "") -> Application:
    """The candidate withdraws; they may apply to the job again afterwards."""
    if application.candidate_id != actor.pk:
        raise PermissionDenied("Only the candidate withdraws an application.")
    reason = _text("reason", reason, 2000)
    return _move(
        application,
        actor=actor,
        target=ApplicationStatus.WITHDRAWN,
        moves=APPLICATION_CANDIDATE_MOVES,
        reason=reason,
    )


def application_event_notify(*, event_id: int) -> int:
    """A new application tells the company's members; any other change tells the
    candidate (and a withdrawal, the company). Once per event and person."""
    event = (
        ApplicationEvent.objects.select_related("application__job__company")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    application = event.application
    job = application.job
    data = {"application": application.pk, "job": job.pk, "event": event.pk}
    to_company = event.to_status in (ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN)
    if to_company:
        created = not event.from_status
        kind = "jobs.application_received" if created else "jobs.application_withdrawn"
        verb = "New application" if created else "Application withdrawn"
        recipients = list(
            CompanyMember.objects.filter(company_id=job.company_id).values_list(
                "user_id", flat=True
            )
        )
        title, body = f"{verb}: {job.title}", f"Application {application.pk} to {job.title}."
    else:
        kind = "jobs.application_status"
        recipients = [application.candidate_id]
        label = ApplicationStatus(event.to_status).label
        title = f"Your application to {job.title} at {job.company.name}: {label}"
        body = event.reason
    told = set(
        Notification.objects.filter(kind=kind, data__event=event.pk).values_list(
            "user_id", flat=True
        )
    )
    count = 0
    for user_id in recipients:
        if user_id in told:
            continue
        notification_create(
            user_id=user_id, kind=kind, title=title[:200], body=body, data=data, email=True
        )
        count += 1
    return count
