"""``manage.py export_postman openapi.json out.json``: a Postman collection (v2.1) built
from the exported OpenAPI schema, that runs whole (newman over every request).

- one request per operation (``{{baseUrl}}`` and ``:param`` path variables; query
  parameters listed, disabled unless sent; a JSON body built from the request schema's
  example or its properties), collection-level bearer auth with ``{{accessToken}}``;
- the folders, their order and each request's account, values and test come from
  ``clients/postman/flow.json`` (``core.management.postman_flow``): "Start here: sign in"
  first (Login stores ``accessToken`` and ``refreshToken``, the demo accounts of the other
  roles sign in), then the domains, creates before the reads, updates and deletes of what
  they made (ids chained through collection variables), and "Finish: sign out" (Logout
  blacklists the refresh token) last; every request tests its status and a body field;
- ``Idempotency-Key`` headers get ``{{$guid}}``, a new key per send.

Written here rather than with openapi-to-postmanv2: the output is deterministic (ids
derive from operation ids, so ``make client`` reproduces it byte for byte and
tests/client can detect drift without Node), and the flow is ours anyway.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.management.postman_flow import FLOW, apply_entry, load_flow, operation_key
from core.site.demo import DEMO_ACCOUNTS

SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
NAMESPACE = uuid.UUID("5b1f4f36-0d57-4d7b-9a43-6c6f0b1e2a11")
METHODS = ("get", "post", "put", "patch", "delete")
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# The demo customer of `make run` (core.site.demo); change the variables for another account.
DEMO = next(account for account in DEMO_ACCOUNTS if account.username == "demo_customer")

START_HERE = "Start here: sign in"
FINISH = "Finish: sign out"


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _sample(spec: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    """A placeholder value of the schema's shape: its example, default or first enum
    value when it has one, else one of its type (objects: their required properties)."""
    schema = _resolve(spec, schema)
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v not in ("", None)), schema["enum"][0])
    for combined in ("allOf", "oneOf", "anyOf"):
        if schema.get(combined):
            return _sample(spec, schema[combined][0], depth)
    kind = _type(schema)
    if kind == "object" or "properties" in schema:
        return _sample_object(spec, schema, depth)
    if kind == "array":
        return [_sample(spec, schema.get("items", {}), depth + 1)]
    return _sample_scalar(schema, kind)


def _type(schema: dict[str, Any]) -> str | None:
    """The schema's type; of a JSON Schema type array (OpenAPI 3.1: ``["string", "null"]``
    for a nullable string), the first that is not null."""
    kind = schema.get("type")
    if isinstance(kind, list):
        return next((k for k in kind if k != "null"), None)
    return kind


def _sample_object(spec: dict[str, Any], schema: dict[str, Any], depth: int) -> dict[str, Any]:
    """Its required properties (or its first), each sampled; nothing past four levels."""
    if depth > 3:
        return {}
    required = schema.get("required", [])
    properties = schema.get("properties", {})
    names = [name for name in properties if name in required] or list(properties)[:1]
    return {
        name: _sample(spec, properties[name], depth + 1)
        for name in names
        if not properties[name].get("readOnly")
    }


def _sample_scalar(schema: dict[str, Any], kind: str | None) -> Any:
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return "2030-01-01T00:00:00Z"
    return ""


def _body(
    spec: dict[str, Any], method: str, path: str, operation: dict[str, Any]
) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        media = content["application/json"]
        examples = media.get("examples") or {}
        if examples:
            value = next(iter(examples.values())).get("value")
        else:
            value = _sample(spec, media.get("schema", {}))
        return _raw_json(value)
    if "multipart/form-data" in content:
        schema = _resolve(spec, content["multipart/form-data"].get("schema", {}))
        fields = []
        for name, prop in schema.get("properties", {}).items():
            prop = _resolve(spec, prop)
            is_file = prop.get("format") == "binary"
            field = {"key": name, "type": "file" if is_file else "text"}
            if is_file:
                field["src"] = []
            else:
                field["value"] = ""
            if prop.get("description"):
                field["description"] = prop["description"]
            fields.append(field)
        return {"mode": "formdata", "formdata": fields}
    return None


def _raw_json(value: Any) -> dict[str, Any]:
    return {
        "mode": "raw",
        "raw": json.dumps(value, indent=2),
        "options": {"raw": {"language": "json"}},
    }


def _url(path: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    segments = []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            segment = ":" + segment[1:-1]
        segments.append(segment)
    url: dict[str, Any] = {
        "raw": "{{baseUrl}}/" + "/".join(segments) + "/",
        "host": ["{{baseUrl}}"],
        "path": [*segments, ""],
    }
    query = [
        {
            "key": p["name"],
            "value": "",
            "disabled": True,
            **({"description": p["description"]} if p.get("description") else {}),
        }
        for p in parameters
        if p["in"] == "query"
    ]
    if query:
        url["query"] = query
    variables = [
        {
            "key": p["name"],
            "value": "",
            **({"description": p["description"]} if p.get("description") else {}),
        }
        for p in parameters
        if p["in"] == "path"
    ]
    if variables:
        url["variable"] = variables
    return url


def _is_public(spec: dict[str, Any], operation: dict[str, Any]) -> bool:
    security = operation.get("security", spec.get("security"))
    # No requirement at all, or only the empty one: the operation takes no token.
    return security is None or all(not requirement for requirement in security)


def _item(
    spec: dict[str, Any], method: str, path: str, operation: dict[str, Any]
) -> dict[str, Any]:
    parameters = operation.get("parameters", [])
    headers: list[dict[str, str | bool]] = [{"key": "Accept", "value": "application/json"}]
    for parameter in parameters:
        if parameter["in"] == "header":
            value = "{{$guid}}" if parameter["name"].lower() == "idempotency-key" else ""
            headers.append(
                {
                    "key": parameter["name"],
                    "value": value,
                    **({"disabled": True} if not value else {}),
                    "description": parameter.get("description", ""),
                }
            )
    request: dict[str, Any] = {
        "method": method.upper(),
        "header": headers,
        "url": _url(path, parameters),
        "description": operation.get("description", ""),
    }
    body = _body(spec, method, path, operation)
    if body is not None:
        if body["mode"] == "raw":
            headers.append({"key": "Content-Type", "value": "application/json"})
        request["body"] = body
    if _is_public(spec, operation):
        request["auth"] = {"type": "noauth"}
    item: dict[str, Any] = {
        "id": _id(operation["operationId"]),
        "name": operation.get("summary") or operation["operationId"],
        "request": request,
        "response": [],
    }
    return item


def _graphql_item() -> dict[str, Any]:
    return {
        "id": _id("graphql", "me"),
        "name": "GraphQL: who am I",
        "request": {
            "method": "POST",
            "header": [{"key": "Content-Type", "value": "application/json"}],
            "url": {
                "raw": "{{baseUrl}}/graphql/",
                "host": ["{{baseUrl}}"],
                "path": ["graphql", ""],
            },
            "body": {
                "mode": "graphql",
                "graphql": {"query": "query Me {\n  me {\n    username\n    roles\n  }\n}"},
            },
            "description": "The social domain's GraphQL endpoint takes the same bearer token "
            "(schema: schema.graphql at the repository root).",
        },
        "response": [],
    }


def _operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): path_item[method]
        for path, path_item in spec["paths"].items()
        for method in METHODS
        if method in path_item
    }


def _folders(spec: dict[str, Any], flow: dict[str, Any]) -> list[dict[str, Any]]:
    """The flow's folders, in its order, each request made from its operation."""
    operations = _operations(spec)
    tag_descriptions = {tag["name"]: tag.get("description", "") for tag in spec.get("tags", [])}
    seen: set[tuple[str, str]] = set()
    folders = []
    for folder in flow["folders"]:
        items = []
        for entry in folder["requests"]:
            key = operation_key(entry)
            if key == ("post", "/graphql/"):
                item = _graphql_item()
                operation: dict[str, Any] = {}
            elif key in operations:
                operation = operations[key]
                item = _item(spec, *key, operation)
            else:
                raise ValueError(f"{FLOW}: {entry['op']} is not an operation of the schema")
            if key in seen:  # the same operation again, under its own name
                item["id"] = _id(operation.get("operationId", "graphql"), entry["name"])
            seen.add(key)
            apply_entry(item, entry, operation)
            items.append(item)
        folders.append(
            {
                "id": _id("folder", folder["name"]),
                "name": folder["name"],
                "description": folder.get("description")
                or tag_descriptions.get(folder["name"], ""),
                "item": items,
            }
        )
    missing = sorted(f"{m.upper()} {p}" for m, p in set(operations) - seen)
    if missing:
        raise ValueError(f"{FLOW} has no entry for {missing}: say where each runs, as whom")
    return folders


def _saved_variables(folders: list[dict[str, Any]]) -> list[str]:
    """The collection variables the requests' tests set, in order of first use."""
    names: list[str] = []
    for folder in folders:
        for item in folder["item"]:
            for event in item.get("event", []):
                for line in event["script"]["exec"]:
                    if line.startswith("pm.collectionVariables.set("):
                        name = json.loads(line.split("(", 1)[1].split(",", 1)[0])
                        if name not in names:
                            names.append(name)
    return names


def build_collection(spec: dict[str, Any], flow: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Postman v2.1 collection for an OpenAPI 3 document (a dict), in the order of
    the flow (``clients/postman/flow.json`` by default)."""
    items = _folders(spec, flow if flow is not None else load_flow())
    names = [folder["name"] for folder in items]
    if names[0] != START_HERE or names[-1] != FINISH:
        raise ValueError(f"{FLOW}: the first folder is {START_HERE!r}, the last {FINISH!r}")
    info = spec["info"]
    return {
        "info": {
            "_postman_id": _id("collection", info["title"]),
            "name": info["title"],
            "description": f"{info.get('description', '')}\n\nGenerated by `make client` from "
            "openapi.json (version " + info.get("version", "") + "); do not edit by hand.",
            "schema": SCHEMA_URL,
        },
        "auth": {
            "type": "bearer",
            "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}],
        },
        "variable": [
            {"key": "baseUrl", "value": DEFAULT_BASE_URL, "type": "string"},
            {"key": "username", "value": DEMO.username, "type": "string"},
            {"key": "password", "value": DEMO.password, "type": "string"},
            *(
                {"key": name, "value": "", "type": "string"}
                for name in _saved_variables(items)
                if name not in ("username", "password")
            ),
        ],
        "item": items,
    }


def render(spec: dict[str, Any], flow: dict[str, Any] | None = None) -> str:
    return json.dumps(build_collection(spec, flow), indent=2, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write a Postman v2.1 collection generated from an exported OpenAPI schema."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("schema", help="the OpenAPI document (JSON), e.g. openapi.json")
        parser.add_argument("output", help="where to write the collection")

    def handle(self, *args: Any, **options: Any) -> None:
        spec = json.loads(Path(options["schema"]).read_text())
        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(render(spec))
        self.stdout.write(f"Wrote {output}")
