"""Job board test data, built through ``jobs.services`` (search vectors, yearly
salaries and histories are what the product makes). API clients and
problem assertions are in tests.helpers."""

from __future__ import annotations

import io
import itertools
import zipfile
from typing import Any

from core.identity.roles import Role
from jobs.models import Application, Company, Job
from jobs.services.applications import application_create
from jobs.services.companies import company_create
from jobs.services.postings import job_create, job_submit
from tests.core.factories import UserFactory

BASE = "/api/v1/jobs"
COMPANIES = f"{BASE}/companies/"
JOBS = f"{BASE}/jobs/"
APPLICATIONS = f"{BASE}/applications/"
QUEUE = f"{BASE}/moderation/queue/"
SAVED = f"{BASE}/saved-searches/"

_sequence = itertools.count(1)


def company_url(pk: int, action: str = "") -> str:
    return f"{COMPANIES}{pk}/{action + '/' if action else ''}"


def job_url(pk: int, action: str = "") -> str:
    return f"{JOBS}{pk}/{action + '/' if action else ''}"


def application_url(pk: int, action: str = "") -> str:
    return f"{APPLICATIONS}{pk}/{action + '/' if action else ''}"


def candidate(**kwargs: Any):
    return UserFactory(roles=[Role.CUSTOMER, Role.CANDIDATE], **kwargs)


def employer(**kwargs: Any):
    return UserFactory(roles=[Role.CUSTOMER, Role.EMPLOYER], **kwargs)


def moderator(**kwargs: Any):
    return UserFactory(roles=[Role.CUSTOMER, Role.MODERATOR], **kwargs)


def make_company(owner: Any = None, **data: Any) -> Company:
    n = next(_sequence)
    owner = owner or employer()
    return company_create(actor=owner, data={"name": f"Company {n}", **data})


def owner_of(company: Company):
    return company.memberships.get(role="owner").user


def make_job(company: Company | None = None, *, publish: bool = True, **data: Any) -> Job:
    """A job drafted by the company's owner and, by default, submitted (published:
    moderation is off by default)."""
    company = company or make_company()
    owner = owner_of(company)
    n = next(_sequence)
    fields = {"title": f"Job {n}", "description": f"Description of job {n}.", **data}
    job = job_create(actor=owner, company=company, data=fields)
    if publish:
        job = job_submit(job=job, actor=owner)
    return Job.objects.get(pk=job.pk)


def apply(job: Job, user: Any = None, **kwargs: Any) -> Application:
    return application_create(job_id=job.pk, candidate=user or candidate(), **kwargs)


def pdf_bytes(size: int = 600) -> bytes:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    return body + b"%" * max(0, size - len(body) - 6) + b"\n%%EOF"


def _zip(members: dict[str, str]) -> bytes:
    """A zip archive of ``members``, the same bytes every time: a member written by name
    is stamped with the current time, and pytest-xdist's workers, which each build the
    parameters of a test, must collect the same ones."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})


def plain_zip_bytes() -> bytes:
    return _zip({"notes.txt": "not a word document"})


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]
