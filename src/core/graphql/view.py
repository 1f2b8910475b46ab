"""The /graphql/ endpoint: GraphiQL in a browser, POSTed queries otherwise.

The same bearer token as REST authenticates here; a bad token is a 401 with
a GraphQL-shaped error. Limits from ``validation`` apply to every request.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication

from core.graphql.validation import validation_rules


class NexusGraphQLView(GraphQLView):
    graphiql = True

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validation_rules", validation_rules())
        super().__init__(**kwargs)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            authenticated = JWTAuthentication().authenticate(request)  # type: ignore[arg-type]
        except exceptions.APIException as exc:
            detail = exc.detail
            message = detail.get("detail") if isinstance(detail, dict) else detail
            code = exc.get_codes()
            if isinstance(code, dict):
                code = code.get("code", "token_not_valid")
            body = {"errors": [{"message": str(message), "extensions": {"code": code}}]}
            response = HttpResponse(json.dumps(body), status=401, content_type="application/json")
            response["WWW-Authenticate"] = 'Bearer realm="api"'
            return response
        # Only the bearer token counts: ignoring the session cookie makes the
        # csrf_exempt endpoint safe from cross-site requests.
        request.user = authenticated[0] if authenticated is not None else AnonymousUser()
        return super().dispatch(request, *args, **kwargs)


graphql_view = csrf_exempt(NexusGraphQLView.as_view())
