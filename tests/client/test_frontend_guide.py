"""docs/frontend.md cannot drift: its `js` blocks run, in order, as one Node script, twice
in a row, against the server `make run` starts (tests/core/make_run.py: its demo data and
throttles, no data of the test's own); its tables (problem codes, paginated lists,
idempotent operations, token lifetimes, CORS headers) are compared with the code and the
schema."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import timedelta

import pytest
from django.conf import settings

from tests.client.conftest import FRONTEND_ORIGIN, ROOT

GUIDE = ROOT / "docs" / "frontend.md"
BLOCK = re.compile(r"^```js\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def guide() -> str:
    return GUIDE.read_text()


def section(title: str) -> str:
    """The text of a `## title` section, up to the next one."""
    text = guide()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def table_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows[1:] if rows else rows  # without the header


def openapi() -> dict:
    return json.loads((ROOT / "openapi.json").read_text())


def unquote(cell: str) -> str:
    return cell.strip("`")


# --- the tables agree with the code -----------------------------------------------------


def test_the_guide_lists_every_problem_code_with_its_status():
    import config.schema
    import config.urls  # noqa: F401  (each context registers its codes when its views load)
    from core.http.catalogue import catalogue

    rows = {unquote(row[0]): row[1] for row in table_rows(section("Errors"))}
    expected = {p.code: str(p.status) if p.status else "any" for p in catalogue()}
    assert rows == expected, "docs/frontend.md's table under Errors lists each code once"


def _list_body(operation: dict) -> dict | None:
    """The 200 body schema of a GET answering the list envelope, or None."""
    spec = openapi()
    body = operation.get("responses", {}).get("200", {}).get("content", {})
    schema = body.get("application/json", {}).get("schema")
    while schema and "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    properties = set((schema or {}).get("properties", {}))
    return schema if {"results", "next", "previous"} <= properties else None


def test_the_guide_names_every_list_with_its_style_page_size_and_extras():
    expected = {}
    for path, item in openapi()["paths"].items():
        operation = item.get("get", {})
        body = _list_body(operation)
        if body is None:
            continue
        query = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        style = "cursor" if "cursor" in query else "page" if "page" in query else "none"
        maximum = str(query["page_size"]["schema"]["maximum"]) if "page_size" in query else "-"
        extras = sorted(set(body["properties"]) - {"results", "next", "previous"})
        expected[path] = (style, maximum, ", ".join(f"`{name}`" for name in extras) or "-")
    rows = {
        unquote(path): (style, maximum, extras)
        for path, style, maximum, extras in table_rows(section("Pagination"))
    }
    assert len(expected) >= 20
    assert rows == expected, "docs/frontend.md's table under Pagination: every list"


def test_every_list_documents_how_to_page_it():
    """A list whose body has `next` must document its `cursor` or `page` parameter and
    its `page_size`, or a typed client cannot ask for the next page (polls' list did
    not); and no list answers a bare array."""
    undocumented, bare = [], []
    for path, item in openapi()["paths"].items():
        operation = item.get("get")
        if not operation:
            continue
        body = operation.get("responses", {}).get("200", {}).get("content", {})
        if body.get("application/json", {}).get("schema", {}).get("type") == "array":
            bare.append(path)
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if _list_body(operation) and not (names & {"cursor", "page"} and "page_size" in names):
            undocumented.append(path)
    assert (undocumented, bare) == ([], [])


def test_the_guide_lists_the_operations_that_take_an_idempotency_key():
    operations = {
        f"{method.upper()} {path}"
        for path, item in openapi()["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
        and any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    rows = {unquote(row[0]) for row in table_rows(section("Idempotency keys"))}
    assert operations
    assert rows == operations, "docs/frontend.md's table under Idempotency keys"


def test_the_guide_states_the_token_lifetimes_and_cors_headers_of_the_settings():
    lifetimes = {row[0]: row[1] for row in table_rows(section("The token lifecycle"))}
    jwt = settings.SIMPLE_JWT
    assert jwt["ACCESS_TOKEN_LIFETIME"] == timedelta(minutes=int(lifetimes["access"].split()[0]))
    assert jwt["REFRESH_TOKEN_LIFETIME"] == timedelta(days=int(lifetimes["refresh"].split()[0]))
    assert jwt["ROTATE_REFRESH_TOKENS"]
    assert jwt["BLACKLIST_AFTER_ROTATION"]

    cors = " ".join(section("CORS").split()).lower()
    allowed = cors.split("allowed request headers:")[1].split(".")[0]
    readable = cors.split("may read besides the simple ones:")[1].split(". ")[0]
    assert {h.strip(" `") for h in allowed.split(",")} == set(settings.CORS_ALLOW_HEADERS)
    assert {h.strip(" `") for h in readable.split(",")} == {
        h.lower() for h in settings.CORS_EXPOSE_HEADERS
    }


# --- the examples run --------------------------------------------------------------------


def guide_script() -> tuple[str, int]:
    """The `js` blocks in order, as one ES module; each sets ``globalThis.guideBlock``
    first so a failure names its block."""
    text = guide()
    parts = [
        "process.on('exit', (code) => { if (code) console.error("
        "`docs/frontend.md: the js block at line ${globalThis.guideBlock} failed`); });"
    ]
    count = 0
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        parts.append(f"globalThis.guideBlock = {line};\n{match.group(1)}")
        count += 1
    parts.append(f"console.log('guide: {count} blocks ran');")
    return "\n".join(parts), count


def run_guide(node: str, server, path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [node, str(path)],
        env={"PATH": "/usr/bin:/bin", "NEXUS_URL": server.url},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


@pytest.mark.timeout(240)
def test_every_js_block_of_the_guide_runs_twice_in_a_row_against_make_run(
    node, make_run_server, tmp_path
):
    """As a reader would: the blocks in order, against what `make run` serves (its demo
    data, its throttles, nothing added), then once more on what the first run left."""
    script, count = guide_script()
    assert count >= 8, "the guide should have runnable examples for every domain"
    path = tmp_path / "guide.mjs"
    path.write_text(script)

    for attempt in ("first", "second"):
        result = run_guide(node, make_run_server, path)
        log = make_run_server.log.read_text()[-3000:]
        assert result.returncode == 0, (
            f"the {attempt} run failed:\n{result.stderr[-4000:]}\n--- stdout ---\n"
            f"{result.stdout[-3000:]}\n--- server log ---\n{log}"
        )
        assert f"guide: {count} blocks ran" in result.stdout


@pytest.mark.django_db
def test_a_configured_frontend_origin_may_send_and_read_what_the_guide_uses(app_server):
    """Outside demo mode an origin is allowed only when CORS_ALLOWED_ORIGINS lists it."""
    preflight = app_server.request(
        "OPTIONS",
        "/api/v1/shop/orders/",
        headers={
            "Origin": FRONTEND_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert preflight.status == 200
    assert preflight.header("Access-Control-Allow-Origin") == FRONTEND_ORIGIN
    allowed = {h.strip() for h in preflight.header("Access-Control-Allow-Headers").split(",")}
    assert {"authorization", "content-type", "idempotency-key", "last-event-id"} <= allowed


@pytest.mark.parametrize("origin", ["http://localhost:5173", "http://127.0.0.1:3000"])
def test_under_make_run_a_local_dev_server_may_call_the_api_and_read_its_headers(
    make_run_server, origin
):
    """What the README and the guide promise of `make run`: a page on any localhost
    port (Vite's :5173) gets its origin echoed, and its scripts may read the headers the
    guide reads; an origin elsewhere gets nothing."""
    preflight = make_run_server.request(
        "OPTIONS",
        "/api/v1/shop/orders/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert preflight.status == 200
    assert preflight.header("Access-Control-Allow-Origin") == origin

    response = make_run_server.request("GET", "/api/v1/shop/products/", headers={"Origin": origin})
    assert response.status == 200
    assert response.header("Access-Control-Allow-Origin") == origin
    exposed = {h.strip() for h in response.header("Access-Control-Expose-Headers").split(",")}
    assert {"RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-ID"} <= exposed
    assert response.header("RateLimit-Policy") == '"anon";q=120;w=60'

    stranger = make_run_server.request(
        "GET", "/api/v1/shop/products/", headers={"Origin": "https://evil.example"}
    )
    assert stranger.status == 200
    assert stranger.header("Access-Control-Allow-Origin") is None
