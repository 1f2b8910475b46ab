"""The domain consoles' shell: ``/demo/<label>/`` renders the template a domain names in
its manifest (``DomainManifest.console``), which extends ``core/console.html``.

Core owns everything the five consoles share: the page layout, the account switcher,
the sign-in form, the access token (held in the page's memory only), the request log and
the fetch helper (``core/console.js``). A domain adds one template and one script of its
own, and calls the public API like any frontend would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from core.http.manifest import DomainManifest, domain_manifest
from core.site.demo import DEMO_ACCOUNTS


@dataclass(frozen=True)
class Console:
    label: str
    name: str
    manifest: DomainManifest

    @property
    def path(self) -> str:
        return reverse("console", kwargs={"label": self.label})


def consoles() -> list[Console]:
    """Every domain that has a console, in app order."""
    found = []
    for config in apps.get_app_configs():
        manifest = domain_manifest(config)
        if manifest is not None and manifest.console:
            found.append(Console(config.label, str(config.verbose_name), manifest))
    return found


def console_config(request: HttpRequest, console: Console) -> dict[str, Any]:
    """What ``core/console.js`` reads from the page (``json_script``): the API's root, the
    domain, and in demo mode the public demo accounts it signs in with one click."""
    demo = bool(settings.NEXUS_DEMO_MODE)
    return {
        "domain": console.label,
        "api": request.build_absolute_uri("/api/v1/"),
        "demo": demo,
        "default_account": console.manifest.console_account if demo else None,
        "accounts": [
            {
                "username": account.username,
                "password": account.password,
                "roles": list(account.roles) + (["staff"] if account.staff else []),
                "note": account.note,
            }
            for account in DEMO_ACCOUNTS
            if not account.superuser
        ]
        if demo
        else [],
    }


@require_safe
def console_page(request: HttpRequest, label: str) -> HttpResponse:
    every = consoles()
    console = next((found for found in every if found.label == label), None)
    if console is None or console.manifest.console is None:
        raise Http404(label)
    return render(
        request,
        console.manifest.console,
        {
            "console": console,
            "consoles": every,
            "console_config": console_config(request, console),
        },
    )
