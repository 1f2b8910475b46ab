"""The router for every context's viewsets: path converters instead of regexes,
and ``<id:pk>`` by default, so a lookup never reaches the database with an id
out of range. A viewset looked up by slug sets ``lookup_value_converter = "slug"``."""

from __future__ import annotations

from rest_framework import routers

import core.http.converters  # noqa: F401  (registers the "id" converter)


class Router(routers.DefaultRouter):
    include_root_view = False  # each domain mounts core's DomainIndexView at its root

    def __init__(self, trailing_slash: bool = True) -> None:
        super().__init__(trailing_slash=trailing_slash, use_regex_path=False)
        self._default_value_pattern = "id"
