"""The composition root's URL map. Domain URL modules are included by string,
so this module adds no import edges to them."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from core.http.domain import ApiIndexView
from core.site import console, health
from core.site import views as core_views
from core.site.graphql.view import graphql_view
from core.site.proofs.page import proofs_page

handler400 = "core.http.problems.bad_request"
handler403 = "core.http.problems.permission_denied"
handler404 = "core.http.problems.page_not_found"
handler500 = "core.http.problems.server_error"

api_v1 = [
    path("", ApiIndexView.as_view(), name="api-index"),
    path("auth/", include("core.identity.api.urls", namespace="auth")),
    path("shop/", include("shop.api.urls", namespace="shop")),
    path("social/", include("social.api.urls", namespace="social")),
    path("movies/", include("movies.api.urls", namespace="movies")),
    path("jobs/", include("jobs.api.urls", namespace="jobs")),
    path("polls/", include("polls.api.urls", namespace="polls")),
    path("proofs/", include("core.site.proofs.urls", namespace="proofs")),
]

urlpatterns = [
    path("", core_views.landing, name="landing"),
    # Server-rendered pages of the domains (included by string: no import edge).
    path("", include("polls.urls")),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("core/favicon.svg"))),
    path("demo/<slug:label>/", console.console_page, name="console"),
    path("proofs/", proofs_page, name="proofs"),
    path("problems/", core_views.problem_index, name="problems"),
    path("problems/<slug:code>/", core_views.problem_detail, name="problem"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # API docs under the strict CSP: Swagger UI's init script is its own request
    # (?script) and neither page has inline styles (core/swagger_ui.html, core/redoc.html).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="core/swagger_ui.html"
        ),
        name="swagger-ui",
    ),
    # ReDoc needs a few additions to the CSP; settings.CONTENT_SECURITY_POLICY_REDOC says why.
    path(
        "api/redoc/",
        csp_update(settings.CONTENT_SECURITY_POLICY_REDOC)(
            SpectacularRedocView.as_view(url_name="schema", template_name="core/redoc.html")
        ),
        name="redoc",
    ),
    path("graphql/", graphql_view, name="graphql"),
    path("health/live/", health.LiveView.as_view(), name="health-live"),
    path("health/ready/", health.ReadyView.as_view(), name="health-ready"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
