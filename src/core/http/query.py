"""Query parameters: every operation takes the parameters its OpenAPI operation
documents, and anything else is a 400 ``validation_error`` naming the unknown ones and
the ones it allows, rather than a filter silently ignored (``?state=`` where the API
said ``?status=``).

The allowed set of an operation is read from the generated schema itself
(``allowed_parameters``): the filter serializers, paginator parameters and
``extend_schema`` parameters that document it, deprecated aliases included, so the
documentation and the check cannot diverge. ``core.http.middleware.
QueryParameterMiddleware`` applies it to every request an operation serves; a view
outside the OpenAPI schema (GraphQL) names its own with ``unknown_parameters``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Iterable, Mapping
from typing import Any

# Parameters every endpoint tolerates: DRF's format override (``?format=json``), which
# picks a renderer rather than filtering anything.
ALWAYS_ALLOWED = frozenset({"format"})
UNKNOWN_PARAMETER = "unknown_parameter"  # each unknown name's error code
_SHOWN = 5  # unknown parameters named in one answer
_NAME = 40  # characters of a parameter name echoed back

# A path template with its parameters blanked: `/polls/{id}/` (OpenAPI) and
# `polls/<id:pk>/` (a Django route) both become `/polls/{}/`.
_OPENAPI_PARAMETER = re.compile(r"\{[^}/]+\}")
_ROUTE_PARAMETER = re.compile(r"<[^>/]+>")


def unknown_parameters(given: Iterable[str], allowed: Collection[str]) -> list[str]:
    """The names in ``given`` that ``allowed`` does not list (nor ``ALWAYS_ALLOWED``)."""
    return sorted(set(given) - set(allowed) - ALWAYS_ALLOWED)


def unknown_parameter_message(allowed: Collection[str]) -> str:
    names = ", ".join(sorted(set(allowed) - ALWAYS_ALLOWED))
    return f"Unknown parameter; use: {names}." if names else "This operation takes no parameters."


def unknown_parameter_errors(
    given: Iterable[str], allowed: Collection[str]
) -> dict[str, list[dict[str, str]]]:
    """``errors`` of the 400 for the unknown names among ``given`` (``{}`` when none),
    as the problem details' ``errors`` member carries them."""
    message = unknown_parameter_message(allowed)
    return {
        name[:_NAME]: [{"message": message, "code": UNKNOWN_PARAMETER}]
        for name in unknown_parameters(given, allowed)[:_SHOWN]
    }


# --- the allowed parameters of each operation, from the OpenAPI schema -----------------


def operation_key(template: str) -> str:
    """One spelling for an OpenAPI path (``/api/v1/polls/polls/{id}/``) and the Django
    route it comes from (``api/v1/polls/polls/<id:pk>/``): parameters blanked."""
    template = _ROUTE_PARAMETER.sub("{}", _OPENAPI_PARAMETER.sub("{}", template))
    return template if template.startswith("/") else "/" + template


def _query_parameters(operation: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(
        parameter["name"]
        for parameter in operation.get("parameters", ())
        if parameter.get("in") == "query"
    )


def parameters_by_operation(schema: Mapping[str, Any]) -> dict[tuple[str, str], frozenset[str]]:
    """``(operation key, METHOD) -> query parameter names`` for every operation of an
    OpenAPI document."""
    table: dict[tuple[str, str], frozenset[str]] = {}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if isinstance(operation, Mapping) and "responses" in operation:
                table[operation_key(path), method.upper()] = _query_parameters(operation)
    return table


_tables: dict[str | None, dict[tuple[str, str], frozenset[str]]] = {}
_lock = threading.Lock()


def _table(urlconf: str | None) -> dict[tuple[str, str], frozenset[str]]:
    table = _tables.get(urlconf)
    if table is None:
        with _lock:
            table = _tables.get(urlconf)
            if table is None:
                from drf_spectacular.settings import spectacular_settings

                generator = spectacular_settings.DEFAULT_GENERATOR_CLASS(urlconf=urlconf)
                table = parameters_by_operation(generator.get_schema(request=None, public=True))
                _tables[urlconf] = table
    return table


def is_ready(urlconf: str | None = None) -> bool:
    """Whether the table for ``urlconf`` is built (the first call builds it: the schema
    generation, about half a second, once per process)."""
    return urlconf in _tables


def allowed_parameters(
    route: str, method: str, urlconf: str | None = None
) -> frozenset[str] | None:
    """The query parameters the operation at ``route`` (a Django route, as
    ``request.resolver_match.route`` gives it) takes with ``method``; None when the
    schema documents no such operation (a page, the admin, a method it answers 405)."""
    method = "GET" if method.upper() == "HEAD" else method.upper()
    return _table(urlconf).get((operation_key(route), method))
