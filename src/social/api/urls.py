from django.urls import path

from core.api.domain import DomainIndexView

app_name = "social"

urlpatterns = [
    path(
        "",
        DomainIndexView.as_view(domain="social", routes=lambda: urlpatterns),
        name="index",
    ),
]
