"""Background work: notifications on every application change, expiry recorded by
beat, saved-search alerts sent once (instantly or in a digest)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import current_app
from django.core import mail
from django.utils import timezone

from core.identity.roles import Role
from core.notifications.models import Notification
from jobs.models import Job, JobAlert, SavedSearch
from jobs.services.applications import application_event_notify, application_transition
from jobs.services.postings import jobs_expire_due
from jobs.services.searches import alerts_match_job, alerts_send_digests, saved_search_create
from tests.core.factories import UserFactory
from tests.helpers import assert_invalid, client_for
from tests.jobs.factories import (
    SAVED,
    apply,
    candidate,
    make_company,
    make_job,
    owner_of,
)

pytestmark = pytest.mark.django_db


def _kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True)
    )


def test_the_company_hears_of_new_applications_and_the_candidate_of_each_change(
    eager, django_capture_on_commit_callbacks
):
    company = make_company()
    owner = owner_of(company)
    user = candidate()
    with django_capture_on_commit_callbacks(execute=True):
        application = apply(make_job(company, title="SRE"), user)
    with django_capture_on_commit_callbacks(execute=True):
        application_transition(
            application=application, actor=owner, status="in_review", note="secret"
        )
    with django_capture_on_commit_callbacks(execute=True):
        application_transition(
            application=application, actor=owner, status="rejected", reason="Position filled."
        )

    assert _kinds(owner) == ["jobs.application_received"]
    assert _kinds(user) == ["jobs.application_status", "jobs.application_status"]
    last = Notification.objects.filter(user=user).order_by("-id").first()
    assert "Rejected" in last.title
    assert last.body == "Position filled."
    assert "secret" not in "".join(n.body for n in Notification.objects.filter(user=user))
    assert any("Position filled." in message.body for message in mail.outbox)


def test_a_redelivered_notification_task_notifies_once():
    application = apply(make_job())
    event = application.events.get()

    first = application_event_notify(event_id=event.pk)
    again = application_event_notify(event_id=event.pk)

    assert (first, again) == (1, 0)


def test_beat_records_expiry_and_tells_the_company_once():
    job = make_job(title="Old posting")
    fresh = make_job(title="Fresh posting")
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=5))

    assert jobs_expire_due() == 1
    assert jobs_expire_due() == 0

    assert Job.objects.get(pk=job.pk).status == "expired"
    assert Job.objects.get(pk=fresh.pk).status == "published"
    assert _kinds(owner_of(job.company)) == ["jobs.job_expired"]


def _save(user, frequency: str, **data):
    response = client_for(user).post(SAVED, {"frequency": frequency, **data}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_an_instant_alert_arrives_once_even_with_two_matching_searches(
    eager, django_capture_on_commit_callbacks
):
    user = candidate()
    _save(user, "instant", query="python", filters={"remote": True})
    _save(user, "instant", query="django")
    company = make_company()

    with django_capture_on_commit_callbacks(execute=True):
        match = make_job(company, title="Python Django developer", remote=True)
    with django_capture_on_commit_callbacks(execute=True):
        make_job(company, title="Python developer", remote=False)  # "python" wants remote
    with django_capture_on_commit_callbacks(execute=True):
        make_job(company, title="Gardener", remote=True)
    alerts_match_job(job_id=match.pk)  # a redelivered task

    alerts = Notification.objects.filter(user=user, kind="jobs.alert")
    assert alerts.count() == 1
    assert alerts.get().data["jobs"] == [match.pk]
    assert JobAlert.objects.filter(user=user).count() == 1


def test_daily_digests_bundle_new_jobs_and_never_repeat_them():
    user = candidate()
    _save(user, "daily", query="rust")
    _save(candidate(), "weekly", query="rust")
    first = make_job(title="Rust engineer")
    second = make_job(title="Senior Rust engineer")
    for job in (first, second):
        alerts_match_job(job_id=job.pk)

    assert alerts_send_digests() == 0  # a day has not passed
    tomorrow = timezone.now() + timedelta(days=1, minutes=1)
    assert alerts_send_digests(now=tomorrow) == 1  # the daily one only
    assert alerts_send_digests(now=tomorrow) == 0

    digest = Notification.objects.get(user=user, kind="jobs.alert")
    assert sorted(digest.data["jobs"]) == sorted([first.pk, second.pk])
    assert "2 new jobs" in digest.title
    alerts_match_job(job_id=first.pk)  # a redelivered match adds nothing
    next_week = timezone.now() + timedelta(days=7, minutes=1)
    assert alerts_send_digests(now=next_week) == 1  # the weekly one now
    assert Notification.objects.filter(user=user, kind="jobs.alert").count() == 1
    assert Notification.objects.filter(kind="jobs.alert").count() == 2


def test_saved_search_filters_are_validated():
    user = candidate()

    bad = client_for(user).post(
        SAVED, {"filters": {"employment_type": "gig"}, "frequency": "daily"}, format="json"
    )
    unknown = client_for(user).post(SAVED, {"filters": {"color": "red"}}, format="json")

    # Each error under the path the client sent (`filters.<name>`), as nested input is.
    assert_invalid(bad, "filters.employment_type")
    body = assert_invalid(unknown, "filters.color")
    assert body["errors"]["filters.color"][0]["code"] == "unknown_filter"
    assert "location" in body["errors"]["filters.color"][0]["message"]
    assert not SavedSearch.objects.filter(user=user).exists()


def test_company_members_get_no_alerts_for_their_own_jobs():
    member = UserFactory(roles=[Role.EMPLOYER, Role.CANDIDATE])
    company = make_company(member)
    saved_search_create(user=member, query="", filters={}, frequency="instant")

    job = make_job(company)

    assert alerts_match_job(job_id=job.pk) == 0


def test_beat_runs_the_jobs_tasks_by_registered_names():
    schedule = current_app.conf.beat_schedule

    assert schedule["jobs.expire-due"]["task"] == "jobs.tasks.jobs_expire_due_task"
    assert schedule["jobs.alert-digests"]["task"] == "jobs.tasks.alerts_send_digests_task"
    current_app.loader.import_default_modules()
    assert "jobs.tasks.jobs_expire_due_task" in current_app.tasks
    assert "jobs.tasks.alerts_send_digests_task" in current_app.tasks
