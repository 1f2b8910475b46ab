"""``/proofs/``: each proof as a card with a Run button, and "Run all" (core/proofs.js
calls the API as any client would; core/console.js logs each call). Demo mode only."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from core.site.proofs.registry import proofs


@require_safe
def proofs_page(request: HttpRequest) -> HttpResponse:
    if not settings.NEXUS_DEMO_MODE:
        raise Http404("proofs")
    cards = [
        {
            "name": found.name,
            "title": found.title,
            "description": found.description,
            "test": found.test,
            "run": request.build_absolute_uri(reverse("proofs:run", args=[found.name])),
        }
        for found in proofs()
    ]
    # What core/console.js reads: the API's root; no accounts (the proofs act as nobody).
    config = {
        "domain": "proofs",
        "api": request.build_absolute_uri(reverse("api-index")),
        "demo": True,
        "default_account": None,
        "accounts": [],
    }
    return render(request, "core/proofs.html", {"proofs": cards, "console_config": config})
