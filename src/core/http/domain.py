"""``GET /api/v1/<domain>/``: each domain's entry point, listing its resources.

A domain's ``api/urls.py`` is ``urlpatterns = domain_urls("<domain>", [...routes])``:
the index comes first, at the root, and its resource links are built from those named
routes, so the index stays true as the domain grows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.apps import apps
from django.urls import NoReverseMatch, URLPattern, URLResolver, path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.links import absolute_url, link
from core.http.manifest import domain_manifest

_DomainIndex = inline_serializer(
    name="DomainIndex",
    fields={
        "domain": serializers.CharField(),
        "name": serializers.CharField(),
        "summary": serializers.CharField(),
        "docs": serializers.URLField(help_text="This domain's operations in Swagger UI."),
        "graphql": serializers.URLField(required=False, allow_null=True),
        "resources": serializers.DictField(
            child=serializers.URLField(), help_text="Route name -> absolute URL."
        ),
    },
)


class DomainIndexView(APIView):
    permission_classes = [permissions.AllowAny]
    domain: str = ""
    routes: Callable[[], Sequence[URLPattern | URLResolver]] = staticmethod(lambda: ())

    def get_view_description(self, html: bool = False) -> str:
        return f"Entry point of the {self.domain} API."

    @extend_schema(
        summary="Domain index",
        description="What this domain offers: a summary, its docs and links to its resources.",
        responses={200: _DomainIndex},
    )
    def get(self, request: Request) -> Response:
        config = apps.get_app_config(self.domain)
        manifest = domain_manifest(config)
        if manifest is None:
            raise LookupError(f"{self.domain} is not a domain (no nexus_domain manifest)")
        resources: dict[str, str] = {}
        for route in self.routes():
            if not isinstance(route, URLPattern) or not route.name or route.name == "index":
                continue
            try:
                resources[route.name] = link(request, f"{self.domain}:{route.name}")
            except NoReverseMatch:  # routes that need an id are reached from their list
                continue
        graphql = manifest.graphql
        return Response(
            {
                "domain": self.domain,
                "name": str(config.verbose_name),
                "summary": manifest.summary,
                "docs": absolute_url(request, f"/api/docs/#/{self.domain}"),
                "graphql": absolute_url(request, graphql) if graphql else None,
                "resources": resources,
            }
        )


def domain_urls(
    domain: str, routes: list[URLPattern | URLResolver]
) -> list[URLPattern | URLResolver]:
    """A domain's ``urlpatterns``: its index at the root (``<domain>:index``), then
    ``routes``, which the index lists."""
    index = DomainIndexView.as_view(domain=domain, routes=lambda: routes)
    return [path("", index, name="index"), *routes]
