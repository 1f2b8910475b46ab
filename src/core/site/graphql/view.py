"""The /graphql/ endpoint: GraphiQL in a browser, POSTed queries otherwise.

graphene-django's view parses JSON and documents without limits, runs only the
rules it is given (not graphql-core's standard ones) and lets some malformed
requests escape as 500s. This view keeps its GraphiQL page and replaces the
request handling, so every request is answered in bounded time:

- the query parameters of GraphQL over HTTP (``query``, ``variables``,
  ``operationName``), any other a 400 naming them, as REST refuses unknown ones;
- the same bearer token as REST (core.identity.authentication), a bad one a 401;
- the same anonymous and per-user throttles as REST, a 429 with Retry-After;
  a field refused by its own limit (``extensions.retryAfter``, e.g. a throttled
  mutation) makes the response a 429 with Retry-After too;
- bodies and ``variables`` through core's safe JSON (depth, NUL, 64-bit ints);
- documents refused by size (bytes) before parsing and by token count while
  parsing, then validated by graphql-core's standard rules plus depth, alias
  and field limits (core.site.graphql.validation), introspection included; a
  document that passed is kept by hash, so the same text sent again skips parsing
  and validation (core.site.graphql.documents);
- a resolver's unexpected exception is logged once with the request id and
  answered as "Internal server error", never its message;
- a write the database is too busy to take (SQLite's "database is locked") is a 503
  ``database_busy`` with Retry-After, the whole response, as in REST.

Every error has ``extensions.code`` from core's problem catalogue.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import OperationalError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView
from graphql import ExecutionResult, GraphQLError, execute, get_operation_ast, parse, validate
from graphql.language import OperationType
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from core.http import parsers
from core.http.catalogue import ProblemCode, ProblemError, lookup_problem
from core.http.outages import (
    DATABASE_BUSY_RETRY_AFTER,
    database_busy,
    database_busy_headers,
    log_busy,
)
from core.http.problems import specific_code
from core.http.query import unknown_parameter_message, unknown_parameters
from core.identity.authentication import JWTAuthentication
from core.identity.models import User
from core.site.graphql.documents import cached_document, document_key, remember_document
from core.site.graphql.graphiql import OfflineGraphiQLMixin
from core.site.graphql.validation import TOO_COMPLEX, validation_rules

logger = logging.getLogger(__name__)

# The query parameters GraphQL over HTTP takes (any other is a 400, as in REST).
GRAPHQL_PARAMETERS = frozenset({"query", "variables", "operationName"})

# Errors a resolver raises on purpose; their message is for the client.
_CLIENT_ERRORS = (GraphQLError, AssertionError, ValidationError, PermissionDenied)


class GraphQLRequestError(Exception):
    """A request refused before execution: the status, message and code to answer."""

    def __init__(self, status: int, message: str, code: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers or {}


def error_response(error: GraphQLRequestError) -> HttpResponse:
    body = {"errors": [{"message": error.message, "extensions": {"code": error.code}}]}
    response = HttpResponse(
        json.dumps(body, separators=(",", ":")),
        status=error.status,
        content_type="application/json",
    )
    for name, value in error.headers.items():
        response[name] = value
    return response


class NexusGraphQLView(OfflineGraphiQLMixin, GraphQLView):  # type: ignore[misc]  # graphene-django is untyped: Any base
    graphiql = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if request.method not in ("GET", "POST"):
                raise GraphQLRequestError(
                    405,
                    "GraphQL accepts GET and POST only.",
                    "method_not_allowed",
                    {"Allow": "GET, POST"},
                )
            self._check_parameters(request)
            self._authenticate(request)
            data = self.parse_body(request)
            if (
                self.graphiql
                and settings.GRAPHQL_GRAPHIQL
                and self.can_display_graphiql(request, data)
            ):
                return self.render_graphiql(request, **self._graphiql_context())
            self._throttle(request)
            query, variables, operation_name = self._params(request, data)
            result, status = self._run(request, query, variables, operation_name)
        except GraphQLRequestError as error:
            return error_response(error)
        response = HttpResponse(
            json.dumps(result, separators=(",", ":")),
            status=status,
            content_type="application/json",
        )
        if status in (429, 503):
            response["Retry-After"] = str(_retry_after(result))
        return response

    # --- request -> parameters ------------------------------------------------------

    @staticmethod
    def _check_parameters(request: HttpRequest) -> None:
        unknown = unknown_parameters(request.GET.keys(), GRAPHQL_PARAMETERS)
        if unknown:
            names = ", ".join(f"`{name[:40]}`" for name in unknown[:5])
            raise GraphQLRequestError(
                400,
                f"{names}: {unknown_parameter_message(GRAPHQL_PARAMETERS)}",
                "validation_error",
            )

    def _authenticate(self, request: HttpRequest) -> None:
        try:
            authenticated = JWTAuthentication().authenticate(request)  # type: ignore[arg-type]  # simplejwt reads only request.META
        except exceptions.APIException as exc:
            detail = exc.detail
            message = detail.get("detail") if isinstance(detail, dict) else detail
            code = specific_code(exc)
            raise GraphQLRequestError(
                401,
                str(message),
                code if isinstance(code, str) and lookup_problem(code) else "token_not_valid",
                {"WWW-Authenticate": 'Bearer realm="api"'},
            ) from exc
        # Only the bearer token counts: ignoring the session cookie makes the
        # csrf_exempt endpoint safe from cross-site requests.
        user = authenticated[0] if authenticated is not None else AnonymousUser()
        assert isinstance(user, User | AnonymousUser)  # core's JWTAuthentication loads a User
        request.user = user

    def _throttle(self, request: HttpRequest) -> None:
        """REST's default throttles (anonymous per address, per user), the same counters."""
        waits = []
        # DRF's settings object has imported the dotted paths the stubs type as strings.
        throttle_classes = cast(Sequence[type[BaseThrottle]], api_settings.DEFAULT_THROTTLE_CLASSES)
        for throttle_class in throttle_classes:
            throttle = throttle_class()
            # Core's throttles read only the request's user and META, which this one has.
            if not throttle.allow_request(request, self):  # type: ignore[arg-type]  # a Django request
                waits.append(throttle.wait())
        if waits:
            wait = max(1, int(max(w or 1 for w in waits) + 0.999))
            raise GraphQLRequestError(
                429,
                f"Request was throttled. Expected available in {wait} seconds.",
                "throttled",
                {"Retry-After": str(wait)},
            )

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        content_type = self.get_content_type(request)
        if content_type == "application/graphql":
            return {"query": self._text(request.body)}
        if content_type == "application/json":
            try:
                body = parsers.loads(self._text(request.body))
            except parsers.JSONInputError as exc:
                raise GraphQLRequestError(400, str(exc), "parse_error") from None
            if not isinstance(body, dict):
                raise GraphQLRequestError(
                    400,
                    "The body must be a JSON object with `query` (batches are not supported).",
                    "parse_error",
                )
            return body
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return request.POST.dict()
        return {}

    @staticmethod
    def _text(raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise GraphQLRequestError(400, "The body is not valid UTF-8.", "parse_error") from None

    def _params(
        self, request: HttpRequest, data: dict[str, Any]
    ) -> tuple[str, dict[str, Any] | None, str | None]:
        query = request.GET.get("query") or data.get("query")
        variables = request.GET.get("variables") or data.get("variables")
        operation_name = request.GET.get("operationName") or data.get("operationName")
        if not query:
            raise GraphQLRequestError(400, "Must provide a query string.", "bad_request")
        if not isinstance(query, str):
            raise GraphQLRequestError(400, "`query` must be a string.", "bad_request")
        if isinstance(variables, str):
            try:
                variables = parsers.loads(variables) if variables.strip() else None
            except parsers.JSONInputError as exc:
                raise GraphQLRequestError(
                    400, f"`variables` is not valid: {exc}", "parse_error"
                ) from None
        if variables is not None and not isinstance(variables, dict):
            raise GraphQLRequestError(400, "`variables` must be a JSON object.", "bad_request")
        if operation_name in ("", "null"):
            operation_name = None
        if operation_name is not None and not isinstance(operation_name, str):
            raise GraphQLRequestError(400, "`operationName` must be a string.", "bad_request")
        return query, variables, operation_name

    # --- parse, validate, execute ---------------------------------------------------

    def _run(
        self,
        request: HttpRequest,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
    ) -> tuple[dict[str, Any], int]:
        size = len(query.encode("utf-8", "surrogatepass"))
        if size > settings.GRAPHQL_MAX_QUERY_BYTES:
            raise GraphQLRequestError(
                400,
                f"The query is {size} bytes; the limit is {settings.GRAPHQL_MAX_QUERY_BYTES}.",
                TOO_COMPLEX["code"],
            )
        schema = self.schema.graphql_schema
        rules = validation_rules()
        key = document_key(schema, query, rules, settings.GRAPHQL_MAX_TOKENS)
        # A text that parsed and passed these rules before skips both (documents.py).
        document = cached_document(key)
        valid = document is not None
        if document is None:
            try:
                document = parse(query, max_tokens=settings.GRAPHQL_MAX_TOKENS)
            except GraphQLError as error:
                code = "query_too_complex" if "tokens" in error.message else "graphql_parse_failed"
                return self._errors([error], code), 400

        operation = get_operation_ast(document, operation_name)
        if (
            request.method == "GET"
            and operation is not None
            and operation.operation != OperationType.QUERY
        ):
            raise GraphQLRequestError(
                405,
                f"A {operation.operation.value} must be sent with POST.",
                "method_not_allowed",
                {"Allow": "POST"},
            )
        if not valid:
            errors = validate(schema, document, rules, graphene_settings.MAX_VALIDATION_ERRORS)
            if errors:
                return self._errors(errors, "graphql_validation_failed"), 400
            remember_document(key, document, size)

        options = {
            "root_value": self.get_root_value(request),
            "context_value": self.get_context(request),
            "variable_values": variables,
            "operation_name": operation_name,
            "middleware": self.get_middleware(request),
        }
        if operation is not None and operation.operation == OperationType.MUTATION:
            try:
                with transaction.atomic():
                    result = execute(schema, document, **options)
                    assert isinstance(result, ExecutionResult)  # no resolver is async
                    if result.errors or getattr(request, MUTATION_ERRORS_FLAG, False):
                        transaction.set_rollback(True)
            except OperationalError as exc:
                # SQLite's write lock, taken as the transaction begins (or at its commit).
                if not database_busy(exc):
                    raise
                log_busy(exc, request.path)
                busy = ProblemCode.DATABASE_BUSY
                raise GraphQLRequestError(
                    busy.status, busy.description, busy.code, database_busy_headers()
                ) from exc
        else:
            result = execute(schema, document, **options)
            assert isinstance(result, ExecutionResult)  # no resolver is async
        return self._result(result)

    def _result(self, result: ExecutionResult) -> tuple[dict[str, Any], int]:
        if not result.errors:
            return {"data": result.data}, 200
        formatted = [self.format_error(error) for error in result.errors]
        if any(not error.path for error in result.errors):
            # Errors before execution (variables that do not coerce): no data at all.
            for item in formatted:
                item.setdefault("extensions", {}).setdefault("code", "bad_request")
            return {"errors": formatted}, 400
        body = {"errors": formatted, "data": result.data}
        # A field the database was too busy to write, or refused by a rate limit (a
        # throttled mutation), makes the response what REST answers: a 503 or a 429 with
        # Retry-After, so HTTP clients back off without parsing.
        codes = {item.get("extensions", {}).get("code") for item in formatted}
        if ProblemCode.DATABASE_BUSY.code in codes:
            return body, ProblemCode.DATABASE_BUSY.status
        return body, 429 if _retry_after(body) else 200

    def _errors(self, errors: list[GraphQLError], code: str) -> dict[str, Any]:
        formatted = []
        for error in errors:
            item = self.format_error(error)
            item.setdefault("extensions", {}).setdefault("code", code)
            formatted.append(item)
        return {"errors": formatted}

    @staticmethod
    def format_error(error: Exception) -> dict[str, Any]:
        if not isinstance(error, GraphQLError):
            return {"message": str(error)}
        original = error.original_error
        if original is None or isinstance(original, _CLIENT_ERRORS):
            return dict(error.formatted)
        if isinstance(original, ProblemError):
            formatted = dict(error.formatted)
            formatted["message"] = original.detail
            extensions: dict[str, object] = {"code": original.problem.code, **original.extra}
            if original.retry_after:
                extensions["retryAfter"] = original.retry_after
            formatted["extensions"] = extensions
            return formatted
        if database_busy(original):
            log_busy(original, ".".join(str(part) for part in error.path or []))
            formatted = dict(error.formatted)
            formatted["message"] = ProblemCode.DATABASE_BUSY.description
            formatted["extensions"] = {
                "code": ProblemCode.DATABASE_BUSY.code,
                "retryAfter": DATABASE_BUSY_RETRY_AFTER,
            }
            return formatted
        if isinstance(original, ObjectDoesNotExist):
            formatted = dict(error.formatted)
            formatted["message"] = "Not found."
            formatted["extensions"] = {"code": "not_found"}
            return formatted
        # A bug: log it once, with its traceback and request id; tell the client nothing.
        logger.error(
            "unhandled exception in GraphQL resolver at %s",
            ".".join(str(part) for part in error.path or []),
            exc_info=(type(original), original, original.__traceback__),
        )
        formatted = dict(error.formatted)
        formatted["message"] = "Internal server error."
        formatted["extensions"] = {"code": "server_error"}
        return formatted

    def _graphiql_context(self) -> dict[str, Any]:
        """What graphene-django's template (and ours) expects."""
        return {
            "whatwg_fetch_version": self.whatwg_fetch_version,
            "whatwg_fetch_sri": self.whatwg_fetch_sri,
            "react_version": self.react_version,
            "react_sri": self.react_sri,
            "react_dom_sri": self.react_dom_sri,
            "graphiql_version": self.graphiql_version,
            "graphiql_sri": self.graphiql_sri,
            "graphiql_css_sri": self.graphiql_css_sri,
            "subscriptions_transport_ws_version": self.subscriptions_transport_ws_version,
            "subscriptions_transport_ws_sri": self.subscriptions_transport_ws_sri,
            "graphiql_plugin_explorer_version": self.graphiql_plugin_explorer_version,
            "graphiql_plugin_explorer_sri": self.graphiql_plugin_explorer_sri,
            "graphiql_plugin_explorer_css_sri": self.graphiql_plugin_explorer_css_sri,
            "subscription_path": self.subscription_path,
            "graphiql_header_editor_enabled": graphene_settings.GRAPHIQL_HEADER_EDITOR_ENABLED,
            "graphiql_should_persist_headers": graphene_settings.GRAPHIQL_SHOULD_PERSIST_HEADERS,
            "graphiql_input_value_deprecation": (
                graphene_settings.GRAPHIQL_INPUT_VALUE_DEPRECATION
            ),
        }


def _retry_after(body: dict[str, Any]) -> int:
    """The longest ``extensions.retryAfter`` (seconds) among the errors, 0 if none."""
    waits = [error.get("extensions", {}).get("retryAfter") for error in body.get("errors", [])]
    return max((wait for wait in waits if isinstance(wait, int) and wait > 0), default=0)


graphql_view = csrf_exempt(NexusGraphQLView.as_view())
