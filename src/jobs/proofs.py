"""The job board's live proof (``core.site.proofs``): one application per candidate and
job. The candidate applies the way the apply endpoint does (``JobApplyView.post``:
``run_idempotent`` around ``application_create``, here without a key), each time with a
PDF résumé, on a sandbox job of its own.

The sandbox company and job are inserted as rows, the job already published: through
``job_submit`` its publication would match the saved searches of real users and alert
them. Their words join the search lexicon once (fixed words, no run's token), as any
job's do; the résumé stored goes from the résumé storage in the clean-up."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from core.identity.roles import Role
from core.identity.services import roles_ensure
from core.site.proofs import Outcome, ProofRun, proof
from core.site.proofs.sandbox import tally
from core.tasking.idempotency import run_idempotent
from jobs import error_codes
from jobs.models import Application, ApplicationEvent, Company, CompanyMember, Job, JobStatus
from jobs.services.applications import application_create
from jobs.services.resumes import resume_storage

APPLICATIONS = 20
# The smallest file resume_check takes for a PDF: it judges the bytes, not the name.
RESUME = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _job(run: ProofRun) -> Job:
    """A published sandbox job of a sandbox company (its owner a sandbox employer),
    removed after the run with its applications and their résumés."""
    employer = run.user("employer")
    company = Company.objects.create(name="Proofs sandbox", slug=run.name("company"))
    run.cleanup(lambda: Company.objects.filter(pk=company.pk).delete())
    CompanyMember.objects.create(company=company, user=employer, role="owner")
    now = timezone.now()
    job = Job.objects.create(
        company=company,
        created_by=employer,
        title="Proof sandbox job",
        description="A job the live proof applies to, then removes.",
        status=JobStatus.PUBLISHED,
        submitted_at=now,
        published_at=now,
        expires_at=now + timedelta(hours=1),
    )

    def remove_applications() -> None:
        storage = resume_storage()
        applications = Application.objects.filter(job=job)
        for key in applications.exclude(resume_key="").values_list("resume_key", flat=True):
            storage.delete(key)
        applications.delete()

    run.cleanup(remove_applications)
    return job


@proof(
    "one-application",
    title="One application per job",
    description=f"One candidate applies {APPLICATIONS} times at once to one job, with a "
    "résumé each time: one application, one résumé stored, the rest refused with "
    "already_applied.",
    test="tests/jobs/test_concurrency.py::test_racing_applications_by_one_candidate_make_exactly_one",
)
def one_application(run: ProofRun) -> Outcome:
    job = _job(run)
    candidate = run.user("candidate")
    candidate.groups.add(*(group for group in roles_ensure() if group.name == Role.CANDIDATE))
    cover_letter = "Sent twenty times at once."

    def apply(_: int) -> int:
        resume = ContentFile(RESUME, name="resume.pdf")

        def write() -> tuple[int, dict[str, int]]:
            application = application_create(
                job_id=job.pk, candidate=candidate, cover_letter=cover_letter, resume=resume
            )
            return 201, {"id": application.pk}

        outcome = run_idempotent(
            user_id=candidate.pk,
            scope=f"jobs.apply.{job.pk}",
            key=None,
            payload={"cover_letter": cover_letter},
            write=write,
        )
        application_id: int = outcome.body["id"]
        return application_id

    results = run.race(APPLICATIONS, apply)

    answers = tally(results)
    mine = Application.objects.filter(job=job, candidate=candidate)
    applications = mine.count()
    events = ApplicationEvent.objects.filter(application__job=job).count()
    keys = list(mine.exclude(resume_key="").values_list("resume_key", flat=True))
    storage = resume_storage()
    stored = sum(1 for key in keys if storage.exists(key))
    refused = answers.get(error_codes.ALREADY_APPLIED.code, 0)
    held = applications == events == stored == 1 and answers == {
        "ok": 1,
        error_codes.ALREADY_APPLIED.code: APPLICATIONS - 1,
    }
    return Outcome(
        held=held,
        expected=f"one application with its résumé stored, {APPLICATIONS - 1} refused with "
        "already_applied",
        happened=f"{applications} application(s), {events} history event(s), {stored} "
        "résumé(s) in the storage; answers: "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(answers.items())),
        counts={
            "attempts": APPLICATIONS,
            "applications": applications,
            "events": events,
            "resumes_stored": stored,
            "refused_already_applied": refused,
        },
        guard="The partial unique index jobs_application_one_active on (job, candidate) "
        "WHERE status <> 'withdrawn': "
        + (
            "SQLite runs one writer at a time (BEGIN IMMEDIATE), and every INSERT after "
            "the first one's commit violates the index"
            if run.embedded
            else "the racing INSERTs wait on the first one's index entry and fail once it commits"
        )
        + " (409 already_applied), before any résumé is stored; the winner stores its "
        "file in its own transaction.",
        details={
            "threads": APPLICATIONS,
            "answers": answers,
            "resume_storage": type(storage).__name__,
        },
    )
