"""Notification writes: create one (and email it through a task), send the email
once, mark notifications read. Every context notifies a user through these."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.identity.models import User
from core.notifications.models import Notification
from core.tasking.outbox import enqueue_on_commit

logger = logging.getLogger(__name__)


def notification_create(
    *,
    user_id: int,
    kind: str,
    title: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    email: bool = False,
) -> Notification:
    notification = Notification.objects.create(
        user_id=user_id, kind=kind, title=title, body=body, data=data or {}
    )
    if email:
        enqueue_on_commit("core.tasks.notification_email_task", notification.pk)
    return notification


def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification once; a repeated delivery is a no-op. Returns True if sent."""
    from django.core.mail import send_mail

    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.user.email:
            return False
        send_mail(
            subject=notification.title,
            message=notification.body or notification.title,
            from_email=None,
            recipient_list=[notification.user.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    logger.info("notification %s emailed to user %s", notification.pk, notification.user_id)
    return True


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ``ids`` is None)."""
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())
