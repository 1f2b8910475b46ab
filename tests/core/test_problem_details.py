"""Every error the API returns is an RFC 9457 problem, and carries the request id."""

from __future__ import annotations

import json
import re

import pytest
from rest_framework.test import APIClient

from core.http.throttling import AuthIPThrottle
from core.identity.models import User
from tests.core.factories import UserFactory
from tests.core.urls_errors import SECRET_MESSAGE
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/auth/me/"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "request_id", "instance"}
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def assert_problem_shape(response, *, instance: str) -> None:
    """Shape shared by every problem, beyond its status, content type, code and type URI
    (``assert_problem``): keys, title and detail, instance, request id, no leaks."""
    body = response.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["type"].startswith("/problems/")
    assert body["title"]
    assert body["detail"]
    assert body["instance"] == instance
    assert body["request_id"] == response["X-Request-ID"]
    text = response.content.decode()
    assert "Traceback" not in text
    assert ".py" not in text
    assert "/work/" not in text
    assert "site-packages" not in text
    assert "<html" not in text.lower()


# --- 400 -------------------------------------------------------------------------


def test_malformed_json_is_400_parse_error(api_client):
    response = api_client.post(REGISTER, data='{"username": ', content_type="application/json")

    body = assert_problem(response, 400, "parse_error")
    assert_problem_shape(response, instance=REGISTER)
    assert "errors" not in body
    assert User.objects.count() == 0


def test_invalid_input_is_400_validation_error_with_field_errors(api_client):
    response = api_client.post(REGISTER, {"username": "bob"}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert_problem_shape(response, instance=REGISTER)
    assert body["errors"] == {
        "email": [{"message": "This field is required.", "code": "required"}],
        "password": [{"message": "This field is required.", "code": "required"}],
    }
    assert body["detail"] == "Invalid input in: email, password."


# --- 401 / 403 ---------------------------------------------------------------------


def test_missing_credentials_is_401_problem(api_client):
    response = api_client.get(ME)

    assert_problem(response, 401, "not_authenticated")
    assert_problem_shape(response, instance=ME)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.urls("tests.core.urls_errors")
def test_authenticated_non_staff_is_403_problem(auth_client):
    path = "/api/v1/_test/staff-only/"

    response = auth_client.get(path)

    assert_problem(response, 403, "permission_denied")
    assert_problem_shape(response, instance=path)


@pytest.mark.urls("tests.core.urls_errors")
def test_staff_passes_the_staff_only_view(api_client):
    staff = UserFactory(is_staff=True)
    api_client.force_authenticate(staff)

    response = api_client.get("/api/v1/_test/staff-only/")

    assert response.status_code == 200
    assert response.json() == {"ok": True}


# --- 404 / 405 ---------------------------------------------------------------------


def test_unknown_api_path_is_404_problem(api_client):
    response = api_client.get("/api/v1/nope/")

    body = assert_problem(response, 404, "not_found")
    assert_problem_shape(response, instance="/api/v1/nope/")
    assert "/api/v1/nope/" in body["detail"]
    assert "trailing slash" not in body["detail"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_missing_trailing_slash_is_404_that_suggests_the_slash(api_client, method):
    response = getattr(api_client, method)("/api/v1/auth/me")

    body = assert_problem(response, 404, "not_found")
    assert_problem_shape(response, instance="/api/v1/auth/me")
    assert "Did you mean /api/v1/auth/me/ (with a trailing slash)?" in body["detail"]


def test_wrong_method_is_405_problem_with_allow_header(api_client):
    response = api_client.put(TOKEN, {"username": "a", "password": "b"}, format="json")

    assert_problem(response, 405, "method_not_allowed")
    assert_problem_shape(response, instance=TOKEN)
    assert set(response["Allow"].replace(" ", "").split(",")) == {"POST", "OPTIONS"}


# --- 413 / 415 / 429 ---------------------------------------------------------------


def test_body_over_the_limit_is_413_problem(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    payload = {"username": "bob", "email": "bob@example.test", "password": "x" * 500}

    response = api_client.post(REGISTER, payload, format="json")

    body = assert_problem(response, 413, "payload_too_large")
    assert_problem_shape(response, instance=REGISTER)
    assert "limit is 200 bytes" in body["detail"]
    assert User.objects.count() == 0


def test_non_numeric_content_length_is_400_problem(api_client):
    response = api_client.post(REGISTER, {}, format="json", CONTENT_LENGTH="lots")

    body = assert_problem(response, 400, "bad_request")
    assert_problem_shape(response, instance=REGISTER)
    assert body["detail"] == "Content-Length is not a number."


def test_unsupported_content_type_is_415_problem(api_client):
    response = api_client.post(REGISTER, data="username=bob", content_type="text/plain")

    body = assert_problem(response, 415, "unsupported_media_type")
    assert_problem_shape(response, instance=REGISTER)
    assert "text/plain" in body["detail"]
    assert User.objects.count() == 0


def test_too_many_auth_requests_is_429_problem_with_retry_after(api_client, monkeypatch):
    monkeypatch.setattr(
        AuthIPThrottle, "THROTTLE_RATES", {**AuthIPThrottle.THROTTLE_RATES, "auth": "3/min"}
    )
    for _ in range(3):
        assert api_client.post(REGISTER, {}, format="json").status_code == 400

    response = api_client.post(REGISTER, {}, format="json")

    body = assert_problem(response, 429, "throttled")
    assert_problem_shape(response, instance=REGISTER)
    retry_after = int(response["Retry-After"])
    # Sliding window: up to the rest of this window plus part of the next one
    # (test_throttling checks the value is exact: not a second too early).
    assert 1 <= retry_after <= 120
    assert body["retry_after"] == retry_after


# --- 500 ---------------------------------------------------------------------------


@pytest.mark.urls("tests.core.urls_errors")
def test_uncaught_error_in_drf_view_is_500_problem_without_traceback():
    path = "/api/v1/_test/drf-boom/"

    response = APIClient(raise_request_exception=False).get(path)

    body = assert_problem(response, 500, "server_error")
    assert_problem_shape(response, instance=path)
    assert SECRET_MESSAGE not in response.content.decode()
    assert "RuntimeError" not in response.content.decode()
    assert "errors" not in body


@pytest.mark.urls("tests.core.urls_errors")
def test_uncaught_error_in_plain_django_view_is_500_problem():
    path = "/api/v1/_test/plain-boom/"

    response = APIClient(raise_request_exception=False).get(path)

    assert_problem(response, 500, "server_error")
    assert_problem_shape(response, instance=path)
    assert SECRET_MESSAGE not in response.content.decode()
    assert "RuntimeError" not in response.content.decode()


@pytest.mark.urls("tests.core.urls_errors")
def test_html_error_page_from_plain_view_becomes_500_problem():
    path = "/api/v1/_test/plain-html-error/"

    response = APIClient().get(path)

    assert_problem(response, 500, "server_error")
    assert_problem_shape(response, instance=path)
    assert SECRET_MESSAGE not in response.content.decode()


# --- X-Request-ID ------------------------------------------------------------------


def test_valid_request_id_is_echoed_and_used_in_the_problem(api_client):
    response = api_client.get(ME, HTTP_X_REQUEST_ID="client-req.42:abc")

    assert response["X-Request-ID"] == "client-req.42:abc"
    assert response.json()["request_id"] == "client-req.42:abc"


def test_request_id_is_generated_when_absent(api_client):
    first = api_client.get(ME)
    second = api_client.get(ME)

    assert HEX_ID.match(first["X-Request-ID"])
    assert HEX_ID.match(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert first.json()["request_id"] == first["X-Request-ID"]


def test_request_id_is_generated_on_success_too(auth_client):
    response = auth_client.get(ME, HTTP_X_REQUEST_ID="ok-1")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "ok-1"


@pytest.mark.parametrize(
    "incoming",
    ["has spaces", "line\nbreak", "trailing-newline\n", "x" * 65, "<script>", ""],
)
def test_invalid_request_id_is_replaced(api_client, incoming):
    response = api_client.get(ME, HTTP_X_REQUEST_ID=incoming)

    assert response.status_code == 401
    assert HEX_ID.match(response["X-Request-ID"])
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_problem_body_is_plain_json(api_client):
    response = api_client.get("/api/v1/nope/", HTTP_ACCEPT="text/html")

    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["code"] == "not_found"


@pytest.mark.urls("tests.core.urls_errors")
def test_a_converted_html_error_keeps_the_security_headers():
    client = APIClient(raise_request_exception=False)

    response = client.get("/api/v1/_test/plain-html-error/")

    assert response["Content-Type"] == "application/problem+json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
