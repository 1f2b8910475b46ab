from __future__ import annotations

from django.db.models import QuerySet

from core.models import Notification, User


def user_get(*, user_id: int) -> User | None:
    return User.objects.prefetch_related("groups").filter(pk=user_id).first()


def notification_list(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(user=user).order_by("-created_at", "-id")
    if unread is True:
        queryset = queryset.filter(read_at__isnull=True)
    elif unread is False:
        queryset = queryset.filter(read_at__isnull=False)
    return queryset


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
