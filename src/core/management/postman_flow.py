"""The run order of the Postman collection: ``clients/postman/flow.json``.

``export_postman`` makes one request per OpenAPI operation; the flow file says, for each,
in which folder and at which place it runs, as whom, with which body, path variables and
query, what it must answer and which values it keeps for the requests after it. A
collection built from it runs whole: sign-in first, every id taken from an earlier
response, logout last.

An entry (``op`` is required; everything else is optional)::

    {"op": "POST /api/v1/shop/categories/", "as": "staff",
     "body": {"name": "Postman {{run}}", "slug": "postman-{{run}}"},
     "expect": 201, "check": {"slug": "postman-{{run}}"}, "save": {"categorySlug": "slug"}}

- ``as``: whose token goes with it: ``customer`` (the collection's ``accessToken``, the
  default), ``anonymous`` (none), or a name whose token a sign-in request saved as
  ``<name>Token`` (``staff``, ``employer``, ...);
- ``path``/``query``: values of the path variables (every one is required) and of the
  query parameters to send; ``body`` replaces the generated JSON body, where a string
  ``"{{#name}}"`` becomes the bare variable (a number in the JSON sent);
- ``expect``: the status (or list of statuses) it must answer, 200 by default; a 4xx the
  request means has a ``why``, which names its test;
- ``check``: the body field the test reads, a dotted path (``results``, ``items.0.id``):
  ``"path"`` must be present, ``{"path": value}`` must equal the value (``"{{name}}"``:
  a collection variable); ``contains`` checks a text body instead;
- ``save``: collection variables to set from dotted paths of the body;
- ``name`` names the request (an operation may run more than once under other names);
  ``prerequest`` is a pre-request script.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

FLOW = "clients/postman/flow.json"
_REPOSITORY = Path(__file__).resolve().parents[3]
_VARIABLE = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")
_NUMBER = re.compile(r'"\{\{#([A-Za-z_][A-Za-z0-9_]*)\}\}"')
_PRELUDE = [
    "const text = pm.response.text();",
    "let body = null;",
    "try { body = text ? JSON.parse(text) : null; } catch (error) { body = text; }",
    "const get = (value, path) => path.split('.').reduce("
    "(v, key) => (v === null || v === undefined ? undefined : v[key]), value);",
]


def load_flow(path: Path | None = None) -> dict[str, Any]:
    """The flow file (by default the repository's ``clients/postman/flow.json``)."""
    path = path or _REPOSITORY / FLOW
    flow: dict[str, Any] = json.loads(path.read_text())
    return flow


def operation_key(entry: dict[str, Any]) -> tuple[str, str]:
    method, _, path = str(entry["op"]).partition(" ")
    return method.lower(), path


def raw_json(value: Any) -> str:
    """JSON text of a body, with ``"{{#name}}"`` turned into the bare ``{{name}}``."""
    return _NUMBER.sub(r"{{\1}}", json.dumps(value, indent=2, ensure_ascii=False))


def _js(value: Any) -> str:
    """A JavaScript expression for an expected value: ``"{{name}}"`` reads the variable."""
    if isinstance(value, str):
        match = _VARIABLE.fullmatch(value)
        if match:
            return f"pm.collectionVariables.get({json.dumps(match.group(1))})"
        if _VARIABLE.search(value):
            return "pm.variables.replaceIn(" + json.dumps(value) + ")"
    return json.dumps(value, ensure_ascii=False)


def _is_variable(value: Any) -> bool:
    return isinstance(value, str) and _VARIABLE.fullmatch(value) is not None


def expected_statuses(entry: dict[str, Any]) -> list[int]:
    expect = entry.get("expect", 200)
    return [int(code) for code in (expect if isinstance(expect, list) else [expect])]


def test_script(entry: dict[str, Any]) -> list[str]:
    """The request's test: its status, one field of its body, then what it saves."""
    statuses = expected_statuses(entry)
    title = " or ".join(str(code) for code in statuses)
    if entry.get("why"):
        title += f": {entry['why']}"
    lines = [
        *_PRELUDE,
        f"pm.test({json.dumps(title, ensure_ascii=False)}, function () {{",
        f"    pm.expect(pm.response.code).to.be.oneOf({json.dumps(statuses)});",
        "});",
    ]
    lines += _body_test(entry, statuses)
    for name, source in entry.get("save", {}).items():
        lines.append(
            f"pm.collectionVariables.set({json.dumps(name)}, get(body, {json.dumps(source)}));"
        )
    return lines


def _body_test(entry: dict[str, Any], statuses: list[int]) -> list[str]:
    check = entry.get("check")
    if "contains" in entry:
        text = json.dumps(entry["contains"])
        return [
            f"pm.test({json.dumps('the body contains ' + entry['contains'])}, function () {{",
            f"    pm.expect(text).to.include({text});",
            "});",
        ]
    if check is None:
        if statuses != [204]:
            raise ValueError(f"{entry['op']}: a request that answers a body checks a field")
        return [
            'pm.test("no body", function () {',
            '    pm.expect(text).to.equal("");',
            "});",
        ]
    if isinstance(check, str):
        return [
            f"pm.test({json.dumps('the body has ' + check)}, function () {{",
            f"    pm.expect(get(body, {json.dumps(check)})).to.not.be.oneOf([undefined, null]);",
            "});",
        ]
    ((path, value),) = check.items()
    actual = f"get(body, {json.dumps(path)})" if path else "body"
    title = f"{path or 'the body'} is {json.dumps(value, ensure_ascii=False)}"
    return [
        f"pm.test({json.dumps(title, ensure_ascii=False)}, function () {{",
        f"    pm.expect({actual}).to.eql({_js(value)});"
        if not _is_variable(value)
        # A saved variable may come back as a string: compare ids as text.
        else f"    pm.expect(String({actual})).to.equal(String({_js(value)}));",
        "});",
    ]


def apply_entry(item: dict[str, Any], entry: dict[str, Any], operation: dict[str, Any]) -> None:
    """Fill a generated request in with the entry: name, auth, URL values, body, scripts."""
    request = item["request"]
    if entry.get("name"):
        item["name"] = entry["name"]
    who = entry.get("as", "customer")
    if who == "anonymous":
        request["auth"] = {"type": "noauth"}
    elif who != "customer":
        request["auth"] = {
            "type": "bearer",
            "bearer": [{"key": "token", "value": "{{" + who + "Token}}", "type": "string"}],
        }
    else:
        request.pop("auth", None)
    _fill_url(request["url"], entry)
    if "body" in entry:
        request["body"] = {
            "mode": "raw",
            "raw": raw_json(entry["body"]),
            "options": {"raw": {"language": "json"}},
        }
        if not any(h["key"] == "Content-Type" for h in request["header"]):
            request["header"].append({"key": "Content-Type", "value": "application/json"})
    events = []
    if entry.get("prerequest"):
        events.append(_event(item["id"] + "-pre", "prerequest", entry["prerequest"]))
    events.append(_event(item["id"] + "-test", "test", test_script(entry)))
    item["event"] = events


def _fill_url(url: dict[str, Any], entry: dict[str, Any]) -> None:
    values = entry.get("path", {})
    for variable in url.get("variable", []):
        if not values.get(variable["key"]):
            raise ValueError(f"{entry['op']}: no value for the path variable {variable['key']}")
        variable["value"] = values[variable["key"]]
    query = entry.get("query", {})
    known = {parameter["key"] for parameter in url.get("query", [])}
    unknown = set(query) - known
    if unknown:
        raise ValueError(f"{entry['op']}: no query parameter {sorted(unknown)}")
    sent = []
    for parameter in url.get("query", []):
        if parameter["key"] in query:
            parameter["value"] = str(query[parameter["key"]])
            parameter.pop("disabled", None)
            sent.append(f"{parameter['key']}={parameter['value']}")
    if sent:
        url["raw"] = url["raw"].split("?")[0] + "?" + "&".join(sent)


def _event(identifier: str, listen: str, lines: list[str]) -> dict[str, Any]:
    return {
        "listen": listen,
        "script": {"id": identifier, "type": "text/javascript", "exec": lines},
    }
