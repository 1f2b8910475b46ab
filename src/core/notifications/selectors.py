"""Notification reads: a user's list, newest first, and the unread count."""

from __future__ import annotations

from django.db.models import QuerySet

from core.identity.models import User
from core.notifications.models import Notification


def notification_list(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(user=user).order_by("-created_at", "-id")
    if unread is True:
        queryset = queryset.filter(read_at__isnull=True)
    elif unread is False:
        queryset = queryset.filter(read_at__isnull=False)
    return queryset


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
