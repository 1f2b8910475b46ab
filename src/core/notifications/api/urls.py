"""The notifications' routes, included by ``core.identity.api.urls`` under
``/api/v1/auth/notifications/`` in the ``auth`` namespace."""

from django.urls import path

from core.notifications.api import views

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="notifications"),
    path("read/", views.NotificationMarkReadView.as_view(), name="notifications-read"),
]
