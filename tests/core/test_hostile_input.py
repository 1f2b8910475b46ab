"""Hostile input is a 4xx problem (or a GraphQL error), never a 500, and changes
nothing. Each test names the class of input it covers; the fixes live in core's
shared mechanisms (parsers, errors, tokens, services), so every domain inherits
them."""

from __future__ import annotations

import json
import logging
import time

import jwt
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from core.identity.models import User
from core.notifications.models import Notification
from tests.core.factories import NotificationFactory, UserFactory
from tests.helpers import assert_problem

REGISTER = "/api/v1/auth/register/"
ME = "/api/v1/auth/me/"
READ = "/api/v1/auth/notifications/read/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/token/blacklist/"
TOKEN = "/api/v1/auth/token/"
STRONG = "long-and-unusual-42"

pytestmark = pytest.mark.django_db


# --- deeply nested JSON ------------------------------------------------------------


def test_deeply_nested_json_is_a_400_on_rest(api_client):
    for depth in (10_000, settings.NEXUS_MAX_JSON_DEPTH + 1):
        body = "[" * depth + "]" * depth
        response = api_client.post(REGISTER, body, content_type="application/json")

        problem = assert_problem(response, 400, "parse_error")
        assert "nested deeper" in problem["detail"]
    assert User.objects.count() == 0


def test_json_within_the_depth_limit_is_parsed(auth_client, user):
    mine, _unread = NotificationFactory.create_batch(2, user=user)
    nested = {"ids": [mine.pk]}
    for _ in range(settings.NEXUS_MAX_JSON_DEPTH - 3):
        nested = {"wrap": nested}

    response = auth_client.post(READ, {**nested, "ids": [mine.pk]}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {"marked": 1, "unread": 1}
    assert list(
        Notification.objects.filter(user=user, read_at__isnull=False).values_list("pk", flat=True)
    ) == [mine.pk]


def test_deeply_nested_json_is_a_400_on_graphql_body_and_variables(client):
    deep = "[" * 10_000 + "]" * 10_000
    as_body = client.post("/graphql/", deep, content_type="application/json")
    as_variables = client.post(
        "/graphql/",
        {"query": "{ me { username } }", "variables": deep},
        content_type="application/json",
    )
    as_object = client.post(
        "/graphql/",
        '{"query": "{ me { username } }", "variables": {"v": ' + deep + "}}",
        content_type="application/json",
    )

    for response in (as_body, as_variables, as_object):
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert "nested deeper" in error["message"]
        assert error["extensions"]["code"] == "parse_error"


def test_nul_characters_and_huge_numbers_in_json_are_400(auth_client, user):
    NotificationFactory(user=user)
    for body in (
        '{"first_name": "a\\u0000b"}',
        '{"first_name": "x", "\\u0000": 1}',
        '{"first_name": "x", "n": 1e999}',
        '{"first_name": "x", "n": NaN}',
        '{"first_name": "x", "n": ' + "9" * 5000 + "}",
    ):
        response = auth_client.patch(ME, body, content_type="application/json")
        assert_problem(response, 400, "parse_error")
    user.refresh_from_db()
    assert user.first_name != "x"


# --- Django's SuspiciousOperation / BadRequest family -------------------------------


@pytest.mark.parametrize("path", ["/health/live/", ME, "/api/v1/auth/notifications/"])
def test_too_many_query_parameters_is_a_400(client, path):
    query = "&".join(f"p{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = client.get(f"{path}?{query}", HTTP_ACCEPT="application/json")

    problem = assert_problem(response, 400, "bad_request")
    assert "query parameters or form fields" in problem["detail"]


def test_too_many_query_parameters_on_graphql_is_a_400(client):
    query = "&".join(f"p{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = client.post(
        f"/graphql/?{query}", {"query": "{ me { id } }"}, content_type="application/json"
    )

    assert response.status_code == 400


def test_too_many_form_fields_is_a_400_and_registers_no_one(client):
    fields = {f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    fields.update(username="formuser", email="form@example.test", password=STRONG)

    response = client.post(REGISTER, fields)  # application/x-www-form-urlencoded? multipart

    assert_problem(response, 400, "bad_request")
    assert not User.objects.filter(username="formuser").exists()


def test_too_many_files_is_a_400(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = {f"file{i}": SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(4)}

    response = client.post(REGISTER, {"username": "files", **files})

    problem = assert_problem(response, 400, "bad_request")
    assert "more than 3 files" in problem["detail"]


def test_a_multipart_field_over_the_memory_limit_is_a_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client.post(REGISTER, {"username": "u" * 2000, "email": "big@example.test"})

    assert_problem(response, 413, "payload_too_large")
    assert not User.objects.exists()


def test_a_nul_byte_in_the_url_is_a_400(client, auth_client):
    for path in ("/api/v1/auth/notifications/?unread=%00", "/api/v1/auth/me/?x=a%00b"):
        assert_problem(auth_client.get(path), 400, "bad_request")
    assert_problem(client.get("/health/live/?probe=%00"), 400, "bad_request")


def test_a_disallowed_host_is_a_400_problem(client):
    response = client.get("/health/live/", HTTP_HOST="evil.example")

    assert_problem(response, 400, "bad_request")


# --- ids beyond 64 bits ---------------------------------------------------------------


@pytest.mark.parametrize("bad", [9223372036854775808, -1, 0, 10**30])
def test_ids_out_of_range_are_a_400_and_change_nothing(auth_client, user, bad):
    mine = NotificationFactory(user=user)

    response = auth_client.post(READ, {"ids": [mine.pk, bad]}, format="json")

    code = "parse_error" if bad >= 2**63 else "validation_error"  # the JSON parser refuses it
    body = assert_problem(response, 400, code)
    if body["code"] == "validation_error":
        assert list(body["errors"]) == ["ids.1"]
    mine.refresh_from_db()
    assert mine.read_at is None


def test_the_id_path_converter_refuses_ids_past_64_bits():
    from core.http.converters import IdConverter

    converter = IdConverter()
    assert converter.to_python("9223372036854775807") == 2**63 - 1
    with pytest.raises(ValueError, match="9223372036854775808"):
        converter.to_python("9223372036854775808")
    with pytest.raises(ValueError, match="0"):
        converter.to_python("0")


def test_related_ids_past_64_bits_are_validation_errors():
    from core.http.fields import ModelSerializer

    class NotificationInput(ModelSerializer):
        class Meta:
            model = Notification
            fields = ("user", "kind", "title")

    payload = NotificationInput(data={"user": 2**64, "kind": "k", "title": "t"})

    assert not payload.is_valid()
    assert payload.errors["user"][0].code == "does_not_exist"


# --- correctly signed tokens with malformed claims ---------------------------------


def _signed(claims: dict) -> str:
    base = {"token_type": "access", "exp": int(time.time()) + 600, "jti": "a" * 32}
    base.update(claims)
    return jwt.encode(base, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")


MALFORMED_CLAIMS = [
    {"user_id": "abc"},
    {"user_id": [1]},
    {"user_id": {"id": 1}},
    {"user_id": "99999999999999999999999"},
    {"user_id": True},
    {"user_id": "1", "exp": 10**20},
    {"user_id": "1", "exp": "soon"},
    {"user_id": "1", "jti": ["a"]},
    {"user_id": "1", "jti": "j" * 300},
    {"user_id": "1", "token_type": ["access"]},
]


@pytest.mark.parametrize("claims", MALFORMED_CLAIMS)
def test_signed_tokens_with_malformed_claims_are_401_on_rest(api_client, user, claims):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_signed(claims)}")

    assert_problem(api_client.get(ME), 401, "token_not_valid")
    assert_problem(api_client.get("/api/v1/shop/"), 401, "token_not_valid")  # a public endpoint too


@pytest.mark.parametrize("claims", MALFORMED_CLAIMS)
def test_signed_tokens_with_malformed_claims_are_401_on_graphql(client, user, claims):
    response = client.post(
        "/graphql/",
        {"query": "{ me { username } }"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {_signed(claims)}",
    )

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "token_not_valid"


@pytest.mark.parametrize("claims", MALFORMED_CLAIMS)
@pytest.mark.parametrize("path", [REFRESH, LOGOUT])
def test_refresh_tokens_with_malformed_claims_are_401(api_client, user, claims, path):
    token = _signed({**claims, "token_type": claims.get("token_type", "refresh")})

    response = api_client.post(path, {"refresh": token}, format="json")

    assert_problem(response, 401, "token_not_valid")


def test_a_refresh_token_of_a_deleted_user_refreshes_nothing(api_client):
    doomed = UserFactory()
    refresh = str(RefreshToken.for_user(doomed))
    doomed.delete()

    assert_problem(
        api_client.post(REFRESH, {"refresh": refresh}, format="json"), 401, "no_active_account"
    )
    # Logging such a token out is harmless and succeeds; it stays unusable.
    assert api_client.post(LOGOUT, {"refresh": refresh}, format="json").status_code == 200
    assert_problem(
        api_client.post(REFRESH, {"refresh": refresh}, format="json"), 401, "token_not_valid"
    )


def test_a_valid_token_still_authenticates(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")

    assert api_client.get(ME).json()["username"] == user.username


# --- input rules live in the services ----------------------------------------------


def test_an_email_over_254_characters_is_a_400_not_a_database_error(api_client, auth_client, user):
    long_email = "a" * 250 + "@example.test"

    register = api_client.post(
        REGISTER,
        {"username": "longmail", "email": long_email, "password": STRONG},
        format="json",
    )
    update = auth_client.patch(ME, {"email": long_email}, format="json")

    assert list(assert_problem(register, 400, "validation_error")["errors"]) == ["email"]
    assert list(assert_problem(update, 400, "validation_error")["errors"]) == ["email"]
    assert not User.objects.filter(username="longmail").exists()
    user.refresh_from_db()
    assert user.email != long_email


def test_the_service_enforces_column_lengths_whoever_calls_it():
    from django.core.exceptions import ValidationError

    from core.identity import services

    with pytest.raises(ValidationError) as caught:
        services.user_register(
            username="x" * 151, email="e" * 250 + "@example.test", password=STRONG
        )

    assert set(caught.value.error_dict) == {"username", "email"}
    assert User.objects.count() == 0


def test_the_service_refuses_non_strings_and_nul(db):
    from django.core.exceptions import ValidationError

    from core.identity import services

    with pytest.raises(ValidationError) as caught:
        services.user_register(username=["admin"], email="a\x00@example.test", password=None)

    assert set(caught.value.error_dict) == {"username", "email", "password"}
    assert User.objects.count() == 0


def test_a_password_over_4096_bytes_is_refused_before_hashing(api_client, auth_client):
    huge = "Z" * 100_000
    started = time.monotonic()
    register = api_client.post(
        REGISTER, {"username": "hugepass", "email": "h@example.test", "password": huge}, "json"
    )
    change = auth_client.post(
        "/api/v1/auth/password/change/",
        {"old_password": "whatever", "new_password": "é" * 2049},  # 4,098 bytes
        format="json",
    )
    login = api_client.post(TOKEN, {"username": "hugepass", "password": huge}, format="json")

    assert time.monotonic() - started < 1
    assert list(assert_problem(register, 400, "validation_error")["errors"]) == ["password"]
    assert_problem(change, 400, "validation_error")
    assert_problem(login, 400, "validation_error")
    assert not User.objects.filter(username="hugepass").exists()


def test_the_password_cap_is_in_bytes(db):
    from django.core.exceptions import ValidationError

    from core.identity import services

    with pytest.raises(ValidationError) as caught:
        services.user_register(username="bytes", email="b@example.test", password="é" * 2049)

    assert caught.value.error_dict["password"][0].code == "password_too_long"


@pytest.mark.parametrize("name", ["\u0430dmin", "p\u0430ypal", "\u0391lice"])
def test_usernames_mixing_scripts_are_refused(api_client, name):
    response = api_client.post(
        REGISTER, {"username": name, "email": "mix@example.test", "password": STRONG}, "json"
    )

    problem = assert_problem(response, 400, "validation_error")
    assert problem["errors"]["username"][0]["code"] == "mixed_scripts"
    assert not User.objects.exists()


@pytest.mark.parametrize("name", ["admin2", "иван", "José", "山田たろう", "김철수", "user_1.x"])
def test_usernames_in_one_writing_system_are_accepted(api_client, name):
    response = api_client.post(
        REGISTER, {"username": name, "email": "one@example.test", "password": STRONG}, "json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["user"]["username"] == name
    assert list(User.objects.values_list("username", "email")) == [(name, "one@example.test")]


def test_the_admin_applies_the_same_username_rule(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.post(
        "/admin/core/user/add/",
        {
            "username": "\u0430dmin",
            "password1": STRONG,
            "password2": STRONG,
            "usable_password": "true",
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert "one writing system" in response.content.decode()
    assert not User.objects.filter(username="\u0430dmin").exists()


# --- GraphQL documents that broke the validators ------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "{ me { ...Nope } }",
        "{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }",
        "fragment A on User { ...A } { me { ...A } }",
        "{ me { username nope } }",
        "query Q($v: Int) { me { username } } query Q { me { id } }",
        "{ __schema { types { nope } } }",
    ],
)
def test_invalid_graphql_documents_are_graphql_errors(client, query):
    response = client.post("/graphql/", {"query": query}, content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "graphql_validation_failed"


@pytest.mark.parametrize(
    "payload",
    [
        {"query": 42},
        {"query": ["{ me { id } }"]},
        {"query": "{ me { id } }", "variables": [1]},
        {"query": "{ me { id } }", "variables": "not json"},
        {"query": "{ me { id } }", "operationName": 7},
        {"query": "query Q($n: Int!) { me { id } }", "variables": {"n": "x"}},
        {"nothing": True},
    ],
)
def test_malformed_graphql_requests_are_400(client, payload):
    response = client.post("/graphql/", payload, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_a_json_list_body_on_graphql_is_a_400(client):
    response = client.post("/graphql/", "[]", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "parse_error"


# --- DEBUG on or off, no debug pages; a 500 is logged once ----------------------------


@pytest.mark.parametrize("debug", [True, False])
def test_hostile_requests_are_problems_with_debug_on_or_off(client, settings, debug):
    settings.DEBUG = debug
    query = "&".join(f"p{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    deep = "[" * 5000 + "]" * 5000

    for response in (
        client.get(f"/health/live/?{query}"),
        client.post(REGISTER, deep, content_type="application/json"),
        client.post(REGISTER, {f"f{i}": 1 for i in range(1001)}),
    ):
        assert 400 <= response.status_code < 500
        assert response["Content-Type"] == "application/problem+json"
        assert b"Traceback" not in response.content


@pytest.mark.urls("tests.core.urls_errors")
@pytest.mark.parametrize("path", ["/api/v1/_test/drf-boom/", "/api/v1/_test/plain-boom/"])
def test_a_500_is_logged_once_with_its_request_id(caplog, path):
    client = APIClient(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        response = client.get(path, HTTP_X_REQUEST_ID="req-500-once")

    assert response.status_code == 500
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1, [record.getMessage() for record in errors]
    assert errors[0].request_id == "req-500-once"
    assert errors[0].exc_info is not None


def test_make_run_serves_with_debug_off_and_a_generated_key(tmp_path, monkeypatch):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    probe = (
        "import django, os; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, len(settings.SECRET_KEY), "
        "os.path.exists(os.path.join(str(settings.VAR_DIR), 'secret_key')))"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root / "src"), "HOME": str(tmp_path)}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    first = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, env=env, capture_output=True, text=True
    )
    key_file = root / "var" / "secret_key"

    assert first.returncode == 0, first.stderr
    debug, length, exists = first.stdout.split()
    assert (debug, exists) == ("False", "True")
    assert int(length) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert (
        key_file.read_text().strip()
        not in (root / "src").joinpath("config/settings/local.py").read_text()
    )


def test_the_graphql_view_answers_json_to_non_graphql_methods(client):
    response = client.put("/graphql/", json.dumps({}), content_type="application/json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


@pytest.mark.parametrize("multipart", [False, True])
def test_nul_in_form_fields_is_a_400_and_registers_no_one(client, multipart):
    fields = {"username": "nul\x00user", "email": "nul@example.test", "password": STRONG}

    if multipart:
        response = client.post(REGISTER, fields)
    else:
        from urllib.parse import urlencode

        response = client.post(
            REGISTER, urlencode(fields), content_type="application/x-www-form-urlencoded"
        )

    assert_problem(response, 400, "parse_error")
    assert not User.objects.exists()
