"""A message for one user, shown in-app and optionally emailed."""

from __future__ import annotations

from django.db import models


class Notification(models.Model):
    """A message for one user, shown in-app and optionally delivered by email."""

    user = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="core_notif_user_recent"),
            models.Index(
                fields=["user"],
                name="core_notif_user_unread",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.user_id}"
