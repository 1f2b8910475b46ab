"""Job postings and their moderation: members draft, edit, submit and close their
company's jobs, moderators approve and reject them, beat expires them, and the
company's members hear of each outcome. ``effective_status`` is what a job is when
read (a published job past ``expires_at`` reads expired before beat records it).

Every move is one of ``JOB_WORKFLOW``'s; ``job_moves`` says who may make which, and a
``JobViewer`` answers a job's ``allowed_transitions`` for one user, the same statuses
the 409 refusing that user a move lists as ``allowed``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core.http.catalogue import ProblemError
from core.http.validation import field_error, full_clean
from core.identity import roles
from core.identity.models import User
from core.notifications.models import Notification
from core.notifications.services import notification_create
from core.tasking.outbox import enqueue_on_commit
from jobs import error_codes, selectors
from jobs.models import (
    JOB_WORKFLOW,
    YEARLY_FACTORS,
    Application,
    Company,
    CompanyMember,
    Job,
    JobStatus,
    SalaryPeriod,
)
from jobs.services.companies import _require_member

JOB_FIELDS = (
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
    "expires_at",
)
MAX_TAGS = 20
MAX_TAG_LENGTH = 40
MAX_DURATION_DAYS = 180


def effective_status(job: Job, *, now: datetime | None = None) -> str:
    """What a job is, read now: a published job past ``expires_at`` is expired even
    before beat records it (``make run`` runs no beat)."""
    now = now or timezone.now()
    if job.status == JobStatus.PUBLISHED and job.expires_at is not None and job.expires_at <= now:
        return JobStatus.EXPIRED
    return job.status


# The moves of JOB_WORKFLOW, by who makes them: a submission (from where a job may go
# to review), an approval, a rejection and a close. Expiry is the clock's.
_SUBMITTABLE = JOB_WORKFLOW.sources(JobStatus.PENDING_REVIEW)
_APPROVABLE = (JobStatus.PENDING_REVIEW,)


def _submit_target() -> str:
    """Where a submission goes: to review, or published at once without moderation."""
    return JobStatus.PENDING_REVIEW if settings.JOBS_MODERATION else JobStatus.PUBLISHED


def job_moves(*, current: str, member: bool, moderator: bool) -> frozenset[str]:
    """The statuses a job in ``current`` may be moved to by a member of its company
    (who submits a draft or a rejected job and closes a published one) and/or a
    moderator (who approves a job in review and rejects or takes one down)."""
    moves: set[str] = set()
    if member:
        moves.add(JobStatus.CLOSED)
        if current in _SUBMITTABLE:
            moves.add(_submit_target())
    if moderator:
        moves.add(JobStatus.REJECTED)
        if current in _APPROVABLE:
            moves.add(JobStatus.PUBLISHED)
    return frozenset(moves)


@dataclass(frozen=True)
class JobViewer:
    """One user as jobs see them: the companies they act for (members still holding the
    employer role, as ``_require_member`` asks) and whether they moderate."""

    companies: frozenset[int] = frozenset()
    moderator: bool = False

    def moves(self, job: Job, current: str | None = None) -> frozenset[str]:
        current = current or effective_status(job)
        member = job.company_id in self.companies
        return job_moves(current=current, member=member, moderator=self.moderator)

    def allowed(self, job: Job) -> list[str]:
        """The job's ``allowed_transitions`` for this user, from what it reads as now."""
        current = effective_status(job)
        return JOB_WORKFLOW.allowed(current, moves=self.moves(job, current))


def job_viewer(*, user: User | AnonymousUser) -> JobViewer:
    """At most two queries (roles, memberships), none for an anonymous reader."""
    companies = selectors.member_company_ids(user) if roles.is_employer(user) else []
    return JobViewer(companies=frozenset(companies), moderator=roles.is_moderator(user))


def _check_move(job: Job, *, actor: User, target: str, sources: tuple[str, ...]) -> None:
    """Refuse, with the workflow's 409 naming what ``actor`` may do instead, a move to
    ``target`` from anywhere but ``sources`` (where this action starts from)."""
    current = effective_status(job)
    if current not in sources:
        moves = job_viewer(user=actor).moves(job, current)
        raise JOB_WORKFLOW.illegal(current, target, moves=moves)


def _clean_tags(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_TAGS:
        raise field_error("tags", f"A list of at most {MAX_TAGS} tags.")
    tags: list[str] = []
    for index, tag in enumerate(value):
        if not isinstance(tag, str) or not 0 < len(tag.strip()) <= MAX_TAG_LENGTH:
            raise field_error(f"tags.{index}", f"A tag is 1 to {MAX_TAG_LENGTH} characters.")
        tag = " ".join(tag.lower().split())
        if tag not in tags:
            tags.append(tag)
    return tags


def job_salary_normalize(job: Job) -> None:
    """Check a salary range and store it per year (``salary_year_min``/``_max``)."""
    given = job.salary_min is not None or job.salary_max is not None
    if given and not job.currency:
        raise field_error("currency", "A salary needs its currency.", "required")
    low, high = job.salary_min, job.salary_max
    if low is not None and high is not None and low > high:
        raise field_error("salary_max", "Must be at least salary_min.")
    factor = YEARLY_FACTORS[job.salary_period or SalaryPeriod.YEAR]
    low = job.salary_min if job.salary_min is not None else job.salary_max
    high = job.salary_max if job.salary_max is not None else job.salary_min
    job.salary_year_min = (low or 0) * factor
    job.salary_year_max = (high or 0) * factor


def _check_expiry(value: datetime | None, now: datetime) -> None:
    if value is None:
        return
    if value <= now:
        raise field_error("expires_at", "Must be in the future.")
    if value > now + timedelta(days=MAX_DURATION_DAYS):
        raise field_error("expires_at", f"At most {MAX_DURATION_DAYS} days ahead.")


def _job_save(job: Job, *, expiry_changed: bool) -> Job:
    job.tags = _clean_tags(job.tags)
    if expiry_changed:
        _check_expiry(job.expires_at, timezone.now())
    job_salary_normalize(job)
    full_clean(
        job,
        exclude=["search_vector", "company", "created_by", "salary_year_min", "salary_year_max"],
    )
    job.save()
    return job


@transaction.atomic
def job_create(*, actor: User, company: Company, data: dict[str, Any]) -> Job:
    """A member drafts a posting for their company. ``data`` maps ``JOB_FIELDS`` to the
    values sent, checked here (``_job_save``)."""
    _require_member(user=actor, company_id=company.pk)
    job = Job(company=company, created_by=actor, status=JobStatus.DRAFT)
    for field in JOB_FIELDS:
        if field in data:
            setattr(job, field, data[field])
    return _job_save(job, expiry_changed=True)


_EDITABLE = (JobStatus.DRAFT, JobStatus.PENDING_REVIEW, JobStatus.REJECTED, JobStatus.PUBLISHED)


@transaction.atomic
def job_update(*, job: Job, actor: User, data: dict[str, Any]) -> Job:
    """Members edit drafts, jobs in review, rejected ones (then submit again) and, with
    moderation off, published ones. ``data`` maps ``JOB_FIELDS`` to the values sent,
    checked here (``_job_save``)."""
    _require_member(user=actor, company_id=job.company_id)
    job = Job.objects.select_for_update().get(pk=job.pk)
    status = effective_status(job)
    published_locked = status == JobStatus.PUBLISHED and settings.JOBS_MODERATION
    if status not in _EDITABLE or published_locked:
        raise ProblemError(
            error_codes.JOB_NOT_EDITABLE,
            f"Job {job.pk} is {status}; it cannot be edited.",
            current_status=status,
        )
    for field in JOB_FIELDS:
        if field in data:
            setattr(job, field, data[field])
    return _job_save(job, expiry_changed="expires_at" in data)


@transaction.atomic
def job_delete(*, job: Job, actor: User) -> None:
    _require_member(user=actor, company_id=job.company_id)
    if Application.objects.filter(job_id=job.pk).exists():
        raise ProblemError(
            error_codes.JOB_HAS_APPLICATIONS,
            f"Job {job.pk} has applications; close it instead.",
        )
    job.delete()


def _locked(job: Job) -> Job:
    return Job.objects.select_for_update().select_related("company").get(pk=job.pk)


def _publish(job: Job, now: datetime) -> None:
    job.status = JobStatus.PUBLISHED
    job.published_at = now
    job.rejection_reason = ""
    if job.expires_at is None or job.expires_at <= now:
        job.expires_at = now + timedelta(days=settings.JOBS_DEFAULT_DURATION_DAYS)
    job.save(update_fields=["status", "published_at", "rejection_reason", "expires_at"])
    enqueue_on_commit("jobs.tasks.job_alerts_match_task", job.pk)


@transaction.atomic
def job_submit(*, job: Job, actor: User) -> Job:
    """A draft (or a rejected job, edited) goes to review, or is published at once when
    moderation is off (``JOBS_MODERATION``)."""
    _require_member(user=actor, company_id=job.company_id)
    job = _locked(job)
    _check_move(job, actor=actor, target=_submit_target(), sources=_SUBMITTABLE)
    now = timezone.now()
    job.submitted_at = now
    job.save(update_fields=["submitted_at"])
    if settings.JOBS_MODERATION:
        job.status = JobStatus.PENDING_REVIEW
        job.save(update_fields=["status"])
    else:
        _publish(job, now)
    return job


@transaction.atomic
def job_approve(*, job: Job, actor: User) -> Job:
    if not roles.is_moderator(actor):
        raise PermissionDenied("Only moderators approve jobs.")
    job = _locked(job)
    _check_move(job, actor=actor, target=JobStatus.PUBLISHED, sources=_APPROVABLE)
    _publish(job, timezone.now())
    enqueue_on_commit("jobs.tasks.job_status_notify_task", job.pk, JobStatus.PUBLISHED)
    return job


@transaction.atomic
def job_reject(*, job: Job, actor: User, reason: str) -> Job:
    """A moderator rejects a job in review, or takes a published one down."""
    if not roles.is_moderator(actor):
        raise PermissionDenied("Only moderators reject jobs.")
    if not (reason or "").strip():
        raise field_error("reason", "Say why, for the company.", "required")
    job = _locked(job)
    rejectable = JOB_WORKFLOW.sources(JobStatus.REJECTED)
    _check_move(job, actor=actor, target=JobStatus.REJECTED, sources=rejectable)
    job.status = JobStatus.REJECTED
    job.rejection_reason = reason.strip()
    job.save(update_fields=["status", "rejection_reason"])
    enqueue_on_commit("jobs.tasks.job_status_notify_task", job.pk, JobStatus.REJECTED)
    return job


@transaction.atomic
def job_close(*, job: Job, actor: User) -> Job:
    """A member stops a published job taking applications."""
    _require_member(user=actor, company_id=job.company_id)
    job = _locked(job)
    closable = JOB_WORKFLOW.sources(JobStatus.CLOSED)
    _check_move(job, actor=actor, target=JobStatus.CLOSED, sources=closable)
    job.status = JobStatus.CLOSED
    job.closed_at = timezone.now()
    job.save(update_fields=["status", "closed_at"])
    return job


def jobs_expire_due(*, limit: int = 1000) -> int:
    """Beat: record the expiry readers already see, and tell each company's members."""
    now = timezone.now()
    expirable = JOB_WORKFLOW.sources(JobStatus.EXPIRED)
    due = Job.objects.filter(status__in=expirable, expires_at__lte=now)
    expired = 0
    for job_id in due.order_by("expires_at").values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            moved = Job.objects.filter(pk=job_id, status__in=expirable, expires_at__lte=now).update(
                status=JobStatus.EXPIRED, closed_at=now, updated_at=now
            )
            if moved:
                expired += 1
                job_status_notify(job_id=job_id, status=JobStatus.EXPIRED)
    return expired


_JOB_NOTICES: dict[str, tuple[str, str, str]] = {
    JobStatus.PUBLISHED: ("jobs.job_approved", "Published: {title}", "A moderator approved it."),
    JobStatus.REJECTED: (
        "jobs.job_rejected",
        "Not published: {title}",
        "A moderator rejected it: {reason} Edit it and submit it again.",
    ),
    JobStatus.EXPIRED: (
        "jobs.job_expired",
        "Expired: {title}",
        "It no longer takes applications. Post it again if the role is still open.",
    ),
}


def job_status_notify(*, job_id: int, status: str) -> int:
    """Tell the company's members a job was approved, rejected or expired (once each)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or status not in _JOB_NOTICES:
        return 0
    kind, title, body = _JOB_NOTICES[status]
    told = set(
        Notification.objects.filter(kind=kind, data__job=job_id).values_list("user_id", flat=True)
    )
    count = 0
    for user_id in CompanyMember.objects.filter(company_id=job.company_id).values_list(
        "user_id", flat=True
    ):
        if user_id in told:
            continue
        notification_create(
            user_id=user_id,
            kind=kind,
            title=title.format(title=job.title)[:200],
            body=body.format(reason=job.rejection_reason),
            data={"job": job_id},
        )
        count += 1
    return count
