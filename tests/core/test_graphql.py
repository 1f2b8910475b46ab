from __future__ import annotations

import pytest
from django.test import Client

from tests.core.factories import UserFactory


def nested(depth: int) -> str:
    query = "name"
    for _ in range(depth):
        query = f"child {{ {query} }}"
    return f"{{ root {{ {query} }} }}"


def post(client: Client, url: str, query: str, **headers):
    return client.post(url, {"query": query}, content_type="application/json", **headers)


@pytest.mark.django_db
def test_graphiql_is_served_to_browsers(client):
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert b"graphiql" in response.content.lower()


@pytest.mark.django_db
def test_me_is_null_for_anonymous_and_the_user_with_a_bearer_token(client):
    user = UserFactory(username="grace", roles=["customer", "employer"])
    from rest_framework_simplejwt.tokens import AccessToken

    anonymous = post(client, "/graphql/", "{ me { username } }")
    signed_in = post(
        client,
        "/graphql/",
        "{ me { username roles } }",
        HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}",
    )

    assert anonymous.json() == {"data": {"me": None}}
    assert signed_in.json() == {
        "data": {"me": {"username": "grace", "roles": ["customer", "employer"]}}
    }


@pytest.mark.django_db
def test_a_session_cookie_does_not_authenticate_graphql(client):
    # /graphql/ is CSRF-exempt, so only the bearer token may count.
    client.force_login(UserFactory())

    assert post(client, "/graphql/", "{ me { username } }").json() == {"data": {"me": None}}


@pytest.mark.urls("tests.core.graphql_schema")
def test_a_query_within_the_depth_limit_runs(client, settings):
    response = post(client, "/graphql-deep/", nested(settings.GRAPHQL_MAX_DEPTH - 2))

    assert response.status_code == 200
    assert "errors" not in response.json()


@pytest.mark.urls("tests.core.graphql_schema")
def test_an_over_deep_query_is_a_graphql_error_not_a_500(client, settings):
    response = post(client, "/graphql-deep/", nested(settings.GRAPHQL_MAX_DEPTH + 3))

    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


@pytest.mark.urls("tests.core.graphql_schema")
def test_too_many_aliases_are_refused(client, settings):
    aliases = " ".join(f"a{i}: root {{ name }}" for i in range(settings.GRAPHQL_MAX_ALIASES + 1))

    response = post(client, "/graphql-deep/", f"{{ {aliases} }}")

    assert response.status_code == 400
    assert "aliases" in response.json()["errors"][0]["message"]


@pytest.mark.urls("tests.core.graphql_schema")
def test_too_many_fields_are_refused(client, settings):
    settings.GRAPHQL_MAX_ALIASES = 10_000  # limits are read per request
    fields = " ".join(f"f{i}: name" for i in range(settings.GRAPHQL_MAX_FIELDS + 1))

    response = post(client, "/graphql-deep/", f"{{ root {{ {fields} }} }}")

    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert message == f"Query selects more than {settings.GRAPHQL_MAX_FIELDS} fields."


@pytest.mark.django_db
@pytest.mark.urls("tests.core.graphql_schema")
def test_connection_page_size_is_capped(client, settings):
    UserFactory.create_batch(3)
    cap = settings.GRAPHENE["RELAY_CONNECTION_MAX_LIMIT"]

    within = post(client, "/graphql-deep/", "{ users(first: 2) { edges { node { username } } } }")
    over = post(client, "/graphql-deep/", f"{{ users(first: {cap + 1}) {{ edges {{ cursor }} }} }}")

    assert len(within.json()["data"]["users"]["edges"]) == 2
    assert "exceeds the `first` limit of 100" in over.json()["errors"][0]["message"]


def test_malformed_query_is_a_400_graphql_error(client):
    response = post(client, "/graphql/", "{ me { ")

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("Syntax Error")


def test_every_field_of_the_schema_has_a_description():
    from graphql import GraphQLObjectType

    from config.schema import schema

    missing = []
    for name, gql_type in schema.graphql_schema.type_map.items():
        if name.startswith("__") or not isinstance(gql_type, GraphQLObjectType):
            continue
        if not gql_type.description:
            missing.append(name)
        missing += [
            f"{name}.{field}" for field, spec in gql_type.fields.items() if not spec.description
        ]
    assert missing == []


@pytest.mark.django_db
def test_graphql_datetimes_are_utc_ending_in_z_as_in_rest(client):
    from datetime import UTC, datetime

    from rest_framework_simplejwt.tokens import AccessToken

    user = UserFactory(date_joined=datetime(2026, 3, 1, 9, 30, 5, 123456, tzinfo=UTC))
    token = f"Bearer {AccessToken.for_user(user)}"

    graphql = post(client, "/graphql/", "{ me { dateJoined } }", HTTP_AUTHORIZATION=token)

    assert graphql.json() == {"data": {"me": {"dateJoined": "2026-03-01T09:30:05.123456Z"}}}


def test_every_datetime_of_the_schema_is_cores_scalar():
    """One `DateTime` type in the schema, and it is core's: whatever field declares it,
    its values are written as REST writes them, in UTC."""
    from datetime import UTC, datetime, timedelta, timezone

    from config.schema import schema
    from core.http.graphql import DateTime

    paris = datetime(2026, 12, 7, 13, 0, tzinfo=timezone(timedelta(hours=2)))

    assert schema.graphql_schema.type_map["DateTime"].graphene_type is DateTime
    assert DateTime.serialize(paris) == "2026-12-07T11:00:00Z"
    naive = paris.astimezone(UTC).replace(tzinfo=None)  # raw SQL on SQLite: Django's UTC
    assert DateTime.serialize(naive) == "2026-12-07T11:00:00Z"
