"""Server-rendered pages: the landing page and the problem-type pages."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_safe

from core.http.catalogue import catalogue, lookup_problem
from core.http.manifest import domain_manifest
from core.site.demo import DEMO_ACCOUNTS
from core.site.graphql.graphiql import graphql_example_query

logger = logging.getLogger(__name__)


def _domains() -> list[dict[str, Any]]:
    """Domain apps describe themselves on their AppConfig (``nexus_domain``, a
    ``DomainManifest``). A manifest may name a function (``links``) returning live demo
    links, e.g. an open demo poll's page; a failing one (no tables yet) just shows no
    links."""
    domains = []
    for config in apps.get_app_configs():
        manifest = domain_manifest(config)
        if manifest is None:
            continue
        links: list[dict[str, str]] = []
        if manifest.links:
            try:
                links = import_string(manifest.links)()
            except Exception:
                logger.exception("landing links of %s failed", config.label)
        domains.append(
            {
                "label": config.label,
                "name": config.verbose_name,
                "summary": manifest.summary,
                "graphql": manifest.graphql,
                "console": (
                    reverse("console", kwargs={"label": config.label}) if manifest.console else None
                ),
                "links": links,
            }
        )
    return domains


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    context = {
        "domains": _domains(),
        "graphql_example_url": "/graphql/?" + urlencode({"query": graphql_example_query()}),
        "example_query": graphql_example_query(),
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
