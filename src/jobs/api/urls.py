from django.urls import path

from core.api.domain import DomainIndexView

app_name = "jobs"

urlpatterns = [
    path(
        "",
        DomainIndexView.as_view(domain="jobs", routes=lambda: urlpatterns),
        name="index",
    ),
]
