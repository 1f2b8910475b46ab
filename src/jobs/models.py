"""Job board tables. Users are referenced through settings.AUTH_USER_MODEL.

Invariants the database enforces itself: a salary range is never inverted, a
company has one membership per user, a candidate has at most one *active*
application per job (a partial unique constraint: a withdrawn one does not
count), and a job is alerted to a user at most once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from core.tasking.workflow import Workflow

CURRENCY_VALIDATOR = RegexValidator(r"^[A-Z]{3}$", "An ISO 4217 code, e.g. EUR.")


class Company(models.Model):
    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=180, unique=True)
    website = models.URLField(max_length=300, blank=True)
    description = models.TextField(blank=True, max_length=10_000)
    logo_url = models.URLField(max_length=500, blank=True)
    # Set by moderators only.
    verified = models.BooleanField(default=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CompanyMember", related_name="jobs_companies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "companies"
        indexes = [models.Index(fields=["name", "id"], name="jobs_company_name")]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    OWNER = "owner", "Owner (manages members)"
    RECRUITER = "recruiter", "Recruiter"


class CompanyMember(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs_memberships"
    )
    role = models.CharField(max_length=16, choices=MemberRole.choices, default=MemberRole.RECRUITER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="jobs_member_unique"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} ({self.role}) at company {self.company_id}"


class EmploymentType(models.TextChoices):
    FULL_TIME = "full_time", "Full time"
    PART_TIME = "part_time", "Part time"
    CONTRACT = "contract", "Contract"
    INTERNSHIP = "internship", "Internship"
    TEMPORARY = "temporary", "Temporary"


class ExperienceLevel(models.TextChoices):
    INTERN = "intern", "Intern"
    JUNIOR = "junior", "Junior"
    MID = "mid", "Mid-level"
    SENIOR = "senior", "Senior"
    LEAD = "lead", "Lead / principal"


class SalaryPeriod(models.TextChoices):
    HOUR = "hour", "Per hour"
    MONTH = "month", "Per month"
    YEAR = "year", "Per year"


# Salaries are compared per year: an hourly figure times 2080 (40 hours x 52 weeks),
# a monthly one times 12.
YEARLY_FACTORS: dict[str, int] = {
    SalaryPeriod.HOUR: 2080,
    SalaryPeriod.MONTH: 12,
    SalaryPeriod.YEAR: 1,
}


class JobStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_REVIEW = "pending_review", "Pending review"
    PUBLISHED = "published", "Published"
    CLOSED = "closed", "Closed"
    EXPIRED = "expired", "Expired"
    REJECTED = "rejected", "Rejected by a moderator"


# A job posting's status machine. The company's members submit a draft (or a rejected
# job, edited) for review, or straight to published when moderation is off
# (``JOBS_MODERATION``), and close a published one; moderators approve a job in review
# and reject it or take a published one down; the clock expires a published job at
# ``expires_at`` (it reads expired at once, beat records it). closed and expired are final.
JOB_WORKFLOW = Workflow(
    "job",
    {
        JobStatus.DRAFT: (JobStatus.PENDING_REVIEW, JobStatus.PUBLISHED),
        JobStatus.PENDING_REVIEW: (JobStatus.PUBLISHED, JobStatus.REJECTED),
        JobStatus.PUBLISHED: (JobStatus.CLOSED, JobStatus.REJECTED, JobStatus.EXPIRED),
        JobStatus.CLOSED: (),
        JobStatus.EXPIRED: (),
        JobStatus.REJECTED: (JobStatus.PENDING_REVIEW, JobStatus.PUBLISHED),
    },
)


class Job(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="jobs")
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=20_000)
    location = models.CharField(max_length=120, blank=True)
    remote = models.BooleanField(default=False)
    employment_type = models.CharField(
        max_length=16, choices=EmploymentType.choices, default=EmploymentType.FULL_TIME
    )
    experience_level = models.CharField(
        max_length=16, choices=ExperienceLevel.choices, default=ExperienceLevel.MID
    )
    salary_min = models.PositiveIntegerField(null=True, blank=True)
    salary_max = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, validators=[CURRENCY_VALIDATOR])
    salary_period = models.CharField(
        max_length=8, choices=SalaryPeriod.choices, default=SalaryPeriod.YEAR
    )
    # The range per year (YEARLY_FACTORS), kept by the services: what the salary
    # filter and ordering compare. 0 when no salary is given.
    salary_year_min = models.BigIntegerField(default=0, editable=False)
    salary_year_max = models.BigIntegerField(default=0, editable=False)
    tags = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.DRAFT)
    rejection_reason = models.TextField(blank=True, max_length=2000)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # A published job past this reads as expired (beat records it later).
    expires_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Weighted (title A, company name and tags B, description C, location D); kept
    # fresh by PostgreSQL triggers (migration 0002), on the company's renames too.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(salary_min__isnull=True)
                | Q(salary_max__isnull=True)
                | Q(salary_min__lte=models.F("salary_max")),
                name="jobs_job_salary_min_lte_max",
            ),
        ]
        # Structured filters of the public list: each a B-tree on published rows.
        indexes = [
            models.Index(
                fields=["-published_at", "-id"],
                name="jobs_job_published",
                condition=Q(status="published"),
            ),
            models.Index(
                fields=["currency", "salary_year_max", "id"],
                name="jobs_job_salary",
                condition=Q(status="published"),
            ),
            models.Index(
                fields=["employment_type", "-published_at"],
                name="jobs_job_type",
                condition=Q(status="published"),
            ),
            models.Index(
                fields=["experience_level", "-published_at"],
                name="jobs_job_level",
                condition=Q(status="published"),
            ),
            models.Index(
                fields=["remote", "-published_at"],
                name="jobs_job_remote",
                condition=Q(status="published"),
            ),
            models.Index(fields=["company", "status"], name="jobs_job_company_status"),
            models.Index(fields=["status", "expires_at"], name="jobs_job_status_expires"),
            models.Index(fields=["status", "submitted_at", "id"], name="jobs_job_queue"),
        ]

    def __str__(self) -> str:
        return self.title


class SearchWord(models.Model):
    """The search lexicon: every distinct word of job titles, locations and tags and of
    company names, as PostgreSQL's ``simple`` parser splits them (lower-cased, not
    stemmed, 3 to 60 characters, not pure numbers). Typo tolerance corrects a query
    word that is not here to its most similar word here (pg_trgm ``similarity``,
    ``jobs.selectors.search_corrections``), as PostgreSQL's pg_trgm documentation
    suggests for text search.

    PostgreSQL only (migration 0003): statement-level triggers on jobs and a row
    trigger on companies add the words of every insert and of every update that
    changes those columns (``INSERT ... ON CONFLICT DO NOTHING``); a ``gin_trgm_ops``
    GIN index serves ``%``. Words are never removed: a word no job uses any more only
    adds an alternative that matches nothing. SQLite has the same lexicon, kept by row
    triggers (migration 0004, ``jobs.fulltext_sqlite``)."""

    word = models.CharField(max_length=60, primary_key=True)

    class Meta:
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    INTERVIEW = "interview", "Interview"
    OFFER = "offer", "Offer"
    HIRED = "hired", "Hired"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn by the candidate"


# Where an application may go from each status. The company moves it along
# (APPLICATION_COMPANY_MOVES: every move but withdrawing); the candidate may only
# withdraw (APPLICATION_CANDIDATE_MOVES). hired, rejected and withdrawn are final.
APPLICATION_WORKFLOW = Workflow(
    "application",
    {
        ApplicationStatus.SUBMITTED: (
            ApplicationStatus.IN_REVIEW,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        ),
        ApplicationStatus.IN_REVIEW: (
            ApplicationStatus.INTERVIEW,
            ApplicationStatus.OFFER,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        ),
        ApplicationStatus.INTERVIEW: (
            ApplicationStatus.OFFER,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        ),
        ApplicationStatus.OFFER: (
            ApplicationStatus.HIRED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        ),
        ApplicationStatus.HIRED: (),
        ApplicationStatus.REJECTED: (),
        ApplicationStatus.WITHDRAWN: (),
    },
)
APPLICATION_COMPANY_MOVES = frozenset(
    status for status in ApplicationStatus.values if status != ApplicationStatus.WITHDRAWN
)
APPLICATION_CANDIDATE_MOVES = frozenset({ApplicationStatus.WITHDRAWN})


class Application(models.Model):
    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="applications")
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs_applications"
    )
    cover_letter = models.TextField(blank=True, max_length=10_000)
    status = models.CharField(
        max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    rejection_reason = models.TextField(blank=True, max_length=2000)
    # The résumé lives in the "resumes" storage (never a public URL): its key there,
    # and what the candidate sent.
    resume_key = models.CharField(max_length=255, blank=True, editable=False)
    resume_name = models.CharField(max_length=200, blank=True)
    resume_content_type = models.CharField(max_length=100, blank=True)
    resume_size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "candidate"],
                condition=~Q(status="withdrawn"),
                name="jobs_application_one_active",
                violation_error_message="You already have an active application to this job.",
            ),
        ]
        indexes = [
            models.Index(fields=["candidate", "-created_at", "-id"], name="jobs_app_candidate"),
            models.Index(fields=["job", "status", "-created_at"], name="jobs_app_job_status"),
            models.Index(fields=["job", "-created_at", "-id"], name="jobs_app_job_recent"),
        ]

    def __str__(self) -> str:
        return f"application {self.pk} of user {self.candidate_id} to job {self.job_id}"


class ApplicationEvent(models.Model):
    """One status change, append-only: who, when, from, to, the reason the candidate
    reads and the internal note only the company reads."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=16, blank=True)  # blank: the application itself
    to_status = models.CharField(max_length=16)
    reason = models.TextField(blank=True, max_length=2000)
    internal_note = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["application", "id"], name="jobs_appevent_app")]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Application history is append-only.")
        super().save(*args, **kwargs)


class AlertFrequency(models.TextChoices):
    INSTANT = "instant", "At once"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"


class SavedSearch(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs_saved_searches"
    )
    name = models.CharField(max_length=120, blank=True)
    query = models.CharField(max_length=200, blank=True)
    # The list's filters (location, remote, employment_type, ...), validated on save.
    filters = models.JSONField(default=dict, blank=True)
    frequency = models.CharField(
        max_length=8, choices=AlertFrequency.choices, default=AlertFrequency.DAILY
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="jobs_saved_user"),
            models.Index(fields=["frequency", "last_digest_at"], name="jobs_saved_due"),
        ]

    def __str__(self) -> str:
        return self.name or self.query or f"saved search {self.pk}"


class JobAlert(models.Model):
    """A job matched one of a user's saved searches: recorded once per user and job
    (so never alerted twice), sent at once or in the next digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="alerts")
    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="alerts")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "job"], name="jobs_alert_once_per_user"),
        ]
        indexes = [
            models.Index(
                fields=["saved_search", "id"],
                name="jobs_alert_unsent",
                condition=Q(sent_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"job {self.job_id} for user {self.user_id}"
