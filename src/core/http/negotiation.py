from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework.exceptions import NotAcceptable, NotFound
from rest_framework.negotiation import DefaultContentNegotiation


class FallbackContentNegotiation(DefaultContentNegotiation):
    """Answer with the view's first renderer (JSON) when the ``Accept`` header
    matches none, instead of a 406: a browser asking for text/html gets JSON."""

    def filter_renderers(self, renderers: list[Any], format: str) -> list[Any]:
        """An unknown ``?format=`` is a 404 problem that names the formats there are."""
        try:
            return super().filter_renderers(renderers, format)
        except Http404:
            known = ", ".join(sorted({renderer.format for renderer in renderers}))
            raise NotFound(
                f"No representation in format {format[:40]!r} here; use one of: {known}, "
                "or leave `format` out."
            ) from None

    def select_renderer(
        self, request: Any, renderers: list[Any], format_suffix: str | None = None
    ) -> tuple[Any, str]:
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            if format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE):
                raise  # an explicit ?format= that we cannot serve stays a 406
            renderer = renderers[0]
            return renderer, renderer.media_type
