"""``/api/v1/auth/``: registration, tokens, the current user; the notifications
(``core.notifications``) are mounted here too, under the same ``auth`` namespace."""

from django.urls import include, path

from core.identity.api import views

app_name = "auth"

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("token/", views.TokenObtainPairView.as_view(), name="token"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="token-refresh"),
    path("token/blacklist/", views.TokenBlacklistView.as_view(), name="token-blacklist"),
    path("me/", views.MeView.as_view(), name="me"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    # Included by string: identity does not import the notifications above it.
    path("notifications/", include("core.notifications.api.urls")),
]
