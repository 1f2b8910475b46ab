"""Reading the OpenAPI document the API serves, and the wire formats it promises:
its operations (``GET /api/v1/shop/products/``), its schemas resolved and as
JSON Schema 2020-12 validators, the datetimes in a JSON body, and Server-Sent Events
parsed as OpenAPI 3.2 models them (one object per event: ``data``, ``event``, ``id``,
``retry``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "HTTP_METHODS",
    "Operation",
    "datetimes",
    "operations",
    "parse_sse",
    "resolve",
    "validator",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_BASE = "urn:nexus:openapi"

# An RFC 3339 date-time (seconds optional, so a shortened one is caught too).
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?"
)


@dataclass(frozen=True)
class Operation:
    """One operation of the document: ``label`` is ``METHOD /path``."""

    method: str
    path: str
    definition: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def query_parameters(self) -> list[dict[str, Any]]:
        return [p for p in self.definition.get("parameters", []) if p.get("in") == "query"]

    def success_schema(self, document: dict[str, Any]) -> dict[str, Any] | None:
        """The resolved JSON schema of its first documented 2xx response, if it has one."""
        for status, response in sorted(self.definition.get("responses", {}).items()):
            if status.startswith("2"):
                media = response.get("content", {}).get("application/json")
                if media and "schema" in media:
                    return resolve(document, media["schema"])
        return None


def operations(document: dict[str, Any]) -> list[Operation]:
    return [
        Operation(method.upper(), path, definition)
        for path, item in document.get("paths", {}).items()
        for method, definition in item.items()
        if method in HTTP_METHODS
    ]


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow ``#/...`` references (and a lone ``allOf`` wrapper) to the schema itself,
    keeping what sits beside them (a description)."""
    while True:
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            node = {**target, **siblings}
        elif list(node.get("allOf", ())) and len(node["allOf"]) == 1 and "properties" not in node:
            node = {**node["allOf"][0], **{k: v for k, v in node.items() if k != "allOf"}}
        else:
            return node


def _rebase(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _BASE + value
            if key == "$ref" and isinstance(value, str) and value.startswith("#")
            else _rebase(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rebase(item) for item in node]
    return node


def validator(document: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A JSON Schema 2020-12 validator (OpenAPI 3.1's dialect) for ``schema``, whose
    ``#/components/...`` references resolve in ``document``."""
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_BASE, resource)
    return jsonschema.Draft202012Validator(_rebase(schema), registry=registry)


def datetimes(body: Any, at: str = "$") -> Iterator[tuple[str, str]]:
    """Every string in a JSON body that is an RFC 3339 date-time, with its JSON path."""
    if isinstance(body, dict):
        for key, value in body.items():
            yield from datetimes(value, f"{at}.{key}")
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from datetimes(value, f"{at}[{index}]")
    elif isinstance(body, str) and _DATETIME.fullmatch(body):
        yield at, body


_SSE_LINE = re.compile(r"\r\n|\r|\n")


def parse_sse(text: str) -> list[dict[str, Any]]:
    """The events of a ``text/event-stream`` body, each as the object OpenAPI 3.2's
    ``itemSchema`` describes (WHATWG's parsing: ``data`` lines joined with newlines,
    ``event`` ``message`` when unnamed, the last ``id`` carried to events without one,
    a numeric ``retry`` kept); comments and blocks without data are not events."""
    events: list[dict[str, Any]] = []
    fields: dict[str, Any] = {}
    data: list[str] = []
    last_id: str | None = None
    for line in [*_SSE_LINE.split(text.removeprefix("\ufeff")), ""]:
        if line == "":
            if data:
                event: dict[str, Any] = {"data": "\n".join(data), "event": "message"}
                event.update(fields)
                if last_id is not None:
                    event["id"] = last_id
                events.append(event)
            fields, data = {}, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event" and value:
            fields["event"] = value
        elif name == "id" and "\x00" not in value:
            last_id = value
        elif name == "retry" and value.isdigit():
            fields["retry"] = int(value)
    return events
