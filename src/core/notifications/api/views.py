"""``/api/v1/auth/notifications/``: the caller's notifications, and marking them read."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.pagination import CursorPagination
from core.notifications import selectors, services
from core.notifications.api import serializers


class NotificationCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")


@extend_schema(
    tags=["auth"],
    summary="My notifications",
    description="Newest first, cursor-paginated. `?unread=true` for unread only.",
    parameters=[
        OpenApiParameter("unread", bool, description="true: unread only; false: read only.")
    ],
)
class NotificationListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = serializers.NotificationSerializer
    pagination_class = NotificationCursorPagination
    filter_backends: list = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        raw = self.request.query_params.get("unread")
        unread = {"true": True, "1": True, "false": False, "0": False}.get(str(raw).lower())
        if raw is not None and unread is None:
            raise ValidationError({"unread": ["Use true or false."]}, code="invalid")
        return selectors.notification_list(user=self.request.user, unread=unread)


@extend_schema(
    tags=["auth"],
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
        marked = services.notifications_mark_read(
            user=request.user, ids=payload.validated_data.get("ids")
        )
        unread = selectors.notification_unread_count(user=request.user)
        return Response({"marked": marked, "unread": unread})
