"""The OpenAPI schema documents what the endpoints really answer, and every
problem ``type`` resolves to a page. Bodies are validated against the schema's
own response definitions, so a drift between code and contract fails here."""

from __future__ import annotations

import pytest
from rest_framework.test import APIRequestFactory

from core.http.catalogue import catalogue, register_problem
from tests.core.factories import NotificationFactory
from tests.helpers.openapi import validator

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
READ = "/api/v1/auth/notifications/read/"
NOTIFICATIONS = "/api/v1/auth/notifications/"


@pytest.fixture
def openapi(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def documented(openapi: dict, path: str, method: str) -> dict:
    return openapi["paths"][path][method.lower()]["responses"]


def assert_conforms(openapi: dict, path: str, method: str, response) -> None:
    """The response's status is documented for the operation, with this content type,
    and the body validates against the documented schema."""
    responses = documented(openapi, path, method)
    status = str(response.status_code)
    assert status in responses, f"{method} {path} answered an undocumented {status}"
    content_type = response["Content-Type"].split(";")[0]
    content = responses[status]["content"]
    assert content_type in content, f"{content_type} not in {list(content)}"
    check = validator(openapi, content[content_type]["schema"])
    errors = [error.message for error in check.iter_errors(response.json())]
    assert errors == [], errors


def _values(node, name: str):
    """Every value of the keyword ``name`` in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == name:
                yield value
            yield from _values(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from _values(item, name)


def test_the_schema_is_openapi_3_1_with_json_schema_nulls(openapi):
    """3.1's schemas are JSON Schema 2020-12: a nullable field is a type array
    (``["string", "null"]``); 3.0's ``nullable`` keyword would be ignored by validators
    and by the TypeScript generator."""
    assert openapi["openapi"] == "3.1.0"
    assert [v for v in _values(openapi, "nullable") if isinstance(v, bool)] == []
    types = [v for v in _values(openapi["components"], "type") if isinstance(v, list)]
    assert ["string", "null"] in types


# --- every problem type resolves ----------------------------------------------------


def test_every_catalogued_problem_has_a_page(client):
    for problem in catalogue():
        response = client.get(f"/problems/{problem.code}/")
        assert response.status_code == 200, problem.code
        assert problem.title in response.content.decode()


def test_wrong_credentials_name_a_catalogued_problem(api_client, client, user):
    response = api_client.post(
        TOKEN, {"username": user.username, "password": "not-the-password"}, format="json"
    )

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "no_active_account"
    assert client.get(body["type"]).status_code == 200


def test_an_uncatalogued_code_falls_back_to_the_generic_type():
    from core.http.problems import problem_body

    body = problem_body(status=409, code="some_library_code", detail="x")

    assert body["type"] == "/problems/conflict/"
    assert body["code"] == "conflict"


@pytest.fixture
def _forget_test_codes():
    """Codes a test registers leave the process-wide catalogue afterwards (the frontend
    guide's test compares its table with the catalogue)."""
    from core.http import catalogue as error_codes

    before = set(error_codes._CATALOGUE)
    yield
    for code in set(error_codes._CATALOGUE) - before:
        del error_codes._CATALOGUE[code]


@pytest.mark.usefixtures("_forget_test_codes")
def test_contexts_register_their_own_codes(client):
    register_problem(
        "out_of_stock_test",
        status=409,
        title="Out of stock",
        description="Fewer items are in stock than asked for.",
        context="shop",
    )

    response = client.get("/problems/out_of_stock_test/")

    assert response.status_code == 200
    assert "Fewer items are in stock" in response.content.decode()
    with pytest.raises(ValueError, match="already registered"):
        register_problem(
            "out_of_stock_test", status=400, title="Other", description="x", context="jobs"
        )


# --- what the endpoints answer is what the schema says ---------------------------


@pytest.mark.parametrize("path", [TOKEN, TOKEN + "refresh/", TOKEN + "blacklist/"])
def test_token_endpoints_document_their_401(openapi, api_client, path):
    payload = {"username": "nobody", "password": "x" * 12} if path == TOKEN else {"refresh": "x"}

    response = api_client.post(path, payload, format="json")

    assert response.status_code == 401
    assert response["Cache-Control"].startswith("max-age=0")
    assert "no-store" in response["Cache-Control"]
    assert_conforms(openapi, path, "post", response)


def test_a_parse_error_matches_the_documented_400(openapi, auth_client):
    response = auth_client.post(READ, "{broken", content_type="application/json")

    assert response.json()["code"] == "parse_error"
    assert_conforms(openapi, READ, "post", response)


def test_list_field_errors_are_shaped_as_documented(openapi, auth_client, user):
    NotificationFactory(user=user)

    response = auth_client.post(READ, {"ids": [1, "x", -4]}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"ids.1", "ids.2"}
    assert_conforms(openapi, READ, "post", response)


def test_an_invalid_cursor_is_a_documented_400(openapi, auth_client):
    response = auth_client.get(NOTIFICATIONS, {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["cursor"]
    assert_conforms(openapi, NOTIFICATIONS, "get", response)


def test_a_stale_token_on_a_public_endpoint_is_a_documented_401(openapi, api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer stale.token.value")

    response = api_client.get("/api/v1/shop/")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert_conforms(openapi, "/api/v1/shop/", "get", response)


@pytest.mark.parametrize("path", ["/api/v1/auth/me/", "/api/schema/", "/health/live/"])
def test_an_unknown_format_is_a_json_404_naming_the_formats(auth_client, path):
    response = auth_client.get(path, {"format": "xml"})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "use one of" in response.json()["detail"]


def test_every_operation_is_tagged_with_its_context(openapi):
    tags = {
        (path, method): operation.get("tags")
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
    }
    # The context is the first segment after /api/v1/; /api/v1/ itself is the API's index.
    expected = {
        key: [key[0].removeprefix("/api/v1/").strip("/").split("/")[0] or "api"] for key in tags
    }

    assert tags == expected
    assert {tag for value in tags.values() for tag in value} == {
        "api",
        "auth",
        "health",
        "shop",
        "social",
        "movies",
        "jobs",
        "polls",
        "proofs",
    }


def test_every_operation_documents_400_and_writes_413_and_415(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert "400" in statuses, f"{method} {path}"
            if method in {"post", "put", "patch"}:
                assert {"413", "415"} <= statuses, f"{method} {path}"


def test_every_error_response_is_documented_as_problem_json(openapi):
    """Every 4xx/5xx the API sends is a problem document (application/problem+json); a
    view's own problem serializer (shop's OrderRefusalProblem) must not be documented as
    application/json, or a client (and the fuzzer) reads the answer as undocumented. The
    one exception: the readiness probe's 503 is its usual status body, for load balancers."""
    wrong = [
        f"{method.upper()} {path} {status}: {sorted(response['content'])}"
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status >= "400"
        and set(response.get("content", {})) - {"application/problem+json"}
        and (path, status) != ("/health/ready/", "503")
    ]
    assert wrong == []


def test_a_malformed_page_number_is_a_400_and_past_the_end_a_404():
    from rest_framework.exceptions import NotFound, ValidationError
    from rest_framework.request import Request

    from core.http.pagination import PageNumberPagination
    from core.identity.models import User

    factory = APIRequestFactory()
    paginator = PageNumberPagination()
    for bad in ("abc", "0", "-1", "1e3", "9" * 30):
        with pytest.raises(ValidationError):
            paginator.paginate_queryset(
                User.objects.all(), Request(factory.get("/", {"page": bad}))
            )
    with pytest.raises(NotFound):
        paginator.paginate_queryset(User.objects.all(), Request(factory.get("/", {"page": "5"})))
