"""A job posting's and an application's status machines as clients see them:
``allowed_transitions`` lists what the requesting user may do next (the company's
members submit and close, moderators approve and reject; the company moves an
application along, its candidate may only withdraw it), and a move it does not list is
a 409 ``illegal_transition`` whose ``allowed`` is that same list, changing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from core.identity.roles import Role
from jobs.models import Application, Job
from jobs.services.applications import application_transition
from jobs.services.postings import job_close, job_reject
from tests.core.factories import UserFactory
from tests.helpers import assert_problem, client_for
from tests.jobs.factories import (
    JOBS,
    QUEUE,
    application_url,
    apply,
    candidate,
    employer,
    job_url,
    make_company,
    make_job,
    moderator,
    owner_of,
)

pytestmark = pytest.mark.django_db

READERS = ("owner", "moderator", "employer", "candidate", "anonymous")


def _job_at(status: str, company=None) -> Job:
    """A job brought to ``status`` whatever ``JOBS_MODERATION`` is (``expired``: past
    ``expires_at``, not yet recorded, as a reader sees it before beat runs)."""
    with override_settings(JOBS_MODERATION=status == "pending_review"):
        job = make_job(company, publish=status != "draft")
    if status == "rejected":
        job = job_reject(job=job, actor=moderator(), reason="Say more about the role.")
    elif status == "closed":
        job = job_close(job=job, actor=owner_of(job.company))
    elif status == "expired":
        Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    return Job.objects.get(pk=job.pk)


def _client(reader: str, job: Job):
    user = {
        "owner": lambda: owner_of(job.company),
        "moderator": moderator,
        "employer": employer,  # of another company
        "candidate": candidate,
        "anonymous": lambda: None,
    }[reader]()
    return client_for(user)


def _row(job: Job) -> dict:
    return Job.objects.filter(pk=job.pk).values().get()


def _allowed(client, job: Job) -> list[str]:
    response = client.get(job_url(job.pk))
    assert response.status_code == 200, response.content
    return response.json()["allowed_transitions"]


# What each reader may do to a job in each status: None where the reader cannot see the
# job (a 404), in the order of READERS.
WITH_MODERATION = {
    "draft": (["pending_review"], [], None, None, None),
    "pending_review": ([], ["published", "rejected"], None, None, None),
    "published": (["closed"], ["rejected"], [], [], []),
    "rejected": (["pending_review"], [], None, None, None),
    "closed": ([], [], [], [], []),
    "expired": ([], [], [], [], []),
}
WITHOUT_MODERATION = {
    **WITH_MODERATION,
    "draft": (["published"], [], None, None, None),
    "rejected": (["published"], [], None, None, None),
}


@pytest.mark.parametrize("moderated", [True, False], ids=["moderation", "no moderation"])
@pytest.mark.parametrize("status", list(WITH_MODERATION))
def test_a_jobs_allowed_transitions_are_what_the_reader_may_do(settings, moderated, status):
    settings.JOBS_MODERATION = moderated
    job = _job_at(status)
    expected = (WITH_MODERATION if moderated else WITHOUT_MODERATION)[status]

    for reader, allowed in zip(READERS, expected, strict=True):
        response = _client(reader, job).get(job_url(job.pk))
        if allowed is None:
            assert_problem(response, 404, "not_found")
        else:
            assert response.status_code == 200, (reader, response.content)
            assert response.json()["status"] == status
            assert response.json()["allowed_transitions"] == allowed, reader


def test_a_member_who_moderates_may_make_both_sides_moves():
    both = UserFactory(roles=[Role.CUSTOMER, Role.EMPLOYER, Role.MODERATOR])
    job = _job_at("published", make_company(both))

    assert _allowed(client_for(both), job) == ["closed", "rejected"]


def test_the_list_and_the_queue_carry_each_readers_allowed_transitions(moderation):
    published, waiting = _job_at("published"), _job_at("pending_review")

    def listed(client, url):
        return {j["id"]: j["allowed_transitions"] for j in client.get(url).json()["results"]}

    assert listed(client_for(owner_of(published.company)), JOBS) == {published.pk: ["closed"]}
    assert listed(client_for(moderator()), JOBS) == {published.pk: ["rejected"]}
    assert listed(client_for(), JOBS) == {published.pk: []}
    assert listed(client_for(moderator()), QUEUE) == {waiting.pk: ["published", "rejected"]}


@pytest.mark.parametrize("moderated", [True, False], ids=["moderation", "no moderation"])
def test_closing_a_draft_is_a_409_naming_where_a_draft_may_go(settings, moderated):
    settings.JOBS_MODERATION = moderated
    job = _job_at("draft")
    client = client_for(owner_of(job.company))
    allowed = _allowed(client, job)
    before = _row(job)

    response = client.post(job_url(job.pk, "close"))

    body = assert_problem(response, 409, "illegal_transition")
    nxt = "pending_review" if moderated else "published"
    assert (body["current_status"], body["allowed"]) == ("draft", allowed) == ("draft", [nxt])
    assert body["detail"] == f"This job is draft; it cannot become closed. Allowed next: {nxt}."
    assert _row(job) == before


@pytest.mark.parametrize(
    ("status", "reader", "action"),
    [
        ("published", "owner", "submit"),
        ("closed", "owner", "close"),
        ("closed", "owner", "submit"),
        ("expired", "owner", "close"),
        ("published", "moderator", "approve"),
        ("draft", "moderator", "approve"),
        ("draft", "moderator", "reject"),
        ("closed", "moderator", "reject"),
        ("expired", "moderator", "reject"),
        ("rejected", "moderator", "approve"),
    ],
)
def test_a_job_move_not_allowed_is_a_409_listing_the_readers_moves(
    moderation, status, reader, action
):
    job = _job_at(status)
    client = _client(reader, job)
    allowed = _allowed(client, job)
    before = _row(job)

    response = client.post(job_url(job.pk, action), {"reason": "Because."}, format="json")

    body = assert_problem(response, 409, "illegal_transition")
    assert (body["current_status"], body["allowed"]) == (status, allowed)
    assert _row(job) == before


def test_a_final_job_says_so_and_a_move_of_the_other_side_says_none_is_yours(moderation):
    closed, draft = _job_at("closed"), _job_at("draft")

    final = client_for(owner_of(closed.company)).post(job_url(closed.pk, "close")).json()
    theirs = client_for(moderator()).post(job_url(draft.pk, "approve")).json()

    assert final["allowed"] == []
    assert final["detail"].endswith("closed is final.")
    assert theirs["allowed"] == []
    assert theirs["detail"].endswith("None of its next statuses is yours to set.")


# --- applications ----------------------------------------------------------------------


def _application_at(status: str) -> Application:
    application = apply(make_job(), candidate())
    owner = owner_of(application.job.company)
    path = {
        "submitted": [],
        "offer": ["in_review", "offer"],
        "hired": ["in_review", "offer", "hired"],
    }
    for step in path[status]:
        application_transition(application=application, actor=owner, status=step)
    return Application.objects.get(pk=application.pk)


@pytest.mark.parametrize(
    ("status", "company", "candidate_side"),
    [
        ("submitted", ["in_review", "rejected"], ["withdrawn"]),
        ("offer", ["hired", "rejected"], ["withdrawn"]),
        ("hired", [], []),
    ],
)
def test_an_applications_allowed_transitions_depend_on_the_side(status, company, candidate_side):
    application = _application_at(status)
    url = application_url(application.pk)

    theirs = client_for(owner_of(application.job.company)).get(url).json()
    mine = client_for(application.candidate).get(url).json()

    assert theirs["status"] == mine["status"] == status
    assert theirs["allowed_transitions"] == company
    assert mine["allowed_transitions"] == candidate_side
    assert_problem(client_for(candidate()).get(url), 404, "not_found")


@pytest.mark.parametrize(
    ("status", "side", "action", "body"),
    [
        ("submitted", "company", "transition", {"status": "hired"}),
        ("offer", "company", "transition", {"status": "interview"}),
        ("hired", "company", "transition", {"status": "rejected", "reason": "No."}),
        ("hired", "candidate", "withdraw", {}),
    ],
)
def test_an_application_move_not_allowed_is_a_409_listing_the_sides_moves(
    status, side, action, body
):
    application = _application_at(status)
    user = owner_of(application.job.company) if side == "company" else application.candidate
    client = client_for(user)
    allowed = client.get(application_url(application.pk)).json()["allowed_transitions"]
    before = (Application.objects.filter(pk=application.pk).values().get(), _events(application))

    response = client.post(application_url(application.pk, action), body, format="json")

    problem = assert_problem(response, 409, "illegal_transition")
    assert (problem["current_status"], problem["allowed"]) == (status, allowed)
    after = (Application.objects.filter(pk=application.pk).values().get(), _events(application))
    assert after == before


def _events(application: Application) -> list[tuple[str, str]]:
    return list(application.events.order_by("id").values_list("from_status", "to_status"))
