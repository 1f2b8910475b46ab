"""CORS for the configured frontends only, and the security headers on every response."""

from __future__ import annotations

import re

import pytest

FRONTEND = "https://app.example.org"


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
