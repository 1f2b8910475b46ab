"""Bench-only URLconf: every product URL, plus the ceilings bench/movies_run.py
measures next to the API in the same run.

Both are minimal Django views (no DRF view, no serializer) that pay what the API pays
before its read (bench/ceilings.py): the bearer token checked by the same class, and
REST's default throttles on the same counters.

- ``/bench/movies/raw/recommendations/``: the token's user's cached list, the same
  one the API serves them (the same ``core.cache.versioned`` entry, read as the API
  reads it: one round trip), encoded with ``json.dumps``.
- ``/bench/movies/raw/movies/?search=...``: the same cached catalog page as the API
  when it is cached, read as the API reads it (anonymous, as the API is called).
"""

from __future__ import annotations

import json

from ceilings import checked
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as product_urlpatterns
from core.cache.versioned import peek, query_part
from movies.cache_keys import (
    CATALOG_NAMESPACE,
    SHAPE,
    recommendations_namespace,
    recommendations_parts,
)
from movies.selectors import current_version

PAGE_SIZE = 20  # the API's default page


def raw_recommendations(request: HttpRequest) -> HttpResponse:
    user, refused = checked(request)
    if refused is not None:
        return refused
    user_id = user.pk
    version = current_version()
    parts = recommendations_parts(version, None)
    items = peek(recommendations_namespace(user_id), parts, default=[])[:PAGE_SIZE]
    body = {"results": items, "next": None, "previous": None, "model_version": version}
    return HttpResponse(json.dumps(body), content_type="application/json")


def raw_movies(request: HttpRequest) -> HttpResponse:
    _, refused = checked(request, anonymous=True)
    if refused is not None:
        return refused
    query = query_part(dict(request.GET.lists()))
    parts = ["list", SHAPE, request.build_absolute_uri("/"), query]  # as movies.selectors
    body = peek(CATALOG_NAMESPACE, parts, default={})
    return HttpResponse(json.dumps(body), content_type="application/json")


urlpatterns = [
    path("bench/movies/raw/recommendations/", raw_recommendations),
    path("bench/movies/raw/movies/", raw_movies),
    *product_urlpatterns,
]
