"""CORS for the configured frontends only, and the security headers on every response."""

from __future__ import annotations

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
