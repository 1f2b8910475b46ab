"""GraphiQL served from our own static files, under the site's CSP.

graphene-django's GraphiQL page loads React, GraphiQL and their styles from a
CDN, so without internet /graphql/ is a blank page, and the CDN would need a
hole in the Content-Security-Policy. ``graphene_django_graphiql_static`` ships
the same builds (GraphiQL 2.4.7, React 17) as static files together with their
Subresource Integrity hashes; our template (``core/graphiql.html``) loads them
from ``/static/`` and passes the page settings in an inline script that
carries this request's CSP nonce.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from graphene_django_graphiql_static.views import GraphiQLOfflineView

from core.http.manifest import domain_manifest

ME_QUERY = """# Add {"Authorization": "Bearer <access>"} under Headers.
query Me {
  me {
    username
    roles
    dateJoined
  }
}
"""


def graphql_example_query() -> str:
    """The document GraphiQL opens with (and the landing page shows): the first domain's
    manifest's ``graphql_example``, else core's ``me`` query."""
    for config in apps.get_app_configs():
        manifest = domain_manifest(config)
        if manifest is not None and manifest.graphql_example:
            return manifest.graphql_example
    return ME_QUERY


class OfflineGraphiQLMixin:
    """Mix into a ``GraphQLView`` (before it in the bases) to serve GraphiQL offline."""

    graphiql_template = "core/graphiql.html"

    # Subresource Integrity of each asset, as shipped by the package. graphene-django's
    # dispatch() hands these attributes to the template under the same names.
    whatwg_fetch_sri: str = GraphiQLOfflineView.whatwg_fetch_sri
    react_sri: str = GraphiQLOfflineView.react_sri
    react_dom_sri: str = GraphiQLOfflineView.react_dom_sri
    graphiql_sri: str = GraphiQLOfflineView.graphiql_sri
    graphiql_css_sri: str = GraphiQLOfflineView.graphiql_css_sri
    subscriptions_transport_ws_sri: str = GraphiQLOfflineView.subscriptions_transport_ws_sri
    graphiql_plugin_explorer_sri: str = GraphiQLOfflineView.graphiql_plugin_explorer_sri
    graphiql_plugin_explorer_css_sri: str = GraphiQLOfflineView.graphiql_plugin_explorer_css_sri

    # Asset (path under STATIC_URL) -> the attribute holding its SRI hash. The
    # template uses the same pairs; tests check each file against its hash.
    graphiql_assets: dict[str, str] = {
        "graphene_django_graphiql_static/fetch.umd.js": "whatwg_fetch_sri",
        "graphene_django_graphiql_static/react.production.min.js": "react_sri",
        "graphene_django_graphiql_static/react-dom.production.min.js": "react_dom_sri",
        "graphene_django_graphiql_static/graphiql.min.js": "graphiql_sri",
        "graphene_django_graphiql_static/graphiql.min.css": "graphiql_css_sri",
        "graphene_django_graphiql_static/graphql-ws.min.js": "subscriptions_transport_ws_sri",
        "graphene_django_graphiql_static/graphiql-plugin-explorer.umd.js": (
            "graphiql_plugin_explorer_sri"
        ),
        "graphene_django_graphiql_static/style.css": "graphiql_plugin_explorer_css_sri",
    }

    def render_graphiql(self, request: HttpRequest, **data: Any) -> HttpResponse:
        # Reading the nonce is what puts it into this response's CSP header.
        data["csp_nonce"] = str(getattr(request, "csp_nonce", ""))
        # core/graphiql-url.js opens the editor with it when the URL names no query.
        data["default_query"] = graphql_example_query()
        response: HttpResponse = super().render_graphiql(request, **data)  # type: ignore[misc]  # mixed into graphene-django's untyped view
        return response
