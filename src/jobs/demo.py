"""Job board demo data and boards at scale, generated from the word lists below.

Nothing is downloaded and nothing is random between runs: every title, salary and
location comes from a ``random.Random`` seeded with a fixed string.

- ``demo_seed`` (the ``seed_demo`` hook): five companies (one verified), about 200
  postings across types, levels and locations; ``demo_employer`` owns Northwind Labs,
  whose jobs ``demo_candidate`` applied to, in several states with their history.
  Idempotent.
- ``board_seed`` (``manage.py seed_jobs``): up to hundreds of thousands of published
  postings across generated companies, in bulk, for benchmarks.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from jobs.models import (
    Application,
    Company,
    CompanyMember,
    EmploymentType,
    ExperienceLevel,
    Job,
    JobStatus,
    MemberRole,
    SalaryPeriod,
    SavedSearch,
)
from jobs.services.applications import (
    application_create,
    application_transition,
    application_withdraw,
)
from jobs.services.postings import job_create, job_salary_normalize, job_submit
from jobs.services.searches import saved_search_create

DEMO_EMPLOYER = "demo_employer"
DEMO_CANDIDATE = "demo_candidate"
DEMO_JOBS = 200
SEED_COMPANY_PREFIX = "seed-co-"

# --- word lists -----------------------------------------------------------------------

# (specialism, role nouns, related tags)
SPECIALISMS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Python", ("Developer", "Engineer"), ("python", "django", "fastapi", "postgresql")),
    ("Django", ("Developer",), ("python", "django", "celery", "rest")),
    ("Java", ("Developer", "Engineer"), ("java", "spring", "kafka", "microservices")),
    ("Kotlin", ("Developer",), ("kotlin", "android", "coroutines")),
    ("Go", ("Engineer", "Developer"), ("go", "grpc", "kubernetes")),
    ("Rust", ("Engineer",), ("rust", "tokio", "systems")),
    ("JavaScript", ("Developer",), ("javascript", "node.js", "express")),
    ("TypeScript", ("Engineer", "Developer"), ("typescript", "react", "node.js")),
    ("React", ("Developer",), ("react", "typescript", "css")),
    ("Frontend", ("Engineer", "Developer"), ("javascript", "vue", "accessibility")),
    ("Backend", ("Engineer", "Developer"), ("apis", "postgresql", "redis")),
    ("Full-Stack", ("Developer", "Engineer"), ("react", "python", "postgresql")),
    ("Ruby on Rails", ("Developer",), ("ruby", "rails", "postgresql")),
    ("PHP", ("Developer",), ("php", "laravel", "mysql")),
    ("C++", ("Engineer", "Developer"), ("c++", "linux", "performance")),
    ("Embedded", ("Engineer",), ("c", "rtos", "firmware")),
    ("iOS", ("Developer", "Engineer"), ("swift", "swiftui", "ios")),
    ("Android", ("Developer", "Engineer"), ("kotlin", "android", "jetpack")),
    ("Data", ("Engineer", "Analyst", "Scientist"), ("sql", "python", "airflow", "dbt")),
    ("Machine Learning", ("Engineer", "Researcher"), ("python", "pytorch", "mlops")),
    ("DevOps", ("Engineer",), ("kubernetes", "terraform", "ci/cd", "aws")),
    ("Site Reliability", ("Engineer",), ("sre", "observability", "kubernetes", "linux")),
    ("Cloud", ("Architect", "Engineer"), ("aws", "gcp", "azure", "terraform")),
    ("Security", ("Engineer", "Analyst"), ("security", "pentesting", "iam")),
    ("QA", ("Engineer", "Analyst"), ("testing", "playwright", "automation")),
    ("Database", ("Administrator", "Engineer"), ("postgresql", "mysql", "replication")),
    ("Product", ("Manager", "Owner"), ("product", "roadmaps", "discovery")),
    ("UX", ("Designer", "Researcher"), ("ux", "figma", "user research")),
    ("Technical", ("Writer",), ("documentation", "markdown", "apis")),
    ("Customer Support", ("Specialist", "Engineer"), ("support", "saas", "zendesk")),
    ("Marketing", ("Manager", "Specialist"), ("marketing", "seo", "content")),
    ("Sales", ("Engineer", "Manager"), ("sales", "b2b", "saas")),
)
LEVELS: tuple[tuple[str, str, float], ...] = (
    # (experience level, title prefix, salary multiplier)
    (ExperienceLevel.INTERN, "Intern", 0.35),
    (ExperienceLevel.JUNIOR, "Junior", 0.65),
    (ExperienceLevel.MID, "", 1.0),
    (ExperienceLevel.SENIOR, "Senior", 1.35),
    (ExperienceLevel.LEAD, "Lead", 1.65),
)
LEVEL_WEIGHTS = (4, 18, 38, 30, 10)
TYPES = tuple(EmploymentType.values)
TYPE_WEIGHTS = (70, 8, 14, 5, 3)
# (city, currency, yearly mid-level salary in that currency)
LOCATIONS: tuple[tuple[str, str, int], ...] = (
    ("Berlin, Germany", "EUR", 65_000),
    ("Munich, Germany", "EUR", 72_000),
    ("Hamburg, Germany", "EUR", 62_000),
    ("Amsterdam, Netherlands", "EUR", 64_000),
    ("Rotterdam, Netherlands", "EUR", 58_000),
    ("Paris, France", "EUR", 58_000),
    ("Lyon, France", "EUR", 48_000),
    ("Madrid, Spain", "EUR", 42_000),
    ("Barcelona, Spain", "EUR", 44_000),
    ("Lisbon, Portugal", "EUR", 38_000),
    ("Milan, Italy", "EUR", 45_000),
    ("Vienna, Austria", "EUR", 60_000),
    ("Dublin, Ireland", "EUR", 70_000),
    ("Helsinki, Finland", "EUR", 56_000),
    ("Tallinn, Estonia", "EUR", 42_000),
    ("Warsaw, Poland", "EUR", 36_000),
    ("Brussels, Belgium", "EUR", 56_000),
    ("London, United Kingdom", "GBP", 65_000),
    ("Manchester, United Kingdom", "GBP", 52_000),
    ("Edinburgh, United Kingdom", "GBP", 50_000),
    ("Zurich, Switzerland", "CHF", 115_000),
    ("Stockholm, Sweden", "SEK", 600_000),
    ("New York, United States", "USD", 135_000),
    ("San Francisco, United States", "USD", 150_000),
    ("Austin, United States", "USD", 120_000),
    ("Toronto, Canada", "CAD", 105_000),
)
COMPANY_WORDS_A = (
    "Northwind", "Blue Fjord", "Copperleaf", "Kestrel", "Tidewater", "Silverline", "Red Maple",
    "Quartz", "Harbor", "Lumen", "Granite", "Aurora", "Cobalt", "Juniper", "Meridian", "Orbit",
    "Pinecrest", "Saffron", "Vantage", "Willow",
)  # fmt: skip
COMPANY_WORDS_B = (
    "Labs", "Analytics", "Health", "Mobility", "Games", "Systems", "Robotics", "Energy",
    "Logistics", "Finance", "Studio", "Software", "Networks", "Bio", "Media",
)  # fmt: skip
PRODUCTS = (
    "a logistics platform that routes 40,000 parcels a day",
    "an open-source analytics engine",
    "a telehealth service used by 300 clinics",
    "a payments API for small merchants",
    "a booking system for rail operators",
    "a multiplayer game with two million monthly players",
    "energy-trading software for wind farms",
    "a learning app for language schools",
    "an e-commerce platform for independent bookshops",
    "a fleet-management product for electric buses",
)
TEAMS = ("a team of five", "a team of eight", "a small, senior team", "two product squads")
BENEFITS = (
    "30 days of paid holiday",
    "a learning budget of 2,000 a year",
    "flexible hours and a four-day week option",
    "a pension plan with employer contributions",
    "a home-office budget",
    "parental leave above the legal minimum",
    "a yearly offsite",
)
DUTIES = (
    "design, build and run services in production",
    "review code and mentor colleagues",
    "work closely with product and design",
    "own features from idea to release",
    "improve observability and reliability",
    "keep the test suite fast and meaningful",
    "write clear documentation",
)


def _company_name(number: int) -> str:
    a = COMPANY_WORDS_A[number % len(COMPANY_WORDS_A)]
    b = COMPANY_WORDS_B[(number // len(COMPANY_WORDS_A)) % len(COMPANY_WORDS_B)]
    cycle = number // (len(COMPANY_WORDS_A) * len(COMPANY_WORDS_B))
    return f"{a} {b}" + (f" {cycle + 1}" if cycle else "")


def posting(
    rng: random.Random,
    company_name: str,
    *,
    title: str | None = None,
    tags: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """One realistic posting's fields (as the services take them); ``title`` and
    ``tags`` fix what is otherwise drawn."""
    specialism, nouns, drawn_tags = rng.choice(SPECIALISMS)
    tags = tags or drawn_tags
    level, prefix, factor = rng.choices(LEVELS, weights=LEVEL_WEIGHTS)[0]
    employment = rng.choices(TYPES, weights=TYPE_WEIGHTS)[0]
    if employment == EmploymentType.INTERNSHIP:
        level, prefix, factor = LEVELS[0]
    city, currency, base = rng.choice(LOCATIONS)
    remote = rng.random() < 0.3
    title = title or " ".join(part for part in (prefix, specialism, rng.choice(nouns)) if part)
    chosen_tags = rng.sample(tags, k=min(len(tags), rng.randint(2, 3)))
    duties = rng.sample(DUTIES, k=3)
    benefits = rng.sample(BENEFITS, k=2)
    description = (
        f"{company_name} builds {rng.choice(PRODUCTS)}. As our {title}, you join "
        f"{rng.choice(TEAMS)} and {duties[0]}, {duties[1]} and {duties[2]}. "
        f"You know {', '.join(chosen_tags[:-1])} and {chosen_tags[-1]} well"
        + (" and enjoy working remotely across time zones." if remote else ".")
        + f" We offer {benefits[0]} and {benefits[1]}."
    )
    data: dict[str, Any] = {
        "title": title,
        "description": description,
        "location": "Remote" if remote and rng.random() < 0.3 else city,
        "remote": remote,
        "employment_type": employment,
        "experience_level": level,
        "tags": chosen_tags,
    }
    if rng.random() < 0.85:  # most postings state a salary
        yearly = base * factor * rng.uniform(0.85, 1.15)
        period = rng.choices(
            (SalaryPeriod.YEAR, SalaryPeriod.MONTH, SalaryPeriod.HOUR), weights=(80, 12, 8)
        )[0]
        if employment in (EmploymentType.CONTRACT, EmploymentType.TEMPORARY):
            period = SalaryPeriod.HOUR
        per = {SalaryPeriod.YEAR: 1, SalaryPeriod.MONTH: 12, SalaryPeriod.HOUR: 2080}[period]
        step = {SalaryPeriod.YEAR: 1000, SalaryPeriod.MONTH: 100, SalaryPeriod.HOUR: 1}[period]
        low = max(step, round(yearly * 0.9 / per / step) * step)
        data.update(
            salary_min=low,
            salary_max=low + max(step, round(yearly * 0.25 / per / step) * step),
            currency=currency,
            salary_period=period,
        )
    return data


# --- the demo -------------------------------------------------------------------------

DEMO_COMPANIES = (
    # (name, slug, verified, website)
    ("Northwind Labs", "northwind-labs", True, "https://northwind.example"),
    ("Blue Fjord Analytics", "blue-fjord-analytics", False, "https://bluefjord.example"),
    ("Copperleaf Health", "copperleaf-health", False, "https://copperleaf.example"),
    ("Kestrel Mobility", "kestrel-mobility", False, "https://kestrel.example"),
    ("Tidewater Games", "tidewater-games", False, "https://tidewater.example"),
)
NORTHWIND_JOBS = (
    ("Senior Python Developer", ("python", "django", "postgresql")),
    ("Backend Engineer (Django)", ("python", "django", "celery")),
    ("Site Reliability Engineer", ("kubernetes", "observability", "linux")),
    ("Data Engineer", ("sql", "python", "airflow")),
    ("Frontend Developer (React)", ("react", "typescript", "css")),
    ("Product Manager", ("product", "roadmaps", "discovery")),
    ("Junior QA Engineer", ("testing", "playwright", "automation")),
    ("Machine Learning Engineer", ("python", "pytorch", "mlops")),
)
# (job index, statuses after submitted, reason, internal note)
DEMO_APPLICATIONS = (
    (0, ["in_review", "interview"], "We would love to meet you.", "Strong Django background."),
    (1, ["in_review"], "Thanks, we are reading your application.", ""),
    (2, [], "", ""),
    (3, ["in_review", "interview", "offer"], "Offer sent by email.", "Budget approved by CFO."),
    (4, ["in_review", "rejected"], "We chose a candidate with more React.", "Good, not senior."),
    (5, ["withdrawn"], "Accepted another offer.", ""),
)


def _demo_pdf() -> bytes:
    body = io.BytesIO()
    body.write(b"%PDF-1.4\n% Nexus demo resume\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    return body.getvalue()


def _bulk_jobs(company: Company, count: int, rng: random.Random, now: Any) -> int:
    jobs = []
    for _ in range(count):
        job = Job(company=company, status=JobStatus.PUBLISHED, **posting(rng, company.name))
        job_salary_normalize(job)
        job.published_at = now - timedelta(minutes=rng.randint(5, 28 * 24 * 60))
        job.submitted_at = job.published_at
        job.expires_at = job.published_at + timedelta(days=30)
        jobs.append(job)
    Job.objects.bulk_create(jobs, batch_size=500)
    return len(jobs)


def _northwind(company: Company, employer: Any, candidate: Any) -> tuple[int, int]:
    have = set(Job.objects.filter(company=company).values_list("title", flat=True))
    rng = random.Random("nexus-jobs-demo-northwind")  # noqa: S311 (not secrets)
    created = 0
    jobs = []
    for index, (title, tags) in enumerate(NORTHWIND_JOBS):
        data = posting(rng, company.name, title=title, tags=tags)
        if title in have:
            jobs.append(Job.objects.filter(company=company, title=title).first())
            continue
        job = job_create(actor=employer, company=company, data=data)
        if index < len(NORTHWIND_JOBS) - 1:  # the last one stays a draft
            job = job_submit(job=job, actor=employer)
        jobs.append(job)
        created += 1
    applied = 0
    if candidate is None or Application.objects.filter(candidate=candidate).exists():
        return created, applied
    for index, steps, reason, note in DEMO_APPLICATIONS:
        resume = None
        if index == 0:
            resume = SimpleUploadedFile("demo-candidate-cv.pdf", _demo_pdf(), "application/pdf")
        application = application_create(
            job_id=jobs[index].pk,
            candidate=candidate,
            cover_letter="Hello! I have built Django services for six years and would "
            f"like to bring that to {company.name}.",
            resume=resume,
        )
        for step in steps:
            last = step == steps[-1]
            if step == "withdrawn":
                application = application_withdraw(
                    application=application, actor=candidate, reason=reason
                )
            else:
                application = application_transition(
                    application=application,
                    actor=employer,
                    status=step,
                    reason=reason if last else "",
                    note=note if last else "",
                )
        applied += 1
    return created, applied


def demo_seed(stdout: Any = None) -> str:
    """The ``seed_demo`` hook: idempotent; Northwind's side goes through the services."""
    user_model = get_user_model()
    employer = user_model.objects.filter(username=DEMO_EMPLOYER).first()
    candidate = user_model.objects.filter(username=DEMO_CANDIDATE).first()
    now = timezone.now()
    generated = 0
    with transaction.atomic():
        companies = []
        for number, (name, slug, verified, website) in enumerate(DEMO_COMPANIES):
            company, _ = Company.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "verified": verified,
                    "website": website,
                    "description": f"{name} is a fictional company of the Nexus demo.",
                },
            )
            companies.append(company)
            if number and not Job.objects.filter(company=company).exists():
                rng = random.Random(f"nexus-jobs-demo:{slug}")  # noqa: S311 (not secrets)
                share = (DEMO_JOBS - len(NORTHWIND_JOBS)) // (len(DEMO_COMPANIES) - 1)
                generated += _bulk_jobs(company, share, rng, now)
        created = applied = 0
        if employer is not None:
            CompanyMember.objects.get_or_create(
                company=companies[0], user=employer, defaults={"role": MemberRole.OWNER}
            )
            created, applied = _northwind(companies[0], employer, candidate)
        if candidate is not None and not SavedSearch.objects.filter(user=candidate).exists():
            saved_search_create(
                user=candidate,
                name="Remote Python",
                query="python",
                filters={"remote": True},
                frequency="instant",
            )
    total = Job.objects.filter(company__in=companies).count()
    return (
        f"{len(companies)} companies, {total} jobs ({generated + created} new); "
        f"{DEMO_CANDIDATE}: {applied} new applications"
    )


# --- boards at scale -------------------------------------------------------------------


@dataclass
class SeedReport:
    existing: int
    created: int
    companies: int
    seconds: float


def board_seed(
    *,
    jobs: int,
    companies: int = 500,
    batch: int = 2000,
    progress: Callable[[int, int, float], None] | None = None,
) -> SeedReport:
    """Top the generated board up to ``jobs`` published postings (companies
    ``seed-co-*``). A second run with the same figure creates nothing."""
    started = time.perf_counter()
    now = timezone.now()
    have = {
        company.slug: company
        for company in Company.objects.filter(slug__startswith=SEED_COMPANY_PREFIX)
    }
    missing = [
        Company(
            name=_company_name(n),
            slug=f"{SEED_COMPANY_PREFIX}{n:05d}",
            verified=n % 7 == 0,
            description="A generated company.",
        )
        for n in range(companies)
        if f"{SEED_COMPANY_PREFIX}{n:05d}" not in have
    ]
    Company.objects.bulk_create(missing, batch_size=1000)
    pool = list(Company.objects.filter(slug__startswith=SEED_COMPANY_PREFIX).order_by("slug"))
    seeded = Job.objects.filter(company__slug__startswith=SEED_COMPANY_PREFIX)
    existing = seeded.count()
    wanted = max(0, jobs - existing)
    done = 0
    while done < wanted:
        size = min(batch, wanted - done)
        rng = random.Random(f"nexus-jobs-scale:{existing + done}")  # noqa: S311
        rows = []
        for _ in range(size):
            company = pool[rng.randrange(len(pool))]
            job = Job(company=company, status=JobStatus.PUBLISHED, **posting(rng, company.name))
            job_salary_normalize(job)
            job.published_at = now - timedelta(minutes=rng.randint(1, 29 * 24 * 60))
            job.submitted_at = job.published_at
            job.expires_at = now + timedelta(days=rng.randint(30, 60))
            rows.append(job)
        with transaction.atomic():
            Job.objects.bulk_create(rows)
        done += size
        if progress is not None:
            progress(done, wanted, time.perf_counter() - started)
    if done and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Company, Job):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return SeedReport(existing, done, len(pool), time.perf_counter() - started)
