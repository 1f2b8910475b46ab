"""Server-rendered pages: the landing page and the problem-type pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.demo import DEMO_ACCOUNTS
from core.error_codes import catalogue, lookup_problem

EXAMPLE_QUERY = """# Add {"Authorization": "Bearer <access>"} under Headers.
query Me {
  me {
    username
    roles
    dateJoined
  }
}
"""


def _domains() -> list[dict[str, str]]:
    """Domain apps describe themselves on their AppConfig (``nexus_domain``)."""
    domains = []
    for config in apps.get_app_configs():
        info = getattr(config, "nexus_domain", None)
        if info:
            domains.append({"label": config.label, "name": config.verbose_name, **info})
    return domains


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    context = {
        "domains": _domains(),
        "graphql_example_url": "/graphql/?" + urlencode({"query": EXAMPLE_QUERY}),
        "example_query": EXAMPLE_QUERY,
        "demo_mode": settings.NEXUS_DEMO_MODE,
        "demo_accounts": DEMO_ACCOUNTS if settings.NEXUS_DEMO_MODE else [],
    }
    return render(request, "core/landing.html", context)


@require_safe
def problem_index(request: HttpRequest) -> HttpResponse:
    return render(request, "core/problems.html", {"problems": catalogue()})


@require_safe
def problem_detail(request: HttpRequest, code: str) -> HttpResponse:
    problem = lookup_problem(code)
    if problem is None:
        raise Http404(code)
    return render(request, "core/problems.html", {"problems": [problem], "single": True})
