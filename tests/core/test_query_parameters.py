"""An unknown query parameter is a 400 ``validation_error`` naming the parameters the
operation takes, on every operation of the OpenAPI schema (every method, lists and
details, every context, core's auth, notifications and health), before the view runs,
so nothing changes. The parameters allowed are the ones the schema documents, deprecated
aliases included; GraphQL takes its own three."""

from __future__ import annotations

import re

import pytest

from core.notifications.models import Notification
from tests.core.factories import NotificationFactory, UserFactory
from tests.helpers import assert_invalid, client_for

pytestmark = pytest.mark.django_db

UNKNOWN = "nexus_unknown"


@pytest.fixture(scope="module")
def operations(django_db_blocker) -> list[tuple[str, str, list[str]]]:
    """(method, path, documented query parameters) of every operation, from the served
    schema."""
    from django.test import Client

    with django_db_blocker.unblock():
        schema = Client().get("/api/schema/?format=json").json()
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            found.append((method.upper(), path, sorted(names)))
    return found


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "1" if m[1] in ("id", "pk") else "x", path)


def test_every_operation_refuses_an_unknown_parameter_naming_the_documented_ones(operations):
    client = client_for(UserFactory(is_staff=True))
    assert len(operations) > 90  # the whole API, not a sample

    for method, path, documented in operations:
        url = f"{_concrete(path)}?{UNKNOWN}=1"
        response = client.generic(method, url, "{}", content_type="application/json")

        body = assert_invalid(response, UNKNOWN)
        message = body["errors"][UNKNOWN][0]["message"]
        expected = (
            f"Unknown parameter; use: {', '.join(documented)}."
            if documented
            else ("This operation takes no parameters.")
        )
        assert message == expected, (method, path, message)
        assert body["errors"][UNKNOWN][0]["code"] == "unknown_parameter"


def test_the_documented_parameters_and_format_pass(operations):
    client = client_for(UserFactory())

    notifications = client.get("/api/v1/auth/notifications/", {"page_size": 5, "read": "false"})
    deprecated = client.get("/api/v1/auth/notifications/", {"unread": "true", "format": "json"})
    health = client.get("/health/live/")

    assert (notifications.status_code, deprecated.status_code, health.status_code) == (
        200,
        200,
        200,
    )


def test_a_refused_write_changes_nothing():
    user = UserFactory()
    notification = NotificationFactory(user=user)
    client = client_for(user)

    marked = client.post(f"/api/v1/auth/notifications/read/?{UNKNOWN}=1", {}, format="json")
    profile = client.patch(f"/api/v1/auth/me/?{UNKNOWN}=1", {"first_name": "Ada"}, format="json")

    assert_invalid(marked, UNKNOWN)
    assert_invalid(profile, UNKNOWN)
    assert Notification.objects.get(pk=notification.pk).read_at is None
    user.refresh_from_db()
    assert user.first_name != "Ada"


def test_an_unknown_parameter_is_named_before_the_caller_is_asked_to_sign_in():
    """A malformed request is refused as such whoever sends it, as a NUL byte or an
    oversized body are; the parameters allowed are public (the schema)."""
    response = client_for().get(f"/api/v1/auth/me/?{UNKNOWN}=1")

    assert_invalid(response, UNKNOWN)


def test_at_most_five_unknown_parameters_are_named():
    query = "&".join(f"p{i}=1" for i in range(8))

    body = assert_invalid(client_for().get(f"/health/live/?{query}"), *(f"p{i}" for i in range(5)))

    assert body["detail"] == "Invalid input in: p0, p1, p2, p3, p4."


# --- GraphQL ---------------------------------------------------------------------------


def test_graphql_takes_its_own_three_parameters():
    client = client_for()

    known = client.get(
        "/graphql/",
        {"query": "query Me { me { username } }", "variables": "{}", "operationName": "Me"},
        HTTP_ACCEPT="application/json",
    )
    unknown = client.get("/graphql/", {"query": "{ me { username } }", "qeury": "x"})
    posted = client.post(f"/graphql/?{UNKNOWN}=1", {"query": "{ me { username } }"}, format="json")

    assert known.status_code == 200, known.content
    assert known.json() == {"data": {"me": None}}
    for response in (unknown, posted):
        assert response.status_code == 400, response.content
        (error,) = response.json()["errors"]
        assert error["extensions"] == {"code": "validation_error"}
        assert error["message"].endswith("Unknown parameter; use: operationName, query, variables.")
    assert unknown.json()["errors"][0]["message"].startswith("`qeury`: ")
