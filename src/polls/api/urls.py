from django.urls import path

from core.api.domain import DomainIndexView

app_name = "polls"

urlpatterns = [
    path(
        "",
        DomainIndexView.as_view(domain="polls", routes=lambda: urlpatterns),
        name="index",
    ),
]
