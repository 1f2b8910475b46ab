"""``GET /api/v1/``: where a newcomer starts. It names every domain with its index,
the authentication endpoints, the schema, the docs and GraphQL, all absolute, all
answering, and it is documented as it answers."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.apps import apps

from core.http.manifest import domain_manifest
from tests.core.test_schema_truth import assert_conforms

pytestmark = pytest.mark.django_db


def local(url: str) -> str:
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("http", "testserver"), url  # absolute
    return parts.path


def test_the_api_root_names_every_domain_and_its_index(client):
    response = client.get("/api/v1/")

    assert response.status_code == 200
    domains = response.json()["domains"]
    installed = [c.label for c in apps.get_app_configs() if domain_manifest(c) is not None]
    assert list(domains) == installed == ["shop", "social", "movies", "jobs", "polls"]
    for label, domain in domains.items():
        index = client.get(local(domain["index"]))
        assert index.status_code == 200, label
        assert index.json()["domain"] == label
        assert domain["name"] == index.json()["name"]
        assert domain["summary"] == index.json()["summary"]
        assert domain["docs"] == f"http://testserver/api/docs/#/{label}"
    assert domains["social"]["graphql"] == "http://testserver/graphql/"
    assert domains["shop"]["graphql"] is None


def test_the_api_root_links_sign_in_the_schema_the_docs_and_graphql(client):
    body = client.get("/api/v1/").json()

    assert {name: local(url) for name, url in body["auth"].items()} == {
        "register": "/api/v1/auth/register/",
        "token": "/api/v1/auth/token/",
        "token-refresh": "/api/v1/auth/token/refresh/",
        "token-blacklist": "/api/v1/auth/token/blacklist/",
        "me": "/api/v1/auth/me/",
        "password-change": "/api/v1/auth/password/change/",
        "notifications": "/api/v1/auth/notifications/",
        "notifications-read": "/api/v1/auth/notifications/read/",
    }
    assert client.get(local(body["schema"]), {"format": "json"}).json()["info"]["title"]
    for name in ("docs", "redoc", "graphql"):
        page = client.get(local(body[name]), HTTP_ACCEPT="text/html")
        assert page.status_code == 200, name
        assert page["Content-Type"].startswith("text/html")


def nullable_as_json_schema(node):
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema says it (a no-op under 3.1)."""
    if isinstance(node, list):
        return [nullable_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: nullable_as_json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False) and isinstance(converted.get("type"), str):
        converted["type"] = [converted["type"], "null"]
    return converted


def test_the_api_root_is_documented_as_it_answers(client):
    openapi = client.get("/api/schema/?format=json").json()
    response = client.get("/api/v1/")

    operation = openapi["paths"]["/api/v1/"]["get"]
    assert operation["operationId"] == "api_retrieve"
    assert operation["tags"] == ["api"]
    assert_conforms(nullable_as_json_schema(openapi), "/api/v1/", "GET", response)
