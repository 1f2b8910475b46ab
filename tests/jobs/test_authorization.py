"""The authorization matrix: every write of the job board, by an anonymous caller, a
candidate, a member of the company, an employer of another company and a moderator.
A refusal changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from jobs.models import Application, ApplicationEvent, Company, CompanyMember, Job, SavedSearch
from tests.helpers import client_for
from tests.jobs.factories import (
    COMPANIES,
    JOBS,
    SAVED,
    application_url,
    apply,
    candidate,
    company_url,
    employer,
    job_url,
    make_company,
    make_job,
    moderator,
)

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "candidate", "member", "other_employer", "moderator")


@dataclass
class World:
    users: dict[str, Any]
    company: Company
    other_company: Company
    job: Job
    draft: Job
    application: Application
    saved_search: SavedSearch


@pytest.fixture
def world(settings) -> World:
    member = employer()
    other = employer()
    applicant = candidate()
    company = make_company(member, name="Acme")
    other_company = make_company(other, name="Globex")
    job = make_job(company, title="Backend engineer")
    draft = make_job(company, title="Draft role", publish=False)
    application = apply(make_job(company, title="Applied role"), applicant)
    from jobs.services.searches import saved_search_create

    search = saved_search_create(user=applicant, query="python", filters={}, frequency="daily")
    return World(
        users={
            "anonymous": None,
            "candidate": applicant,
            "member": member,
            "other_employer": other,
            "moderator": moderator(),
        },
        company=company,
        other_company=other_company,
        job=job,
        draft=draft,
        application=application,
        saved_search=search,
    )


def _jobs_state() -> list[tuple]:
    return list(
        Job.objects.order_by("id").values_list(
            "id", "title", "status", "description", "rejection_reason", "updated_at"
        )
    )


def _company_state() -> list[tuple]:
    return list(Company.objects.order_by("id").values_list("id", "name", "verified", "updated_at"))


def _members_state() -> list[tuple]:
    return list(CompanyMember.objects.order_by("id").values_list("company_id", "user_id", "role"))


def _applications_state() -> tuple:
    return (
        list(Application.objects.order_by("id").values_list("id", "status", "updated_at")),
        ApplicationEvent.objects.count(),
    )


def _saved_state() -> list[int]:
    return list(SavedSearch.objects.order_by("id").values_list("id", flat=True))


# name: (request builder, state reader, expected status per actor)
CASES: dict[str, tuple[Any, Any, dict[str, int]]] = {
    "create company": (
        lambda w: ("post", COMPANIES, {"name": "Newco"}),
        _company_state,
        {
            "anonymous": 401,
            "candidate": 403,
            "member": 201,
            "other_employer": 201,
            "moderator": 403,
        },
    ),
    "edit company": (
        lambda w: ("patch", company_url(w.company.pk), {"description": "Changed"}),
        _company_state,
        {
            "anonymous": 401,
            "candidate": 403,
            "member": 200,
            "other_employer": 403,
            "moderator": 403,
        },
    ),
    "verify company": (
        lambda w: ("patch", company_url(w.company.pk), {"verified": True}),
        _company_state,
        {
            "anonymous": 401,
            "candidate": 403,
            "member": 403,
            "other_employer": 403,
            "moderator": 200,
        },
    ),
    "add member": (
        lambda w: (
            "post",
            company_url(w.company.pk, "members"),
            {"user": w.users["other_employer"].pk, "role": "recruiter"},
        ),
        _members_state,
        {
            "anonymous": 401,
            "candidate": 403,
            "member": 201,
            "other_employer": 403,
            "moderator": 403,
        },
    ),
    "create job": (
        lambda w: ("post", JOBS, {"company": w.company.pk, "title": "New", "description": "D"}),
        _jobs_state,
        {
            "anonymous": 401,
            "candidate": 403,
            "member": 201,
            "other_employer": 403,
            "moderator": 403,
        },
    ),
    "edit job": (
        lambda w: ("patch", job_url(w.job.pk), {"title": "Renamed"}),
        _jobs_state,
        {
            "anonymous": 401,
            "candidate": 403,
            "member": 200,
            "other_employer": 403,
            "moderator": 403,
        },
    ),
    "edit draft": (
        lambda w: ("patch", job_url(w.draft.pk), {"title": "Renamed"}),
        _jobs_state,
        {
            "anonymous": 401,
            "candidate": 404,
            "member": 200,
            "other_employer": 404,
            "moderator": 403,
        },
    ),
    "delete job": (
        lambda w: ("delete", job_url(w.job.pk), None),
        _jobs_state,
        {
            "anonymous": 401,
            "candidate": 403,
            "member": 204,
            "other_employer": 403,
            "moderator": 403,
        },
    ),
    "submit draft": (
        lambda w: ("post", job_url(w.draft.pk, "submit"), None),
        _jobs_state,
        {
            "anonymous": 401,
            "candidate": 404,
            "member": 200,
            "other_employer": 404,
            "moderator": 403,
        },
    ),
    "close job": (
        lambda w: ("post", job_url(w.job.pk, "close"), None),
        _jobs_state,
        {
            "anonymous": 401,
            "candidate": 403,
            "member": 200,
            "other_employer": 403,
            "moderator": 403,
        },
    ),
    "reject job": (
        lambda w: ("post", job_url(w.job.pk, "reject"), {"reason": "Spam"}),
        _jobs_state,
        {
            "anonymous": 401,
            "candidate": 403,
            "member": 403,
            "other_employer": 403,
            "moderator": 200,
        },
    ),
    "apply": (
        lambda w: ("post", job_url(w.job.pk, "apply"), {"cover_letter": "Hello"}),
        _applications_state,
        {
            "anonymous": 401,
            "candidate": 201,
            "member": 403,
            "other_employer": 403,
            "moderator": 403,
        },
    ),
    "move application": (
        lambda w: (
            "post",
            application_url(w.application.pk, "transition"),
            {"status": "in_review"},
        ),
        _applications_state,
        {
            "anonymous": 401,
            "candidate": 403,
            "member": 200,
            "other_employer": 404,
            "moderator": 404,
        },
    ),
    "withdraw application": (
        lambda w: ("post", application_url(w.application.pk, "withdraw"), {}),
        _applications_state,
        {
            "anonymous": 401,
            "candidate": 200,
            "member": 403,
            "other_employer": 404,
            "moderator": 404,
        },
    ),
    "save search": (
        lambda w: ("post", SAVED, {"query": "django", "frequency": "instant"}),
        _saved_state,
        {
            "anonymous": 401,
            "candidate": 201,
            "member": 403,
            "other_employer": 403,
            "moderator": 403,
        },
    ),
    "delete saved search": (
        lambda w: ("delete", f"{SAVED}{w.saved_search.pk}/", None),
        _saved_state,
        {
            "anonymous": 401,
            "candidate": 204,
            "member": 403,
            "other_employer": 403,
            "moderator": 403,
        },
    ),
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", list(CASES))
def test_every_write_is_allowed_only_to_whom_it_belongs(world, case, actor):
    build, state, expected = CASES[case]
    method, url, body = build(world)
    before = state()

    response = getattr(client_for(world.users[actor]), method)(url, body, format="json")

    assert response.status_code == expected[actor], (case, actor, response.content)
    if response.status_code >= 400:
        assert state() == before, f"{case} refused for {actor} but changed something"
    else:
        assert state() != before


def test_approve_is_for_moderators_only(moderation):
    member = employer()
    job = make_job(make_company(member))
    assert job.status == "pending_review"
    for user, status in (
        (None, 401),
        (candidate(), 403),
        (member, 403),
        (employer(), 403),
    ):
        response = client_for(user).post(job_url(job.pk, "approve"))
        assert response.status_code == status
        assert Job.objects.get(pk=job.pk).status == "pending_review"

    response = client_for(moderator()).post(job_url(job.pk, "approve"))

    assert response.status_code == 200
    assert Job.objects.get(pk=job.pk).status == "published"


def test_a_former_employer_loses_access_to_their_company():
    member = employer()
    company = make_company(member)
    job = make_job(company)
    member.groups.clear()  # staff took the employer role away
    member = get_user_model().objects.get(pk=member.pk)

    response = client_for(member).patch(job_url(job.pk), {"title": "Mine"}, format="json")

    assert response.status_code == 403
    assert Job.objects.get(pk=job.pk).title == job.title
