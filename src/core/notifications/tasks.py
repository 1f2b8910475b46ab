"""Notification tasks: thin, load by id, call a service, safe to run twice. The name
keeps the ``core.tasks.`` prefix it was published under."""

from __future__ import annotations

from celery import shared_task

from core.notifications import services


@shared_task(name="core.tasks.notification_email_task")
def notification_email_task(notification_id: int) -> bool:
    return services.notification_email_send(notification_id=notification_id)
