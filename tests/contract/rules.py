"""The rules of the contract (issue 17), as functions over the OpenAPI document and
the bodies the API answers: each returns what breaks it (an empty list when nothing
does), so a test names every violation at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.urls import Resolver404, resolve

from tests.helpers.openapi import Operation, datetimes
from tests.helpers.openapi import resolve as resolve_schema

ENVELOPE = ("results", "next", "previous")
ORIGIN = "http://testserver/"
MAX_PAGE_SIZE = 100
# The sort parameter orders a list; it filters nothing.
SORT_PARAMETER = "ordering"


def properties(document: dict[str, Any], schema: dict[str, Any] | None) -> dict[str, Any]:
    if not schema:
        return {}
    return {
        name: resolve_schema(document, prop)
        for name, prop in resolve_schema(document, schema).get("properties", {}).items()
    }


def is_list(document: dict[str, Any], operation: Operation) -> bool:
    """A collection: a GET whose 200 is an array, or an object with ``results``."""
    if operation.method != "GET":
        return False
    schema = operation.success_schema(document)
    if schema is None:
        return False
    return schema.get("type") == "array" or "results" in properties(document, schema)


def item_schema(document: dict[str, Any], operation: Operation) -> dict[str, Any] | None:
    """The schema of one item of a list."""
    schema = operation.success_schema(document)
    if schema is None:
        return None
    if schema.get("type") == "array":
        return resolve_schema(document, schema.get("items", {}))
    results = properties(document, schema).get("results")
    if results is None:
        return None
    return resolve_schema(document, results.get("items", {}))


def choices(document: dict[str, Any], parameter: dict[str, Any]) -> list[Any]:
    """The values an enum or boolean query parameter takes (no null)."""
    schema = resolve_schema(document, parameter.get("schema", {}))
    if schema.get("enum"):
        return [value for value in schema["enum"] if value is not None]
    kind = schema.get("type")
    if kind == "boolean" or (isinstance(kind, list) and "boolean" in kind):
        return [True, False]
    return []


def choice_parameters(document: dict[str, Any], operation: Operation) -> list[dict[str, Any]]:
    """The filters that take a choice: enum and boolean query parameters (the sort
    parameter, which filters nothing, aside)."""
    return [
        p
        for p in operation.query_parameters()
        if p["name"] != SORT_PARAMETER and choices(document, p)
    ]


# --- the list envelope ----------------------------------------------------------------------


def envelope_schema_violations(document: dict[str, Any], operation: Operation) -> list[str]:
    schema = operation.success_schema(document) or {}
    if schema.get("type") == "array":
        return ["documents a bare array, not {results, next, previous}"]
    found = properties(document, schema)
    problems = [f"documents no `{key}`" for key in ENVELOPE if key not in found]
    required = set(schema.get("required", []))
    problems += [
        f"`{key}` is not required" for key in ENVELOPE if key in found and key not in required
    ]
    if "count" in found:
        problems.append("documents `count`")
    return problems


def link_violation(name: str, value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.startswith(ORIGIN)):
        return None
    return f"`{name}` is {value!r}, not an absolute link ({ORIGIN}...) or null"


def envelope_violations(body: Any, documented: dict[str, Any]) -> list[str]:
    """A page: exactly the envelope and the extras its schema documents, links
    absolute or null."""
    if not isinstance(body, dict):
        return [f"the body is a {type(body).__name__}, not {{results, next, previous}}"]
    problems = [f"no `{key}`" for key in ENVELOPE if key not in body]
    extras = sorted(set(body) - set(ENVELOPE) - set(documented))
    if extras:
        problems.append(f"undocumented keys {extras}")
    if "count" in body:
        problems.append("a `count`")
    if not isinstance(body.get("results", []), list):
        problems.append("`results` is not an array")
    for key in ("next", "previous"):
        if key in body and (problem := link_violation(key, body[key])):
            problems.append(problem)
    return problems


# --- datetimes, links -------------------------------------------------------------------


def datetime_violations(body: Any) -> list[str]:
    return [f"{at} = {value!r}" for at, value in datetimes(body) if not value.endswith("Z")]


def _strings(body: Any, at: str = "$") -> Iterator[tuple[str, str]]:
    if isinstance(body, dict):
        for key, value in body.items():
            yield from _strings(value, f"{at}.{key}")
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from _strings(value, f"{at}[{index}]")
    elif isinstance(body, str):
        yield at, body


def relative_link_violations(body: Any) -> list[str]:
    """Strings that are a path of this API (they resolve to a view): a link the client
    would have to complete with an origin."""
    problems = []
    for at, value in _strings(body):
        if not value.startswith("/") or value.startswith("//") or " " in value:
            continue
        try:
            resolve(value.split("?", 1)[0])
        except Resolver404:
            continue
        problems.append(f"{at} = {value!r}")
    return problems


# --- resources with a status ----------------------------------------------------------------

STATUS_FIELDS = ("status", "state")


def resource_schema(document: dict[str, Any], operation: Operation) -> dict[str, Any] | None:
    """What the operation answers about: the body, or a list's item."""
    if is_list(document, operation):
        return item_schema(document, operation)
    return operation.success_schema(document)


def is_status_bearing(fields: dict[str, Any] | list[str]) -> bool:
    """A resource (it has an ``id``) with a status: ``status`` or ``state``. (A health
    probe's or a receipt's ``status`` is no resource's, and has no moves.)"""
    return "id" in fields and any(name in fields for name in STATUS_FIELDS)


def resources(body: Any, listed: bool) -> list[Any]:
    if listed:
        if isinstance(body, dict):
            return list(body.get("results", []))
        return list(body) if isinstance(body, list) else []
    return [body]


def transition_violations(resource: Any) -> list[str]:
    if not isinstance(resource, dict) or not is_status_bearing(list(resource)):
        return []
    moves = resource.get("allowed_transitions")
    name = f"id {resource.get('id')}"
    if moves is None:
        return [f"{name} has a status and no `allowed_transitions`"]
    if not isinstance(moves, list) or not all(isinstance(m, str) for m in moves):
        return [f"{name}: `allowed_transitions` is {moves!r}, not a list of statuses"]
    return []


# --- filters --------------------------------------------------------------------------------

_WORD = r"(?<![\w]){}(?![\w])"


def names(text: str, word: str) -> bool:
    return re.search(_WORD.format(re.escape(word)), text) is not None


def misnamed_filter(
    document: dict[str, Any], operation: Operation, parameter: dict[str, Any]
) -> str | None:
    """An enum filter that is not a field of the items nor of the envelope, while a
    field of the items takes its values: it filters that field under another name."""
    name = parameter["name"]
    if parameter.get("deprecated"):
        return None
    values = choices(document, parameter)
    if values == [True, False]:
        return None
    items = properties(document, item_schema(document, operation))
    envelope = properties(document, operation.success_schema(document))
    if name in items or name in envelope:
        return None
    for field_name, field in items.items():
        enum = set(field.get("enum") or [])
        if enum and set(values) <= enum:
            return f"`?{name}=` filters the items' `{field_name}`: name it `{field_name}`"
    return None
