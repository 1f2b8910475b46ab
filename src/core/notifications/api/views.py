"""``/api/v1/auth/notifications/``: the caller's notifications, and marking them read."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.pagination import CursorPagination
from core.http.representation import Representation
from core.identity.actors import authenticated_user
from core.notifications import selectors, services
from core.notifications.api import serializers
from core.notifications.models import Notification


class NotificationCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")


# A notification as the list shows it, the serializer's fields built once per process,
# from the columns it shows (``values()``: no model objects).
_NOTIFICATION = Representation(serializers.NotificationSerializer)
_SHOWN = ("id", "kind", "title", "body", "data", "created_at", "read_at")


_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def _flag(params: QueryDict, name: str) -> bool | None:
    raw = params.get(name)
    value = _BOOLEANS.get(str(raw).lower())
    if raw is not None and value is None:
        raise ValidationError({name: ["Use true or false."]}, code="invalid")
    return value


@extend_schema(
    summary="My notifications",
    description="Newest first, cursor-paginated. `?read=false` for unread only, "
    "`?read=true` for read ones (`unread`, the former filter, still works, inverted).",
    parameters=[
        OpenApiParameter("read", bool, description="Only notifications whose `read` is this."),
        OpenApiParameter(
            "unread",
            bool,
            deprecated=True,
            description="Deprecated: use `read` (`unread=true` is `read=false`).",
        ),
    ],
    responses={200: serializers.NotificationPageSerializer},
)
class NotificationListView(generics.ListAPIView[Notification]):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = serializers.NotificationSerializer
    pagination_class = NotificationCursorPagination
    filter_backends: list[type[BaseFilterBackend]] = []

    def get_queryset(self) -> QuerySet[Notification]:
        params = self.request.query_params
        read, unread = _flag(params, "read"), _flag(params, "unread")
        if read is not None and unread is not None and read == unread:
            raise ValidationError(
                {"unread": ["Deprecated inverse of `read`, which says otherwise; send `read`."]},
                code="conflict",
            )
        if read is None and unread is not None:
            read = not unread
        user = authenticated_user(self.request)
        return selectors.notification_list(user=user, unread=None if read is None else not read)

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*_SHOWN))
        assert page is not None  # the view is always paginated
        return self.get_paginated_response(_NOTIFICATION.many(page))


@extend_schema(
    summary="Mark notifications read",
    description="Marks the given ids (yours only; others are ignored) or all unread ones.",
    request=serializers.NotificationMarkReadSerializer,
    responses={200: serializers.MarkedReadSerializer},
)
class NotificationMarkReadView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def post(self, request: Request) -> Response:
        payload = serializers.NotificationMarkReadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = authenticated_user(request)
        marked = services.notifications_mark_read(user=user, ids=payload.validated_data.get("ids"))
        unread = selectors.notification_unread_count(user=user)
        return Response({"marked": marked, "unread": unread})
