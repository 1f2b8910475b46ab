from __future__ import annotations

from django.db.models import QuerySet, prefetch_related_objects

from core.models import Notification, User


def user_with_roles(*, user: User) -> User:
    """Load the roles of a user already in hand (e.g. ``request.user``): one query."""
    prefetch_related_objects([user], "groups")
    return user


def notification_list(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(user=user).order_by("-created_at", "-id")
    if unread is True:
        queryset = queryset.filter(read_at__isnull=True)
    elif unread is False:
        queryset = queryset.filter(read_at__isnull=False)
    return queryset


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
