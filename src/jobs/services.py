"""Every job board write: companies, postings and their moderation, applications and
their history, résumés, saved searches and alerts. REST, admin, tasks and the demo
seed all come through here.

Object-level permissions are checked here, not only in the views: being an employer
lets you act for the companies you belong to, never for another one. Status changes
lock the row (``SELECT ... FOR UPDATE``) and check the transition table under the
lock, so of two racing moves exactly one wins; one *active* application per candidate
and job is the database's partial unique constraint, so two racing applies cannot
both succeed either.
"""

from __future__ import annotations

import logging
import uuid
import zipfile
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from core.http.catalogue import ProblemError
from core.identity import roles
from core.notifications.models import Notification
from core.notifications.services import notification_create
from core.tasking.outbox import enqueue_on_commit
from jobs import error_codes, selectors
from jobs.models import (
    APPLICATION_TRANSITIONS,
    YEARLY_FACTORS,
    AlertFrequency,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Company,
    CompanyMember,
    Job,
    JobAlert,
    JobStatus,
    MemberRole,
    SalaryPeriod,
    SavedSearch,
)

logger = logging.getLogger(__name__)

COMPANY_FIELDS = ("name", "slug", "website", "description", "logo_url")
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
MAX_SAVED_SEARCHES = 20
RESUME_STORAGE = "resumes"
PDF = ("application/pdf", "pdf")
DOCX = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
DIGEST_PERIODS = {AlertFrequency.DAILY: timedelta(days=1), AlertFrequency.WEEKLY: timedelta(days=7)}


def _field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _full_clean(instance: Any, *, exclude: Iterable[str] = ()) -> None:
    instance.full_clean(exclude=list(exclude), validate_constraints=False)


def _illegal(current: str, target: str, allowed: Iterable[str], what: str) -> ProblemError:
    allowed = list(allowed)
    return ProblemError(
        error_codes.ILLEGAL_TRANSITION,
        f"This {what} is {current}; it cannot become {target}. "
        f"Allowed next: {', '.join(allowed) or 'none (final)'}.",
        current_status=current,
        allowed=allowed,
    )


# --- companies --------------------------------------------------------------------------


def membership_role(*, user: Any, company_id: int) -> str | None:
    """The user's role in the company (``owner``/``recruiter``), or None."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return None
    return (
        CompanyMember.objects.filter(company_id=company_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )


def _require_member(*, user: Any, company_id: int, owner: bool = False) -> str:
    """Members act for the company (they must still hold the employer role)."""
    role = membership_role(user=user, company_id=company_id)
    if role is None or not roles.is_employer(user):
        raise PermissionDenied("Only members of this company may do this.")
    if owner and role != MemberRole.OWNER:
        raise PermissionDenied("Only an owner of this company may do this.")
    return role


def _unique_slug(name: str) -> str:
    base = slugify(name)[:160] or "company"
    slug, n = base, 1
    while Company.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def company_create(*, actor: Any, data: dict[str, Any]) -> Company:
    """An employer creates a company and becomes its owner."""
    if not roles.is_employer(actor):
        raise PermissionDenied("Only employers create companies.")
    values = {field: data[field] for field in COMPANY_FIELDS if data.get(field) is not None}
    values.setdefault("slug", _unique_slug(values.get("name", "")))
    company = Company(**values)
    _full_clean(company)
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError as exc:
        raise _field_error("slug", "A company with this slug exists.", "unique") from exc
    CompanyMember.objects.create(company=company, user=actor, role=MemberRole.OWNER)
    return company


@transaction.atomic
def company_update(*, company: Company, actor: Any, data: dict[str, Any]) -> Company:
    """Members edit the profile; moderators (only) set ``verified``."""
    profile = [field for field in COMPANY_FIELDS if field in data]
    if "verified" in data and not roles.is_moderator(actor):
        raise PermissionDenied("Only moderators verify companies.")
    if profile:
        _require_member(user=actor, company_id=company.pk)
    company = Company.objects.select_for_update().get(pk=company.pk)
    for field in profile:
        setattr(company, field, data[field])
    if "verified" in data:
        company.verified = bool(data["verified"])
    _full_clean(company)
    try:
        with transaction.atomic():
            company.save()  # a rename refreshes its jobs' search vectors (trigger)
    except IntegrityError as exc:
        raise _field_error("slug", "A company with this slug exists.", "unique") from exc
    return company


@transaction.atomic
def company_member_add(
    *, company: Company, actor: Any, user_id: int, role: str = MemberRole.RECRUITER
) -> CompanyMember:
    """An owner adds an employer (or changes their role)."""
    _require_member(user=actor, company_id=company.pk, owner=True)
    if role not in MemberRole.values:
        raise _field_error("role", f"Use one of: {', '.join(MemberRole.values)}.")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise _field_error("user", f"No active user {user_id}.", "does_not_exist")
    if not roles.is_employer(user):
        raise _field_error("user", "Only users with the employer role can join a company.")
    member, created = CompanyMember.objects.get_or_create(
        company=company, user=user, defaults={"role": role}
    )
    if not created and member.role != role:
        if member.role == MemberRole.OWNER and not (
            CompanyMember.objects.filter(company=company, role=MemberRole.OWNER)
            .exclude(pk=member.pk)
            .exists()
        ):
            raise _field_error("role", "A company keeps at least one owner.")
        member.role = role
        member.save(update_fields=["role"])
    if created:
        notification_create(
            user_id=user.pk,
            kind="jobs.company_member_added",
            title=f"You were added to {company.name} as {role}",
            data={"company": company.pk, "role": role},
        )
    return member


# --- jobs -------------------------------------------------------------------------------


def effective_status(job: Job, *, now: Any = None) -> str:
    """What a job is, read now: a published job past ``expires_at`` is expired even
    before beat records it (``make run`` runs no beat)."""
    now = now or timezone.now()
    if job.status == JobStatus.PUBLISHED and job.expires_at is not None and job.expires_at <= now:
        return JobStatus.EXPIRED
    return job.status


def _clean_tags(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_TAGS:
        raise _field_error("tags", f"A list of at most {MAX_TAGS} tags.")
    tags: list[str] = []
    for index, tag in enumerate(value):
        if not isinstance(tag, str) or not 0 < len(tag.strip()) <= MAX_TAG_LENGTH:
            raise _field_error(f"tags.{index}", f"A tag is 1 to {MAX_TAG_LENGTH} characters.")
        tag = " ".join(tag.lower().split())
        if tag not in tags:
            tags.append(tag)
    return tags


def job_salary_normalize(job: Job) -> None:
    """Check a salary range and store it per year (``salary_year_min``/``_max``)."""
    given = job.salary_min is not None or job.salary_max is not None
    if given and not job.currency:
        raise _field_error("currency", "A salary needs its currency.", "required")
    low_high = (job.salary_min, job.salary_max)
    if None not in low_high and low_high[0] > low_high[1]:  # type: ignore[operator]
        raise _field_error("salary_max", "Must be at least salary_min.")
    factor = YEARLY_FACTORS[job.salary_period or SalaryPeriod.YEAR]
    low = job.salary_min if job.salary_min is not None else job.salary_max
    high = job.salary_max if job.salary_max is not None else job.salary_min
    job.salary_year_min = (low or 0) * factor
    job.salary_year_max = (high or 0) * factor


def _check_expiry(value: Any, now: Any) -> None:
    if value is None:
        return
    if value <= now:
        raise _field_error("expires_at", "Must be in the future.")
    if value > now + timedelta(days=MAX_DURATION_DAYS):
        raise _field_error("expires_at", f"At most {MAX_DURATION_DAYS} days ahead.")


def _job_save(job: Job, *, expiry_changed: bool) -> Job:
    job.tags = _clean_tags(job.tags)
    if expiry_changed:
        _check_expiry(job.expires_at, timezone.now())
    job_salary_normalize(job)
    _full_clean(
        job,
        exclude=["search_vector", "company", "created_by", "salary_year_min", "salary_year_max"],
    )
    job.save()
    return job


@transaction.atomic
def job_create(*, actor: Any, company: Company, data: dict[str, Any]) -> Job:
    """A member drafts a posting for their company."""
    _require_member(user=actor, company_id=company.pk)
    job = Job(company=company, created_by=actor, status=JobStatus.DRAFT)
    for field in JOB_FIELDS:
        if field in data:
            setattr(job, field, data[field])
    return _job_save(job, expiry_changed=True)


_EDITABLE = (JobStatus.DRAFT, JobStatus.PENDING_REVIEW, JobStatus.REJECTED, JobStatus.PUBLISHED)


@transaction.atomic
def job_update(*, job: Job, actor: Any, data: dict[str, Any]) -> Job:
    """Members edit drafts, jobs in review, rejected ones (then submit again) and, with
    moderation off, published ones."""
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
def job_delete(*, job: Job, actor: Any) -> None:
    _require_member(user=actor, company_id=job.company_id)
    if Application.objects.filter(job_id=job.pk).exists():
        raise ProblemError(
            error_codes.JOB_HAS_APPLICATIONS,
            f"Job {job.pk} has applications; close it instead.",
        )
    job.delete()


def _locked(job: Job) -> Job:
    return Job.objects.select_for_update().select_related("company").get(pk=job.pk)


def _publish(job: Job, now: Any) -> None:
    job.status = JobStatus.PUBLISHED
    job.published_at = now
    job.rejection_reason = ""
    if job.expires_at is None or job.expires_at <= now:
        job.expires_at = now + timedelta(days=settings.JOBS_DEFAULT_DURATION_DAYS)
    job.save(update_fields=["status", "published_at", "rejection_reason", "expires_at"])
    enqueue_on_commit("jobs.tasks.job_alerts_match_task", job.pk)


@transaction.atomic
def job_submit(*, job: Job, actor: Any) -> Job:
    """A draft (or a rejected job, edited) goes to review, or is published at once when
    moderation is off (``JOBS_MODERATION``)."""
    _require_member(user=actor, company_id=job.company_id)
    job = _locked(job)
    if job.status not in (JobStatus.DRAFT, JobStatus.REJECTED):
        target = JobStatus.PENDING_REVIEW if settings.JOBS_MODERATION else JobStatus.PUBLISHED
        raise _illegal(effective_status(job), target, [], "job")
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
def job_approve(*, job: Job, actor: Any) -> Job:
    if not roles.is_moderator(actor):
        raise PermissionDenied("Only moderators approve jobs.")
    job = _locked(job)
    if job.status != JobStatus.PENDING_REVIEW:
        raise _illegal(effective_status(job), JobStatus.PUBLISHED, [], "job")
    _publish(job, timezone.now())
    enqueue_on_commit("jobs.tasks.job_status_notify_task", job.pk, JobStatus.PUBLISHED)
    return job


@transaction.atomic
def job_reject(*, job: Job, actor: Any, reason: str) -> Job:
    """A moderator rejects a job in review, or takes a published one down."""
    if not roles.is_moderator(actor):
        raise PermissionDenied("Only moderators reject jobs.")
    if not (reason or "").strip():
        raise _field_error("reason", "Say why, for the company.", "required")
    job = _locked(job)
    if effective_status(job) not in (JobStatus.PENDING_REVIEW, JobStatus.PUBLISHED):
        raise _illegal(effective_status(job), JobStatus.REJECTED, [], "job")
    job.status = JobStatus.REJECTED
    job.rejection_reason = reason.strip()
    job.save(update_fields=["status", "rejection_reason"])
    enqueue_on_commit("jobs.tasks.job_status_notify_task", job.pk, JobStatus.REJECTED)
    return job


@transaction.atomic
def job_close(*, job: Job, actor: Any) -> Job:
    """A member stops a published job taking applications."""
    _require_member(user=actor, company_id=job.company_id)
    job = _locked(job)
    if effective_status(job) != JobStatus.PUBLISHED:
        raise _illegal(effective_status(job), JobStatus.CLOSED, [], "job")
    job.status = JobStatus.CLOSED
    job.closed_at = timezone.now()
    job.save(update_fields=["status", "closed_at"])
    return job


def jobs_expire_due(*, limit: int = 1000) -> int:
    """Beat: record the expiry readers already see, and tell each company's members."""
    now = timezone.now()
    due = Job.objects.filter(status=JobStatus.PUBLISHED, expires_at__lte=now)
    expired = 0
    for job_id in due.order_by("expires_at").values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            moved = Job.objects.filter(
                pk=job_id, status=JobStatus.PUBLISHED, expires_at__lte=now
            ).update(status=JobStatus.EXPIRED, closed_at=now, updated_at=now)
            if moved:
                expired += 1
                job_status_notify(job_id=job_id, status=JobStatus.EXPIRED)
    return expired


_JOB_NOTICES = {
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


# --- résumés ----------------------------------------------------------------------------


def resume_check(upload: Any) -> tuple[str, str]:
    """The résumé's (content type, extension), judged by its bytes, not its name:
    a PDF header, or a ZIP holding ``word/document.xml`` (any ZIP passes a magic-bytes
    test). Refusals are 400s raised before anything is stored."""
    limit = settings.JOBS_RESUME_MAX_BYTES
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise _field_error("resume", "The file is empty.", "empty")
    if size > limit:
        raise ProblemError(
            error_codes.FILE_TOO_LARGE,
            f"The résumé is {size} bytes; at most {limit} are accepted.",
            max_bytes=limit,
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            names = set()
        finally:
            upload.seek(0)
        if "word/document.xml" in names:
            return DOCX
    raise ProblemError(
        error_codes.FILE_TYPE_NOT_ALLOWED,
        "The résumé must be a PDF or a Word (DOCX) document.",
    )


def resume_storage() -> Any:
    return storages[RESUME_STORAGE]


def resume_open(*, application: Application) -> Any:
    """The stored résumé, opened for reading (the caller checked who may read it)."""
    if not application.resume_key:
        raise Application.DoesNotExist("This application has no résumé.")
    return resume_storage().open(application.resume_key, "rb")


# --- applications -----------------------------------------------------------------------


def _record(
    application: Application,
    *,
    actor: Any,
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
    value = value or ""
    if not isinstance(value, str) or len(value) > limit:
        raise _field_error(field, f"Text of at most {limit} characters.")
    return value.strip()


def application_create(
    *, job_id: int, candidate: Any, cover_letter: str = "", resume: Any = None
) -> Application:
    """A candidate applies once to an open job (published, not past ``expires_at``)."""
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
        if kind is not None:
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


def allowed_next(status: str, *, company: bool) -> list[str]:
    """The statuses the company (or the candidate) may move an application to."""
    nexts = APPLICATION_TRANSITIONS.get(status, ())
    if company:
        return [s for s in nexts if s != ApplicationStatus.WITHDRAWN]
    return [s for s in nexts if s == ApplicationStatus.WITHDRAWN]


def _move(
    application: Application,
    *,
    actor: Any,
    target: str,
    company: bool,
    reason: str = "",
    note: str = "",
) -> Application:
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        allowed = allowed_next(locked.status, company=company)
        if target not in allowed:
            raise _illegal(locked.status, target, allowed, "application")
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
    *, application: Application, actor: Any, status: str, reason: str = "", note: str = ""
) -> Application:
    """The company moves an application along the pipeline. ``reason`` is shown to
    the candidate (a rejection needs one); ``note`` is internal, for the company only."""
    job = Job.objects.only("company_id").get(pk=application.job_id)
    _require_member(user=actor, company_id=job.company_id)
    if status not in ApplicationStatus.values or status == ApplicationStatus.WITHDRAWN:
        allowed = [s for s in ApplicationStatus.values if s != ApplicationStatus.WITHDRAWN]
        raise _field_error("status", f"Use one of: {', '.join(allowed)}.", "invalid_choice")
    reason = _text("reason", reason, 2000)
    note = _text("note", note, 5000)
    if status == ApplicationStatus.REJECTED and not reason:
        raise _field_error("reason", "A rejection says why, for the candidate.", "required")
    return _move(application, actor=actor, target=status, company=True, reason=reason, note=note)


def application_withdraw(*, application: Application, actor: Any, reason: str = "") -> Application:
    """The candidate withdraws; they may apply to the job again afterwards."""
    if application.candidate_id != actor.pk:
        raise PermissionDenied("Only the candidate withdraws an application.")
    reason = _text("reason", reason, 2000)
    return _move(
        application, actor=actor, target=ApplicationStatus.WITHDRAWN, company=False, reason=reason
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


# --- saved searches and alerts ------------------------------------------------------------


@transaction.atomic
def saved_search_create(
    *, user: Any, name: str = "", query: str = "", filters: dict[str, Any], frequency: str
) -> SavedSearch:
    """``filters`` come validated by the list's own filter rules (the API does it)."""
    if not roles.is_candidate(user):
        raise PermissionDenied("Only candidates save searches.")
    if frequency not in AlertFrequency.values:
        raise _field_error("frequency", f"Use one of: {', '.join(AlertFrequency.values)}.")
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise _field_error("non_field_errors", f"At most {MAX_SAVED_SEARCHES} saved searches.")
    search = SavedSearch(
        user=user,
        name=_text("name", name, 120),
        query=_text("query", query, 200),
        filters=filters,
        frequency=frequency,
        # A digest covers what was published after the search was saved.
        last_digest_at=timezone.now(),
    )
    _full_clean(search, exclude=["user"])
    search.save()
    return search


def saved_search_delete(*, search: SavedSearch, actor: Any) -> None:
    if search.user_id != actor.pk:
        raise SavedSearch.DoesNotExist(f"No saved search {search.pk}.")
    search.delete()


def alerts_match_job(*, job_id: int) -> int:
    """A job was published: record it for every saved search it matches (once per user),
    notify ``instant`` ones now; digests pick up the rest. Returns the alerts recorded."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or effective_status(job) != JobStatus.PUBLISHED:
        return 0
    recorded = 0
    searches = SavedSearch.objects.exclude(user_id__in=_member_ids(job.company_id))
    for search in searches.iterator(chunk_size=500):
        if not selectors.job_matches(job_id=job.pk, query=search.query, filters=search.filters):
            continue
        with transaction.atomic():
            try:
                with transaction.atomic():
                    alert = JobAlert.objects.create(
                        user_id=search.user_id, job=job, saved_search=search
                    )
            except IntegrityError:
                continue  # this user already has this job (another saved search)
            recorded += 1
            if search.frequency == AlertFrequency.INSTANT:
                _send_alerts(search, [alert])
    return recorded


def _member_ids(company_id: int) -> list[int]:
    return list(
        CompanyMember.objects.filter(company_id=company_id).values_list("user_id", flat=True)
    )


def _send_alerts(search: SavedSearch, alerts: list[JobAlert]) -> None:
    jobs = {
        job.pk: job
        for job in Job.objects.filter(pk__in=[a.job_id for a in alerts]).select_related("company")
    }
    lines = [f"- {jobs[a.job_id].title} at {jobs[a.job_id].company.name}" for a in alerts]
    label = search.name or search.query or "your saved search"
    title = (
        f"New job for {label}: {jobs[alerts[0].job_id].title}"
        if len(alerts) == 1
        else f"{len(alerts)} new jobs for {label}"
    )
    notification_create(
        user_id=search.user_id,
        kind="jobs.alert",
        title=title[:200],
        body="\n".join(lines),
        data={"saved_search": search.pk, "jobs": [a.job_id for a in alerts]},
        email=True,
    )
    JobAlert.objects.filter(pk__in=[a.pk for a in alerts], sent_at__isnull=True).update(
        sent_at=timezone.now()
    )


def alerts_send_digests(*, now: Any = None) -> int:
    """Beat: one digest per daily or weekly saved search whose period has passed and
    that has unsent alerts. Returns how many digests were sent."""
    now = now or timezone.now()
    sent = 0
    for frequency, period in DIGEST_PERIODS.items():
        due = SavedSearch.objects.filter(frequency=frequency, last_digest_at__lte=now - period)
        due = due.filter(alerts__sent_at__isnull=True).distinct()
        for search_id in due.values_list("pk", flat=True):
            with transaction.atomic():
                search = (
                    SavedSearch.objects.select_for_update(skip_locked=True)
                    .filter(pk=search_id, last_digest_at__lte=now - period)
                    .first()
                )
                if search is None:  # another beat run took it
                    continue
                alerts = list(
                    JobAlert.objects.select_for_update()
                    .filter(saved_search=search, sent_at__isnull=True)
                    .order_by("id")[:50]
                )
                if alerts:
                    _send_alerts(search, alerts)
                    sent += 1
                search.last_digest_at = now
                search.save(update_fields=["last_digest_at"])
    return sent
