"""Bench-only URLconf: every product URL, plus the ceilings bench/movies_run.py
measures next to the API in the same run.

Both are minimal Django views (no DRF view, no serializer) that pay what the API pays
before its read (bench/ceilings.py): the bearer token checked by the same class, and
REST's default throttles on the same counters.

- ``/bench/movies/raw/recommendations/``: the token's user's cached list, the same
  one the API serves them (the same ``core.cache.versioned`` entry with the model
  version beside it, read as the API reads it: one round trip), encoded with
  ``json.dumps``.
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
from core.cache.versioned import lookup_beside, peek, query_part
from movies.cache_keys import (
    CATALOG_NAMESPACE,
    MODEL_VERSION_KEY,
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
    namespace, parts = recommendations_namespace(user.pk), recommendations_parts(None)
    entry, _, raw_version = lookup_beside(namespace, parts, MODEL_VERSION_KEY)
    version = int(raw_version) if raw_version is not None else current_version()
    ranked = isinstance(entry, tuple) and len(entry) == 2 and entry[0] == version
    items = entry[1][:PAGE_SIZE] if ranked else []
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
