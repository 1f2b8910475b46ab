"""GraphQL fails fast: oversized documents are refused before or while parsing,
every query (introspection included) obeys the depth limit, /graphql/ shares
REST's throttles, and introspection and GraphiQL are settings."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from graphql import get_introspection_query
from graphql.language.ast import Token
from graphql.language.lexer import Lexer
from rest_framework_simplejwt.tokens import AccessToken

from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


def post(client, query: str, **extra):
    return client.post("/graphql/", {"query": query}, content_type="application/json", **extra)


def error_code(response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


@pytest.fixture
def lexed(monkeypatch) -> Callable[[], int]:
    """How many GraphQL tokens the server's lexer has read so far: what a limit saves is
    counted, not timed (a clock measures the machine's load as much as the parser)."""
    count = 0
    advance = Lexer.advance

    def counted(lexer: Lexer) -> Token:
        nonlocal count
        count += 1
        return advance(lexer)

    monkeypatch.setattr(Lexer, "advance", counted)
    return lambda: count


def test_a_megabyte_document_is_refused_before_it_is_parsed(client, settings, lexed):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000_000
    document = "{ me { " + "username " * 120_000 + "} }"  # ~1.1 MB
    assert len(document) > 1_000_000

    response = post(client, document)

    assert response.status_code == 400
    assert error_code(response) == "query_too_complex"
    assert "bytes" in response.json()["errors"][0]["message"]
    assert lexed() == 0


def test_a_document_with_too_many_tokens_stops_parsing_at_the_limit(client, settings, lexed):
    """200,000 tokens sent; the lexer reads no further than the limit (counted, not timed:
    a clock would measure the machine's load as much as the parser)."""
    settings.GRAPHQL_MAX_QUERY_BYTES = 10_000_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000_000
    document = "{ me { " + "id " * 200_000 + "} }"

    response = post(client, document)

    assert response.status_code == 400
    assert error_code(response) == "query_too_complex"
    assert (
        f"more than {settings.GRAPHQL_MAX_TOKENS} tokens" in response.json()["errors"][0]["message"]
    )
    assert 0 < lexed() <= settings.GRAPHQL_MAX_TOKENS + 1


def test_a_syntax_error_is_a_graphql_parse_error(client):
    response = post(client, "{ me { ")

    assert response.status_code == 400
    assert error_code(response) == "graphql_parse_failed"


def _nested_schema_query(levels: int) -> str:
    inner = "name"
    for _ in range(levels):
        inner = f"ofType {{ {inner} }}"
    return f"{{ __schema {{ types {{ fields {{ type {{ {inner} }} }} }} }} }}"


def test_the_depth_limit_applies_to_introspection(client):
    response = post(client, _nested_schema_query(25))

    assert response.status_code == 400
    assert "exceeds maximum operation depth" in response.json()["errors"][0]["message"]
    assert error_code(response) == "query_too_complex"


@pytest.mark.parametrize(
    "options",
    [{}, {"descriptions": True, "input_value_deprecation": True, "specified_by_url": True}],
)
def test_the_standard_introspection_query_fits_the_default_limits(client, options):
    response = post(client, get_introspection_query(**options))

    assert response.status_code == 200, response.content[:300]
    assert "errors" not in response.json()
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


def test_fragments_count_towards_depth(client, settings):
    settings.GRAPHQL_MAX_DEPTH = 3
    query = (
        "{ __schema { ...T } } fragment T on __Schema { types { ...F } } "
        "fragment F on __Type { fields { type { name } } }"
    )

    response = post(client, query)

    assert response.status_code == 400
    assert "exceeds maximum operation depth of 3" in response.json()["errors"][0]["message"]


def test_a_fragment_bomb_is_checked_in_linear_time(client):
    # Each fragment spreads the previous one twice: 2**40 paths if expanded naively.
    fragments = ["fragment F0 on User { username }"]
    for i in range(1, 41):
        fragments.append(f"fragment F{i} on User {{ ...F{i - 1} ...F{i - 1} }}")
    query = "{ me { ...F40 } } " + " ".join(fragments)

    started = time.monotonic()
    response = post(client, query)

    # Linear: milliseconds on a quiet machine. Expanded naively it would not end today;
    # the bound leaves room for a loaded machine, not for 2**40 paths.
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    assert response.json() == {"data": {"me": None}}


def test_graphql_shares_the_anonymous_throttle(client, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "5/min"}
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        statuses = [post(client, "{ me { username } }").status_code for _ in range(8)]
        refused = post(client, "{ me { username } }")
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original

    assert statuses == [200] * 5 + [429] * 3
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert error_code(refused) == "throttled"


def test_graphql_throttles_signed_in_users_per_user(client, settings):
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**original, "user": "3/min", "anon": "1000/min"}
    first, second = UserFactory(), UserFactory()
    try:
        as_first = [
            post(
                client,
                "{ me { username } }",
                HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(first)}",
            ).status_code
            for _ in range(4)
        ]
        as_second = post(
            client,
            "{ me { username } }",
            HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(second)}",
        )
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original

    assert as_first == [200, 200, 200, 429]
    assert as_second.json() == {"data": {"me": {"username": second.username}}}


def test_introspection_can_be_turned_off(client, settings):
    settings.GRAPHQL_INTROSPECTION = False

    refused = post(client, "{ __schema { queryType { name } } }")
    allowed = post(client, "{ me { username } }")

    assert refused.status_code == 400
    assert "introspection" in refused.json()["errors"][0]["message"].lower()
    assert allowed.status_code == 200


def test_graphiql_can_be_turned_off(client, settings):
    settings.GRAPHQL_GRAPHIQL = False

    response = client.get("/graphql/", HTTP_ACCEPT="text/html")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert b"graphiql" not in response.content.lower()


def test_a_mutation_over_get_is_refused(client):
    response = client.get("/graphql/", {"query": "mutation { __typename }"})

    assert response.status_code == 405


def test_a_resolver_bug_is_logged_once_and_hidden(client, caplog, monkeypatch):
    import logging

    from core.identity import graphql as core_schema

    def broken(root, info):
        raise RuntimeError("secret path /srv/nexus/db.py")

    monkeypatch.setattr(core_schema.CoreQuery, "resolve_me", staticmethod(broken))
    from config.schema import schema

    monkeypatch.setattr(schema.graphql_schema.query_type.fields["me"], "resolve", broken)
    with caplog.at_level(logging.ERROR):
        response = post(client, "{ me { username } }", HTTP_X_REQUEST_ID="req-gql-bug")

    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"me": None}
    assert body["errors"][0]["message"] == "Internal server error."
    assert body["errors"][0]["extensions"]["code"] == "server_error"
    assert "secret" not in response.content.decode()
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].request_id == "req-gql-bug"


# --- the cost limit: connection page sizes multiply what is selected below them ------


@pytest.mark.urls("tests.core.graphql_schema")
def test_a_connection_within_the_cost_limit_runs(client, settings):
    settings.GRAPHQL_MAX_COST = 100
    UserFactory(username="costly")

    response = client.post(
        "/graphql-deep/",
        {"query": "{ users(first: 30) { edges { node { username } } } }"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["data"]["users"]["edges"] == [{"node": {"username": "costly"}}]


@pytest.mark.urls("tests.core.graphql_schema")
def test_page_sizes_multiply_the_cost_and_an_over_limit_query_is_refused(client, settings):
    settings.GRAPHQL_MAX_COST = 100
    # users = 1 + 40 * (edges 1 + node 1 + username 1) = 121
    response = client.post(
        "/graphql-deep/",
        {"query": "{ users(first: 40) { edges { node { username } } } }"},
        content_type="application/json",
    )

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "query_too_complex"
    assert "estimated cost of 121, over the limit of 100" in error["message"]


@pytest.mark.urls("tests.core.graphql_schema")
def test_a_page_size_from_a_variable_counts_as_the_largest_page(client, settings):
    settings.GRAPHQL_MAX_COST = 100
    response = client.post(
        "/graphql-deep/",
        {
            "query": "query ($n: Int) { users(first: $n) { edges { node { username } } } }",
            "variables": {"n": 1},
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert error_code(response) == "query_too_complex"


def test_the_cost_of_nested_fragments_is_computed_once_per_fragment():
    from graphql import parse
    from graphql.language import FragmentDefinitionNode, OperationDefinitionNode

    from core.site.graphql.validation import selection_cost

    document = parse(
        "{ a(first: 10) { ...F } b(first: 10) { ...F } } fragment F on T { x y(first: 5) { z } }"
    )
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))

    # F = x 1 + y 1 + 5 * z 1 = 7; a = 1 + 10 * 7 = 71; b the same.
    assert selection_cost(operation.selection_set, fragments, variable_page=100) == 142
