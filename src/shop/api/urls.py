from django.urls import path

from core.api.domain import DomainIndexView

app_name = "shop"

urlpatterns = [
    path(
        "",
        DomainIndexView.as_view(domain="shop", routes=lambda: urlpatterns),
        name="index",
    ),
]
