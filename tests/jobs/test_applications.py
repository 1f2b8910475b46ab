"""Applying once, withdrawing and applying again, the pipeline's transitions, and a
history the candidate can follow without seeing the company's internal notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import APPLICATION_WORKFLOW, Application, ApplicationStatus, Job
from jobs.services.applications import application_transition, application_withdraw
from jobs.services.postings import job_close
from tests.helpers import assert_problem, client_for
from tests.jobs.factories import (
    APPLICATIONS,
    application_url,
    apply,
    candidate,
    job_url,
    make_company,
    make_job,
    owner_of,
)

pytestmark = pytest.mark.django_db

OPEN = ("submitted", "in_review", "interview", "offer")


def test_a_candidate_applies_and_sees_the_submitted_status():
    job = make_job(title="Data engineer")
    user = candidate()

    response = client_for(user).post(
        job_url(job.pk, "apply"), {"cover_letter": "I like data."}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["job"]["title"] == "Data engineer"
    assert body["cover_letter"] == "I like data."
    assert body["allowed_transitions"] == ["withdrawn"]
    assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [(None, "submitted")]
    assert "internal_note" not in body["history"][0]


def test_a_second_active_application_is_a_409_that_names_the_first():
    job = make_job()
    user = candidate()
    first = apply(job, user)

    response = client_for(user).post(job_url(job.pk, "apply"), {}, format="json")

    body = assert_problem(response, 409, "already_applied")
    assert body["application"] == first.pk
    assert Application.objects.filter(job=job, candidate=user).count() == 1


def test_withdrawn_then_applying_again_works():
    job = make_job()
    user = candidate()
    client = client_for(user)
    first = client.post(job_url(job.pk, "apply"), {}, format="json").json()

    withdrawn = client.post(application_url(first["id"], "withdraw"), {"reason": "Oops"})
    again = client.post(job_url(job.pk, "apply"), {"cover_letter": "Take two"}, format="json")

    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert again.status_code == 201
    assert again.json()["id"] != first["id"]
    statuses = sorted(Application.objects.filter(job=job).values_list("status", flat=True))
    assert statuses == ["submitted", "withdrawn"]


def test_a_rejected_candidate_cannot_apply_to_the_same_job_again():
    job = make_job()
    user = candidate()
    application = apply(job, user)
    application_transition(
        application=application, actor=owner_of(job.company), status="rejected", reason="No."
    )

    history = list(application.events.order_by("id").values_list("from_status", "to_status"))

    response = client_for(user).post(job_url(job.pk, "apply"), {}, format="json")

    assert_problem(response, 409, "already_applied")
    assert list(Application.objects.filter(job=job).values_list("pk", "status")) == [
        (application.pk, "rejected")
    ]
    assert (
        list(application.events.order_by("id").values_list("from_status", "to_status")) == history
    )


@pytest.mark.parametrize("state", ["closed", "expired", "draft"])
def test_a_job_that_is_not_open_refuses_applications(state):
    job = make_job(publish=state != "draft")
    if state == "closed":
        job_close(job=job, actor=owner_of(job.company))
    elif state == "expired":
        Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    user = candidate()

    response = client_for(user).post(job_url(job.pk, "apply"), {}, format="json")

    if state == "draft":  # a draft is invisible to candidates
        assert response.status_code == 404
    else:
        body = assert_problem(response, 409, "job_closed")
        assert body["current_status"] == state
    assert not Application.objects.filter(job=job).exists()


def test_apply_with_an_idempotency_key_replays_instead_of_conflicting():
    job = make_job()
    client = client_for(candidate())
    headers = {"HTTP_IDEMPOTENCY_KEY": "apply-once-123"}

    first = client.post(job_url(job.pk, "apply"), {"cover_letter": "Hi"}, format="json", **headers)
    second = client.post(job_url(job.pk, "apply"), {"cover_letter": "Hi"}, format="json", **headers)

    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert Application.objects.filter(job=job).count() == 1


def _at(status: str) -> tuple[Application, object]:
    """An application brought to ``status`` along the shortest path."""
    job = make_job()
    owner = owner_of(job.company)
    application = apply(job, candidate())
    path = {
        "submitted": [],
        "in_review": ["in_review"],
        "interview": ["in_review", "interview"],
        "offer": ["in_review", "interview", "offer"],
        "hired": ["in_review", "interview", "offer", "hired"],
        "rejected": ["rejected"],
        "withdrawn": [],
    }[status]
    for step in path:
        reason = "Not a fit" if step == "rejected" else ""
        application = application_transition(
            application=application, actor=owner, status=step, reason=reason
        )
    if status == "withdrawn":
        application = application_withdraw(application=application, actor=application.candidate)
    return application, owner


COMPANY_MOVES = [s for s in ApplicationStatus.values if s != "withdrawn"]


@pytest.mark.parametrize("source", ApplicationStatus.values)
@pytest.mark.parametrize("target", COMPANY_MOVES)
def test_every_company_transition_is_allowed_or_a_409_naming_the_allowed_ones(source, target):
    application, owner = _at(source)
    allowed = [s for s in APPLICATION_WORKFLOW.allowed(source) if s != "withdrawn"]
    body = {"status": target, "reason": "Because", "note": "internal"}

    response = client_for(owner).post(
        application_url(application.pk, "transition"), body, format="json"
    )

    stored = Application.objects.get(pk=application.pk)
    if target in allowed:
        assert response.status_code == 200, response.content
        assert stored.status == target
        last = response.json()["history"][-1]
        assert (last["from_status"], last["to_status"]) == (source, target)
        assert last["internal_note"] == "internal"
        assert last["actor"] == owner.username
    else:
        problem = assert_problem(response, 409, "illegal_transition")
        assert problem["current_status"] == source
        assert problem["allowed"] == allowed
        assert stored.status == source


@pytest.mark.parametrize("source", ApplicationStatus.values)
def test_the_candidate_withdraws_from_any_open_status_only(source):
    application, _ = _at(source)
    events = application.events.count()

    response = client_for(application.candidate).post(
        application_url(application.pk, "withdraw"), {}, format="json"
    )

    if source in OPEN:
        assert response.status_code == 200
        assert Application.objects.get(pk=application.pk).status == "withdrawn"
        assert application.events.count() == events + 1
    else:
        assert_problem(response, 409, "illegal_transition")
        assert Application.objects.get(pk=application.pk).status == source
        assert application.events.count() == events


def test_rejecting_needs_a_reason_the_candidate_reads():
    application, owner = _at("in_review")
    client = client_for(owner)
    url = application_url(application.pk, "transition")

    refused = client.post(url, {"status": "rejected"}, format="json")
    done = client.post(url, {"status": "rejected", "reason": "We hired internally."}, format="json")

    assert refused.status_code == 400
    assert "reason" in refused.json()["errors"]
    assert done.status_code == 200
    seen = client_for(application.candidate).get(application_url(application.pk)).json()
    assert seen["status"] == "rejected"
    assert seen["rejection_reason"] == "We hired internally."
    assert seen["history"][-1]["reason"] == "We hired internally."


def test_the_candidate_reads_the_history_but_never_internal_notes():
    application, owner = _at("submitted")
    application_transition(
        application=application,
        actor=owner,
        status="in_review",
        reason="Thanks, we are reading it.",
        note="Strong profile, salary expectations high.",
    )

    mine = client_for(application.candidate).get(application_url(application.pk)).json()
    theirs = client_for(owner).get(application_url(application.pk)).json()

    assert [(h["from_status"], h["to_status"]) for h in mine["history"]] == [
        (None, "submitted"),
        ("submitted", "in_review"),
    ]
    assert mine["history"][1]["reason"] == "Thanks, we are reading it."
    assert all("internal_note" not in entry for entry in mine["history"])
    assert "Strong profile" not in str(mine)
    assert theirs["history"][1]["internal_note"] == "Strong profile, salary expectations high."
    assert theirs["allowed_transitions"] == ["interview", "offer", "rejected"]
    assert mine["allowed_transitions"] == ["withdrawn"]


def test_history_is_append_only():
    application, _ = _at("in_review")
    event = application.events.first()
    event.reason = "rewritten"

    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_lists_show_candidates_their_own_and_employers_their_companies():
    mine = make_company()
    theirs = make_company()
    user = candidate()
    a = apply(make_job(mine), user)
    b = apply(make_job(theirs), user)
    c = apply(make_job(mine), candidate())

    as_candidate = client_for(user).get(APPLICATIONS).json()["results"]
    as_employer = client_for(owner_of(mine)).get(APPLICATIONS).json()["results"]
    as_other = client_for(candidate()).get(APPLICATIONS).json()["results"]

    assert sorted(item["id"] for item in as_candidate) == sorted([a.pk, b.pk])
    assert sorted(item["id"] for item in as_employer) == sorted([a.pk, c.pk])
    assert as_other == []


def test_job_applications_list_filters_by_status_for_the_company_only():
    job = make_job()
    owner = owner_of(job.company)
    first = apply(job)
    apply(job)
    application_transition(application=first, actor=owner, status="in_review")

    listed = client_for(owner).get(job_url(job.pk, "applications"), {"status": "in_review"})
    refused = client_for(first.candidate).get(job_url(job.pk, "applications"))

    assert [item["id"] for item in listed.json()["results"]] == [first.pk]
    assert refused.status_code == 403


def test_another_user_cannot_see_an_application():
    application, _ = _at("submitted")

    response = client_for(candidate()).get(application_url(application.pk))

    assert response.status_code == 404


def test_the_database_itself_refuses_a_second_active_application():
    from django.db import IntegrityError, transaction

    job = make_job()
    user = candidate()
    Application.objects.create(job=job, candidate=user, status="withdrawn")
    Application.objects.create(job=job, candidate=user)

    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(job=job, candidate=user, status="in_review")


def test_applying_is_rate_limited_per_user(monkeypatch):
    from jobs.api.views.applications import ApplyThrottle

    monkeypatch.setattr(ApplyThrottle, "rate", "2/hour", raising=False)
    user = candidate()
    client = client_for(user)
    jobs = [make_job() for _ in range(3)]

    statuses = [
        client.post(job_url(job.pk, "apply"), {}, format="json").status_code for job in jobs
    ]

    assert statuses == [201, 201, 429]
    assert Application.objects.filter(candidate=user).count() == 2
