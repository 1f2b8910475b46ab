from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.http import Http404
from rest_framework.exceptions import NotAcceptable, NotFound
from rest_framework.negotiation import DefaultContentNegotiation

if TYPE_CHECKING:  # DRF's settings import this module while rest_framework.views loads
    from rest_framework.renderers import BaseRenderer
    from rest_framework.request import Request


class FallbackContentNegotiation(DefaultContentNegotiation):
    """Answer with the view's first renderer (JSON) when the ``Accept`` header
    matches none, instead of a 406: a browser asking for text/html gets JSON."""

    def filter_renderers(
        self, renderers: Iterable[BaseRenderer], format: str
    ) -> list[BaseRenderer]:
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
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        try:
            selected: tuple[BaseRenderer, str] = super().select_renderer(
                request, renderers, format_suffix
            )
            return selected
        except NotAcceptable:
            if format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE):
                raise  # an explicit ?format= that we cannot serve stays a 406
            renderer = next(iter(renderers))  # the view's first renderer: JSON
            return renderer, renderer.media_type
