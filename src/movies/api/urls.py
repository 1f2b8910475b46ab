from django.urls import path

from core.api.domain import DomainIndexView

app_name = "movies"

urlpatterns = [
    path(
        "",
        DomainIndexView.as_view(domain="movies", routes=lambda: urlpatterns),
        name="index",
    ),
]
