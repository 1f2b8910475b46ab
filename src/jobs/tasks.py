"""Job board tasks: thin, load by id, call a service; each is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from core.tasking.outbox import NexusTask
from jobs.services.applications import application_event_notify
from jobs.services.postings import job_status_notify, jobs_expire_due
from jobs.services.searches import alerts_match_job, alerts_send_digests


@shared_task(name="jobs.tasks.application_event_notify_task", base=NexusTask)
def application_event_notify_task(event_id: int) -> int:
    return application_event_notify(event_id=event_id)


@shared_task(name="jobs.tasks.job_status_notify_task", base=NexusTask)
def job_status_notify_task(job_id: int, status: str) -> int:
    return job_status_notify(job_id=job_id, status=status)


@shared_task(name="jobs.tasks.job_alerts_match_task", base=NexusTask)
def job_alerts_match_task(job_id: int) -> int:
    return alerts_match_job(job_id=job_id)


@shared_task(name="jobs.tasks.jobs_expire_due_task", base=NexusTask)
def jobs_expire_due_task() -> int:
    return jobs_expire_due()


@shared_task(name="jobs.tasks.alerts_send_digests_task", base=NexusTask)
def alerts_send_digests_task() -> int:
    return alerts_send_digests()
