"""Links in API bodies: every URL the API returns is absolute (scheme and host of the
request, as the pagination's ``next`` is), so a client follows any link as it comes,
whichever host or proxy it reached the API through."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol
from urllib.parse import urlencode

from django.urls import reverse


class _Request(Protocol):
    """Django's request, or DRF's (which passes the call on)."""

    def build_absolute_uri(self, location: str | None = None) -> str: ...


def absolute_url(request: _Request, location: str) -> str:
    """``location`` (a path like ``/api/docs/``, or a URL) as an absolute URL."""
    return request.build_absolute_uri(location)


def link(
    request: _Request, viewname: str, *args: object, query: Mapping[str, str] | None = None
) -> str:
    """The absolute URL of a named route: ``link(request, "polls:results", 7)``, with
    ``query`` as its query string (``:`` and ``/`` stay as they are: a query may hold
    them, and signed tokens do)."""
    path = reverse(viewname, args=args)
    if query:
        path = f"{path}?{urlencode(query, safe=':/')}"
    return absolute_url(request, path)
