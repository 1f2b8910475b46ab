"""Companies and postings: drafting, submitting (published at once, or reviewed when
moderation is on), approving and rejecting, editing, closing, deleting, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.api.serializers.postings import JobSerializer, job_payload
from jobs.models import Application, Company, Job
from tests.helpers import assert_problem, client_for
from tests.jobs.factories import (
    COMPANIES,
    JOBS,
    QUEUE,
    apply,
    candidate,
    company_url,
    employer,
    job_url,
    make_company,
    make_job,
    moderator,
    owner_of,
)

pytestmark = pytest.mark.django_db


def _row(job: Job) -> dict:
    """The job's stored columns: what a refused write must leave as it was."""
    return Job.objects.filter(pk=job.pk).values().get()


def test_an_employer_creates_a_company_and_owns_it():
    user = employer()

    response = client_for(user).post(
        COMPANIES, {"name": "Acme Robotics", "website": "https://acme.example"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "acme-robotics"
    assert body["verified"] is False
    mine = client_for(user).get(COMPANIES, {"mine": "true"}).json()["results"]
    assert [item["id"] for item in mine] == [body["id"]]


def test_mine_is_nothing_for_an_anonymous_reader_not_the_companies_without_members():
    make_company()
    Company.objects.create(name="Nobody's", slug="nobodys")

    response = client_for().get(COMPANIES, {"mine": "true"})

    assert response.status_code == 200
    assert response.json()["results"] == []
    assert len(client_for().get(COMPANIES).json()["results"]) == 2


def test_an_owner_adds_an_employer_but_not_a_candidate():
    owner = employer()
    company = make_company(owner)
    recruiter = employer()

    added = client_for(owner).post(
        company_url(company.pk, "members"), {"user": recruiter.pk}, format="json"
    )
    refused = client_for(owner).post(
        company_url(company.pk, "members"), {"user": candidate().pk}, format="json"
    )

    assert added.status_code == 201
    assert {m["username"]: m["role"] for m in added.json()} == {
        owner.username: "owner",
        recruiter.username: "recruiter",
    }
    assert refused.status_code == 400
    assert company.memberships.count() == 2
    # The new recruiter now acts for the company.
    response = client_for(recruiter).post(
        JOBS, {"company": company.pk, "title": "Ops", "description": "Run things."}, format="json"
    )
    assert response.status_code == 201


def test_draft_then_submit_publishes_at_once_without_moderation():
    company = make_company()
    client = client_for(owner_of(company))
    draft = client.post(
        JOBS,
        {
            "company": company.pk,
            "title": "Platform engineer",
            "description": "Kubernetes.",
            "salary_min": 60000,
            "salary_max": 80000,
            "currency": "EUR",
            "tags": ["Kubernetes", "go", "go"],
        },
        format="json",
    ).json()
    assert draft["status"] == "draft"
    assert draft["tags"] == ["kubernetes", "go"]
    assert client_for().get(job_url(draft["id"])).status_code == 404

    published = client.post(job_url(draft["id"], "submit")).json()

    assert published["status"] == "published"
    assert published["published_at"] is not None
    expires = Job.objects.get(pk=draft["id"]).expires_at
    assert timedelta(days=29, hours=23) < expires - timezone.now() <= timedelta(days=30)
    assert client_for().get(job_url(draft["id"])).status_code == 200


def test_with_moderation_a_job_waits_then_is_approved_or_rejected(moderation):
    company = make_company()
    owner = owner_of(company)
    first = make_job(company, title="Waits for review")
    second = make_job(company, title="Will be rejected")
    assert first.status == second.status == "pending_review"
    mod = client_for(moderator())

    queue = mod.get(QUEUE).json()
    assert queue["moderation"] is True
    assert [item["id"] for item in queue["results"]] == [first.pk, second.pk]
    assert client_for().get(JOBS).json()["results"] == []

    approved = mod.post(job_url(first.pk, "approve"))
    rejected = mod.post(job_url(second.pk, "reject"), {"reason": "Salary missing."})

    assert approved.json()["status"] == "published"
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Salary missing."
    assert [item["id"] for item in client_for().get(JOBS).json()["results"]] == [first.pk]
    assert mod.get(QUEUE).json()["results"] == []
    # The company reads the reason, edits and submits again; the public does not see it.
    seen = client_for(owner).get(job_url(second.pk)).json()
    assert seen["rejection_reason"] == "Salary missing."
    client_for(owner).patch(job_url(second.pk), {"salary_min": 50000, "currency": "EUR"})
    again = client_for(owner).post(job_url(second.pk, "submit")).json()
    assert again["status"] == "pending_review"
    assert [item["id"] for item in mod.get(QUEUE).json()["results"]] == [second.pk]


def test_without_moderation_the_queue_says_so_and_stays_empty():
    job = make_job(title="Published at once")

    queue = client_for(moderator()).get(QUEUE).json()

    assert job.status == "published"
    assert queue == {"results": [], "next": None, "previous": None, "moderation": False}


def test_approving_twice_is_an_illegal_transition(moderation):
    job = make_job()
    mod = client_for(moderator())
    assert mod.post(job_url(job.pk, "approve")).json()["status"] == "published"
    before = _row(job)

    response = mod.post(job_url(job.pk, "approve"))

    body = assert_problem(response, 409, "illegal_transition")
    assert body["current_status"] == "published"
    assert _row(job) == before


def test_submitting_a_published_job_again_is_a_409():
    job = make_job()
    before = _row(job)

    response = client_for(owner_of(job.company)).post(job_url(job.pk, "submit"))

    body = assert_problem(response, 409, "illegal_transition")
    assert (body["current_status"], body["allowed"]) == ("published", ["closed"])
    assert _row(job) == before


def test_a_closed_job_cannot_be_edited_or_closed_again():
    job = make_job(title="Original")
    client = client_for(owner_of(job.company))
    closed = client.post(job_url(job.pk, "close"))

    edit = client.patch(job_url(job.pk), {"title": "Changed"}, format="json")
    close = client.post(job_url(job.pk, "close"))

    assert closed.json()["status"] == "closed"
    assert_problem(edit, 409, "job_not_editable")
    assert_problem(close, 409, "illegal_transition")
    assert Job.objects.get(pk=job.pk).title == "Original"


def test_with_moderation_a_published_job_is_not_editable(moderation):
    job = make_job()
    client_for(moderator()).post(job_url(job.pk, "approve"))
    before = _row(job)

    response = client_for(owner_of(job.company)).patch(job_url(job.pk), {"title": "Sneaky"})

    assert_problem(response, 409, "job_not_editable")
    assert _row(job) == before
    assert before["status"] == "published"
    assert before["title"] != "Sneaky"


def test_a_job_with_applications_cannot_be_deleted():
    job = make_job()
    apply(job)

    response = client_for(owner_of(job.company)).delete(job_url(job.pk))

    assert_problem(response, 409, "job_has_applications")
    assert Job.objects.filter(pk=job.pk).exists()
    assert Application.objects.filter(job=job).count() == 1


def test_salary_rules_are_checked():
    company = make_company()
    client = client_for(owner_of(company))
    base = {"company": company.pk, "title": "T", "description": "D"}

    inverted = client.post(
        JOBS, {**base, "salary_min": 9, "salary_max": 5, "currency": "EUR"}, format="json"
    )
    no_currency = client.post(JOBS, {**base, "salary_min": 9}, format="json")
    past = client.post(JOBS, {**base, "expires_at": "2001-01-01T00:00:00Z"}, format="json")

    assert inverted.status_code == 400
    assert "salary_max" in inverted.json()["errors"]
    assert no_currency.status_code == 400
    assert "currency" in no_currency.json()["errors"]
    assert past.status_code == 400
    assert "expires_at" in past.json()["errors"]
    assert not Job.objects.filter(company=company).exists()


def test_expiry_is_read_from_expires_at_before_beat_records_it():
    job = make_job()
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    detail = client_for().get(job_url(job.pk)).json()

    assert detail["status"] == "expired"
    assert Job.objects.get(pk=job.pk).status == "published"  # not recorded yet
    assert client_for().get(JOBS).json()["results"] == []


def test_the_list_payload_matches_the_documented_serializer():
    job = make_job(
        tags=["python"], salary_min=1, salary_max=2, currency="EUR", location="Paris, France"
    )
    job = Job.objects.select_related("company").get(pk=job.pk)

    documented = dict(JobSerializer(job).data)
    documented["snippet"] = None  # the list fills it only with q
    documented["company"] = dict(documented["company"])
    built = job_payload(job)

    assert built.keys() == documented.keys()
    assert built == {**documented, "company": built["company"]}
    assert built["company"]["name"] == job.company.name


def test_drafting_for_an_unknown_company_is_a_400_naming_it():
    company = make_company()
    client = client_for(owner_of(company))

    response = client.post(
        JOBS, {"company": company.pk + 1000, "title": "Ops", "description": "x"}, format="json"
    )

    body = assert_problem(response, 400, "validation_error")
    assert body["errors"] == {
        "company": [{"message": "No such company.", "code": "does_not_exist"}]
    }
    assert body["detail"] == "Invalid input in: company."
    assert not Job.objects.exists()


def test_a_draft_answers_with_its_company_and_moderation_details():
    company = make_company()

    response = client_for(owner_of(company)).post(
        JOBS, {"company": company.pk, "title": "Ops", "description": "x"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    job = Job.objects.get()
    # With moderation off (the suite's setting) the owner may publish a draft at once.
    assert body["allowed_transitions"] == ["published"]
    assert body == job_payload(job, private=True, allowed=["published"])
    assert body["id"] == job.pk
