"""CORS for the configured frontends only, and the security headers on every response."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

FRONTEND = "https://app.example.org"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cors(settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONTEND]


@pytest.mark.django_db
@pytest.mark.usefixtures("cors")
def test_preflight_from_an_allowed_origin_allows_the_bearer_header(client):
    response = client.options(
        "/api/v1/auth/me/",
        HTTP_ORIGIN=FRONTEND,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, idempotency-key",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    allowed = response["Access-Control-Allow-Headers"]
    assert "authorization" in allowed
    assert "idempotency-key" in allowed


@pytest.mark.django_db
@pytest.mark.usefixtures("cors")
def test_responses_expose_the_request_id_to_the_frontend(client):
    response = client.get("/api/v1/shop/", HTTP_ORIGIN=FRONTEND)

    assert response["Access-Control-Allow-Origin"] == FRONTEND
    assert "X-Request-ID" in response["Access-Control-Expose-Headers"]


@pytest.mark.django_db
@pytest.mark.usefixtures("cors")
def test_other_origins_get_no_cors_headers(client):
    response = client.get("/api/v1/shop/", HTTP_ORIGIN="https://evil.example.com")

    assert "Access-Control-Allow-Origin" not in response


# --- demo mode: any local frontend -------------------------------------------------------

VITE = "http://localhost:5173"


def preflight(client, origin: str):
    return client.options(
        "/api/v1/auth/me/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, traceparent, tracestate",
    )


@pytest.mark.django_db
def test_demo_mode_lets_a_dev_server_on_localhost_preflight_and_read(client, settings):
    """The suite runs in demo mode, as `make run` does, with no CORS_ALLOWED_ORIGINS."""
    settings.CORS_ALLOWED_ORIGINS = []
    checked = preflight(client, VITE)
    response = client.get("/api/v1/shop/", HTTP_ORIGIN=VITE)

    assert checked.status_code == 200
    assert checked["Access-Control-Allow-Origin"] == VITE  # echoed, never *
    assert {"authorization", "traceparent", "tracestate"} <= {
        name.strip() for name in checked["Access-Control-Allow-Headers"].split(",")
    }
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == VITE
    exposed = {
        name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")
    }
    assert {"ratelimit", "ratelimit-policy", "retry-after", "x-request-id"} <= exposed
    assert "ratelimit" in {name.lower() for name in response.headers}  # there to be read


@pytest.mark.django_db
@pytest.mark.parametrize(
    "origin",
    ["http://127.0.0.1:3000", "https://localhost", "http://[::1]:8080", "https://127.0.0.1:4443"],
)
def test_demo_mode_allows_any_local_port_and_scheme(client, settings, origin):
    settings.CORS_ALLOWED_ORIGINS = []

    assert preflight(client, origin)["Access-Control-Allow-Origin"] == origin
    assert client.get("/api/v1/shop/", HTTP_ORIGIN=origin)["Access-Control-Allow-Origin"] == origin


@pytest.mark.django_db
@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost.evil.com",
        "http://localhost:5173.evil.com",
        "http://evil.com:5173",
        "http://example.com",
        "http://127.0.0.1.nip.io",
        "http://localhost:5173\n",
        "ftp://localhost",
        "null",
    ],
)
def test_demo_mode_allows_no_other_origin(client, settings, origin):
    settings.CORS_ALLOWED_ORIGINS = []

    assert "Access-Control-Allow-Origin" not in preflight(client, origin)
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/shop/", HTTP_ORIGIN=origin)


def test_production_allows_only_the_listed_origins_even_in_demo_mode():
    """Production settings, with demo mode on or off: the listed frontend gets its
    origin echoed, a local dev server gets nothing."""
    script = (
        "from django.test import Client\n"
        "for origin in ('https://app.example.org', 'http://localhost:5173'):\n"
        "    response = Client().options('/api/v1/auth/me/', HTTP_ORIGIN=origin,"
        " HTTP_ACCESS_CONTROL_REQUEST_METHOD='GET', secure=True, HTTP_HOST='nexus.example.org')\n"
        "    print(origin, response.headers.get('Access-Control-Allow-Origin'))\n"
    )
    for demo in ("true", "false"):
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", script],
            cwd=ROOT,
            env={
                "PATH": os.environ["PATH"],
                "PYTHONPATH": str(ROOT / "src"),
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "DJANGO_SECRET_KEY": "k" * 60,
                "DJANGO_ALLOWED_HOSTS": "nexus.example.org",
                "CORS_ALLOWED_ORIGINS": "https://app.example.org",
                "NEXUS_DEMO_MODE": demo,
            },
            capture_output=True,
            text=True,
            timeout=120,
        )

        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [
            "https://app.example.org https://app.example.org",
            "http://localhost:5173 None",
        ]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/v1/shop/", "/api/v1/nope/"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# --- Content-Security-Policy ------------------------------------------------------

STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'", "data:"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
# Every HTML page but ReDoc, which adds to the policy (tested on its own below).
STRICT_HTML_PAGES = [
    "/",
    "/problems/",
    "/problems/not_found/",
    "/api/docs/",
    "/graphql/",
    "/admin/login/",
]


def parse_policy(header: str) -> dict[str, set[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: set(sources) for name, *sources in directives}


def without_nonce(sources: set[str]) -> set[str]:
    return {source for source in sources if not source.startswith("'nonce-")}


def nonce_of(policy: dict[str, set[str]]) -> str | None:
    nonces = {s[7:-1] for s in policy.get("script-src", set()) if s.startswith("'nonce-")}
    assert len(nonces) <= 1
    return nonces.pop() if nonces else None


def assert_strict_policy(response, *, extra: dict[str, set[str]] | None = None) -> None:
    """The strict policy (plus ``extra`` sources), and every inline script in the
    page carries the nonce the header allows."""
    assert "Content-Security-Policy" in response, response.request["PATH_INFO"]
    policy = parse_policy(response["Content-Security-Policy"])
    expected = {name: set(sources) for name, sources in STRICT.items()}
    for name, sources in (extra or {}).items():
        expected[name] = expected.get(name, set()) | sources
    assert {name: without_nonce(sources) for name, sources in policy.items()} == expected
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]

    body = response.content.decode()
    inline_scripts = re.findall(r"<script(?![^>]*\ssrc=)([^>]*)>", body)
    nonce = nonce_of(policy)
    for attributes in inline_scripts:
        assert nonce is not None, f"inline <script{attributes}> but no nonce in the policy"
        assert f'nonce="{nonce}"' in attributes
    assert "<style" not in body  # inline styles need 'unsafe-inline' (or a nonce)


@pytest.mark.django_db
@pytest.mark.parametrize("path", STRICT_HTML_PAGES)
def test_html_pages_send_the_strict_content_security_policy(client, path):
    response = client.get(path, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert_strict_policy(response)


@pytest.mark.django_db
def test_redoc_adds_its_nonce_style_hashes_and_blob_worker_only(client):
    response = client.get("/api/redoc/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert_strict_policy(
        response,
        extra={
            "style-src": {
                "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
                "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
            },
            "worker-src": {"'self'", "blob:"},
        },
    )
    policy = parse_policy(response["Content-Security-Policy"])
    nonce = nonce_of(policy)
    assert f"'nonce-{nonce}'" in policy["style-src"]
    # ReDoc gets the nonce from the script that starts it.
    assert f'nonce="{nonce}"' in response.content.decode()


@pytest.mark.django_db
def test_api_docs_and_graphiql_load_nothing_from_other_hosts(client):
    for path in ("/graphql/", "/api/docs/", "/api/redoc/"):
        body = client.get(path, HTTP_ACCEPT="text/html").content.decode()

        assert not re.search(r"""(src|href)=["']?(https?:)?//""", body), path


@pytest.mark.django_db
def test_admin_pages_after_login_send_the_strict_policy(admin_client):
    for path in ("/admin/", "/admin/core/user/", "/admin/core/user/add/"):
        response = admin_client.get(path)

        assert response.status_code == 200, path
        assert_strict_policy(response)


@pytest.mark.django_db
def test_a_browsers_error_page_sends_the_policy(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert_strict_policy(response)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/shop/"])
def test_api_responses_and_problem_details_send_the_policy_too(client, path):
    response = client.get(path)

    assert parse_policy(response["Content-Security-Policy"])["default-src"] == {"'self'"}


def test_each_request_gets_its_own_nonce(client):
    first = nonce_of(
        parse_policy(client.get("/graphql/", HTTP_ACCEPT="text/html")["Content-Security-Policy"])
    )
    second = nonce_of(
        parse_policy(client.get("/graphql/", HTTP_ACCEPT="text/html")["Content-Security-Policy"])
    )

    assert first
    assert second
    assert first != second
