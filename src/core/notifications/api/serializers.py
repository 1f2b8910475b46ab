"""Serializers of the notifications API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from core.http.fields import IdField
from core.http.pagination import envelope_serializer
from core.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ("id", "kind", "title", "body", "data", "created_at", "read_at", "read")
        read_only_fields = fields

    def get_read(self, obj: Notification | Mapping[str, Any]) -> bool:
        # A model or its shown columns as a dict (the list reads ``values()``).
        read_at = obj["read_at"] if isinstance(obj, Mapping) else obj.read_at
        return read_at is not None


NotificationPageSerializer = envelope_serializer(
    "PaginatedNotificationList", NotificationSerializer(many=True)
)


class NotificationMarkReadSerializer(serializers.Serializer[dict[str, Any]]):
    ids = serializers.ListField(
        child=IdField(),
        required=False,
        max_length=500,
        help_text="Notification ids to mark read; omit to mark all unread ones.",
    )


class MarkedReadSerializer(serializers.Serializer[dict[str, Any]]):
    marked = serializers.IntegerField(help_text="How many notifications changed to read.")
    unread = serializers.IntegerField(help_text="How many remain unread.")
