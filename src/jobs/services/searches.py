"""Saved searches and their alerts: a candidate saves a search; each newly published
job that matches it is recorded once per user and sent at once (``instant``) or in
the daily or weekly digest that beat sends."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.http.validation import field_error, full_clean
from core.identity import roles
from core.identity.models import User
from core.notifications.services import notification_create
from jobs import selectors
from jobs.models import AlertFrequency, CompanyMember, Job, JobAlert, JobStatus, SavedSearch
from jobs.services.applications import _text
from jobs.services.postings import effective_status

MAX_SAVED_SEARCHES = 20
DIGEST_PERIODS = {AlertFrequency.DAILY: timedelta(days=1), AlertFrequency.WEEKLY: timedelta(days=7)}


@transaction.atomic
def saved_search_create(
    *, user: User, name: str = "", query: str = "", filters: dict[str, Any], frequency: str
) -> SavedSearch:
    """``filters`` come validated by the list's own filter rules (the API does it): the
    keyword arguments of ``selectors.job_filter``, as JSON."""
    if not roles.is_candidate(user):
        raise PermissionDenied("Only candidates save searches.")
    if frequency not in AlertFrequency.values:
        raise field_error("frequency", f"Use one of: {', '.join(AlertFrequency.values)}.")
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise field_error("non_field_errors", f"At most {MAX_SAVED_SEARCHES} saved searches.")
    search = SavedSearch(
        user=user,
        name=_text("name", name, 120),
        query=_text("query", query, 200),
        filters=filters,
        frequency=frequency,
        # A digest covers what was published after the search was saved.
        last_digest_at=timezone.now(),
    )
    full_clean(search, exclude=["user"])
    search.save()
    return search


def saved_search_delete(*, search: SavedSearch, actor: User) -> None:
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


def alerts_send_digests(*, now: datetime | None = None) -> int:
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
