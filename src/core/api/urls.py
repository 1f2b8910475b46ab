from django.urls import path

from core.api import views

app_name = "auth"

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("token/", views.TokenObtainPairView.as_view(), name="token"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="token-refresh"),
    path("token/blacklist/", views.TokenBlacklistView.as_view(), name="token-blacklist"),
    path("me/", views.MeView.as_view(), name="me"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/read/",
        views.NotificationMarkReadView.as_view(),
        name="notifications-read",
    ),
]
