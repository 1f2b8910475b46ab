"""``manage.py export_postman openapi.json out.json``: a Postman collection (v2.1) built
from the exported OpenAPI schema, with the auth flow pre-wired.

- one folder per OpenAPI tag, one request per operation (``{{baseUrl}}`` and
  ``:param`` path variables; query parameters listed but disabled; a JSON body
  built from the request schema's example or its properties);
- collection-level bearer auth with ``{{accessToken}}``; operations the schema marks
  public send no token;
- a first folder, "Start here: sign in", with Login (its test script stores
  ``accessToken`` and ``refreshToken`` in collection variables), Who am I, Refresh
  (stores the rotated pair) and Logout (blacklists the refresh token, clears both);
- ``Idempotency-Key`` headers get ``{{$guid}}``, a new key per send.

Written here rather than with openapi-to-postmanv2: the output is deterministic (ids
derive from operation ids, so ``make client`` reproduces it byte for byte and
tests/client can detect drift without Node), and the auth scripts are ours anyway.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.site.demo import DEMO_ACCOUNTS

SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
NAMESPACE = uuid.UUID("5b1f4f36-0d57-4d7b-9a43-6c6f0b1e2a11")
METHODS = ("get", "post", "put", "patch", "delete")
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# The demo customer of `make run` (core.site.demo); change the variables for another account.
DEMO = next(account for account in DEMO_ACCOUNTS if account.username == "demo_customer")

LOGIN_PATH = "/api/v1/auth/token/"
REFRESH_PATH = "/api/v1/auth/token/refresh/"
LOGOUT_PATH = "/api/v1/auth/token/blacklist/"
ME_PATH = "/api/v1/auth/me/"
START_HERE = "Start here: sign in"

_STORE_PAIR = [
    "const body = pm.response.json();",
    'pm.test("a token pair is returned", function () {',
    "    pm.response.to.have.status(200);",
    '    pm.expect(body.access).to.be.a("string");',
    '    pm.expect(body.refresh).to.be.a("string");',
    "});",
    'pm.collectionVariables.set("accessToken", body.access);',
    'pm.collectionVariables.set("refreshToken", body.refresh);',
]
SCRIPTS: dict[tuple[str, str], list[str]] = {
    ("post", LOGIN_PATH): _STORE_PAIR,
    ("post", REFRESH_PATH): _STORE_PAIR,
    ("get", ME_PATH): [
        'pm.test("the access token is accepted", function () {',
        "    pm.response.to.have.status(200);",
        '    pm.expect(pm.response.json().username).to.be.a("string");',
        "});",
    ],
    ("post", LOGOUT_PATH): [
        'pm.test("the refresh token is blacklisted", function () {',
        "    pm.response.to.have.status(200);",
        "});",
        'pm.collectionVariables.set("accessToken", "");',
        'pm.collectionVariables.set("refreshToken", "");',
    ],
}
# Bodies that use the collection's variables instead of placeholders.
BODIES: dict[tuple[str, str], dict[str, str]] = {
    ("post", LOGIN_PATH): {"username": "{{username}}", "password": "{{password}}"},
    ("post", REFRESH_PATH): {"refresh": "{{refreshToken}}"},
    ("post", LOGOUT_PATH): {"refresh": "{{refreshToken}}"},
}
# The first folder, in order, and the names its requests go by.
START_HERE_NAMES = {
    ("post", LOGIN_PATH): "Login",
    ("get", ME_PATH): "Who am I",
    ("post", REFRESH_PATH): "Refresh",
    ("post", LOGOUT_PATH): "Logout",
}
START_HERE_ORDER = list(START_HERE_NAMES)


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
    if (method, path) in BODIES:
        return _raw_json(BODIES[(method, path)])
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
    script = SCRIPTS.get((method, path))
    if script:
        item["event"] = [
            {
                "listen": "test",
                "script": {
                    "id": _id(operation["operationId"], "test"),
                    "type": "text/javascript",
                    "exec": script,
                },
            }
        ]
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


def build_collection(spec: dict[str, Any]) -> dict[str, Any]:
    """The Postman v2.1 collection for an OpenAPI 3 document (a dict)."""
    tags = [tag["name"] for tag in spec.get("tags", [])]
    folders: dict[str, list[dict[str, Any]]] = {tag: [] for tag in tags}
    start_here: dict[tuple[str, str], dict[str, Any]] = {}
    for path, path_item in spec["paths"].items():
        for method in METHODS:
            operation = path_item.get(method)
            if operation is None:
                continue
            item = _item(spec, method, path, operation)
            if (method, path) in START_HERE_NAMES:
                item["name"] = START_HERE_NAMES[(method, path)]
                start_here[(method, path)] = item
                continue
            tag = (operation.get("tags") or ["other"])[0]
            folders.setdefault(tag, []).append(item)
    missing = [key for key in START_HERE_ORDER if key not in start_here]
    if missing:
        raise ValueError(f"the schema has no operation for {missing}")
    tag_descriptions = {tag["name"]: tag.get("description", "") for tag in spec.get("tags", [])}
    items: list[dict[str, Any]] = [
        {
            "id": _id("folder", START_HERE),
            "name": START_HERE,
            "description": "Run Login first: it stores `accessToken` and `refreshToken` in the "
            "collection variables, and every other request sends `Bearer {{accessToken}}`. "
            "When the access token expires (401 `token_expired`), run Refresh: the refresh "
            "token rotates (the old one is blacklisted). Logout blacklists it.",
            "item": [start_here[key] for key in START_HERE_ORDER],
        }
    ]
    for tag, tag_items in folders.items():
        if not tag_items:
            continue
        items.append(
            {
                "id": _id("folder", tag),
                "name": tag,
                "description": tag_descriptions.get(tag, ""),
                "item": tag_items,
            }
        )
    items.append(
        {
            "id": _id("folder", "graphql"),
            "name": "graphql",
            "description": "GraphQL (social domain) at /graphql/.",
            "item": [_graphql_item()],
        }
    )
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
            {"key": "accessToken", "value": "", "type": "string"},
            {"key": "refreshToken", "value": "", "type": "string"},
        ],
        "item": items,
    }


def render(spec: dict[str, Any]) -> str:
    return json.dumps(build_collection(spec), indent=2, ensure_ascii=False) + "\n"


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
