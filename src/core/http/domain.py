"""``GET /api/v1/<domain>/``: each domain's entry point, listing its resources; and
``GET /api/v1/``, the API's, listing the domains (``ApiIndexView``).

A domain's ``api/urls.py`` is ``urlpatterns = domain_urls("<domain>", [...routes])``:
the index comes first, at the root, and its resource links are built from those named
routes, so the index stays true as the domain grows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.apps import apps
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, path
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


# --- GET /api/v1/ ---------------------------------------------------------------------

_ApiDomain = inline_serializer(
    name="ApiDomain",
    fields={
        "name": serializers.CharField(),
        "summary": serializers.CharField(),
        "index": serializers.URLField(help_text="The domain's index: its resources."),
        "docs": serializers.URLField(help_text="This domain's operations in Swagger UI."),
        "graphql": serializers.URLField(allow_null=True),
    },
)
_ApiIndex = inline_serializer(
    name="ApiIndex",
    fields={
        "domains": serializers.DictField(
            child=_ApiDomain, help_text="Domain (as in `/api/v1/<domain>/`) -> what it offers."
        ),
        "auth": serializers.DictField(
            child=serializers.URLField(),
            help_text="Registration, tokens, the current user and their notifications: "
            "route name -> absolute URL.",
        ),
        "schema": serializers.URLField(help_text="This OpenAPI schema."),
        "docs": serializers.URLField(help_text="Swagger UI."),
        "redoc": serializers.URLField(help_text="ReDoc."),
        "graphql": serializers.URLField(help_text="The GraphQL endpoint (GraphiQL in a browser)."),
    },
)


def _named_routes(namespace: str) -> list[str]:
    """The names of the routes of ``namespace`` that take no argument, included ones
    (without a namespace of their own) too, in declaration order."""
    _, resolver = get_resolver().namespace_dict[namespace]
    names: list[str] = []
    pending: list[URLPattern | URLResolver] = list(resolver.url_patterns)
    while pending:
        route = pending.pop(0)
        if isinstance(route, URLResolver):
            if route.namespace is None:
                pending[:0] = list(route.url_patterns)
            continue
        if route.name and not route.pattern.regex.groups:
            names.append(route.name)
    return names


class ApiIndexView(APIView):
    """``GET /api/v1/``: where a client starts, every link absolute. The domains come
    from their manifests (``core.http.manifest``), so a new domain is listed as soon as
    its app is installed."""

    permission_classes = [permissions.AllowAny]

    def get_view_description(self, html: bool = False) -> str:
        return "Entry point of the API."

    @extend_schema(
        operation_id="api_retrieve",
        tags=["api"],
        summary="API index",
        description="Every domain with its index, docs and GraphQL endpoint; the "
        "authentication endpoints; the schema, the docs and the GraphQL endpoint.",
        responses={200: _ApiIndex},
    )
    def get(self, request: Request) -> Response:
        domains = {}
        for config in apps.get_app_configs():
            manifest = domain_manifest(config)
            if manifest is None:
                continue
            label = config.label
            domains[label] = {
                "name": str(config.verbose_name),
                "summary": manifest.summary,
                "index": link(request, f"{label}:index"),
                "docs": link(request, "swagger-ui") + f"#/{label}",
                "graphql": absolute_url(request, manifest.graphql) if manifest.graphql else None,
            }
        return Response(
            {
                "domains": domains,
                "auth": {name: link(request, f"auth:{name}") for name in _named_routes("auth")},
                "schema": link(request, "schema"),
                "docs": link(request, "swagger-ui"),
                "redoc": link(request, "redoc"),
                "graphql": link(request, "graphql"),
            }
        )
