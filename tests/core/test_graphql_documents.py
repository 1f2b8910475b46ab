"""The GraphQL view keeps documents that parsed and passed validation by hash: the
same text sent again is neither parsed nor validated, while every limit still holds
(a document that failed is refused again, and one that passed under other limits is
checked again under the ones in force)."""

from __future__ import annotations

import pytest
from graphql import parse, validate
from rest_framework_simplejwt.tokens import AccessToken

from core.site.graphql import documents as document_cache
from core.site.graphql import view
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "{ me { id username } }"


@pytest.fixture(autouse=True)
def calls(monkeypatch):
    """Counts of the view's parse and validate calls, the cache empty at the start."""
    document_cache.documents.clear()
    counted = {"parse": 0, "validate": 0}

    def counting(name, function):
        def wrapper(*args, **kwargs):
            counted[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(view, "parse", counting("parse", parse))
    monkeypatch.setattr(view, "validate", counting("validate", validate))
    yield counted
    document_cache.documents.clear()


def post(client, query: str, **extra):
    return client.post("/graphql/", {"query": query}, content_type="application/json", **extra)


def test_the_same_document_again_skips_parse_and_validate(client, calls):
    first = post(client, ME)
    assert calls == {"parse": 1, "validate": 1}

    second = post(client, ME)
    third = client.get("/graphql/", {"query": ME}, HTTP_ACCEPT="application/json")

    assert first.status_code == second.status_code == third.status_code == 200
    assert first.json() == second.json() == third.json() == {"data": {"me": None}}
    assert calls == {"parse": 1, "validate": 1}


def test_a_document_that_failed_validation_is_refused_again(client, calls):
    invalid = "{ me { noSuchField } }"

    first, second = post(client, invalid), post(client, invalid)

    assert first.status_code == second.status_code == 400
    assert first.json() == second.json()
    assert first.json()["errors"][0]["extensions"]["code"] == "graphql_validation_failed"
    assert calls == {"parse": 2, "validate": 2}
    assert len(document_cache.documents) == 0


def test_a_syntax_error_is_refused_again(client, calls):
    for _ in range(2):
        response = post(client, "{ me { ")
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "graphql_parse_failed"
    assert calls == {"parse": 2, "validate": 0}


def test_a_kept_document_is_checked_again_under_lower_limits(client, settings, calls):
    deep = "{ me { id } feed(first: 1) { edges { node { author { username } } } } }"
    assert post(client, deep).status_code == 200

    settings.GRAPHQL_MAX_DEPTH = 2
    refused = post(client, deep)
    settings.GRAPHQL_MAX_TOKENS = 5
    too_long = post(client, ME)

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "query_too_complex"
    assert too_long.status_code == 400
    assert "tokens" in too_long.json()["errors"][0]["message"]
    assert calls["validate"] == 2


def test_a_kept_mutation_is_still_refused_over_get(client):
    mutation = 'mutation { createPost(content: "hi") { post { id } } }'
    post(client, mutation)  # anonymous: kept, refused by the resolver
    bearer = f"Bearer {AccessToken.for_user(UserFactory())}"

    response = client.get(
        "/graphql/",
        {"query": mutation},
        HTTP_ACCEPT="application/json",
        HTTP_AUTHORIZATION=bearer,  # a user the mutation would post for
    )

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "method_not_allowed"
    posts = post(client, "{ posts(first: 5) { edges { node { id } } } }").json()
    assert posts == {"data": {"posts": {"edges": []}}}  # nothing was posted


def test_the_cache_is_bounded_by_the_documents_length(client, settings, calls):
    settings.GRAPHQL_DOCUMENT_CACHE_BYTES = 400
    texts = [f"{{ a{n}: me {{ id }} }}" for n in range(40)]  # 20-odd bytes each

    for text in texts:
        assert post(client, text).status_code == 200

    kept = len(document_cache.documents)
    assert 0 < kept <= 400 // len(texts[0])
    assert post(client, texts[-1]).status_code == 200  # the most recent is kept
    assert calls["parse"] == 40
    assert post(client, texts[0]).status_code == 200  # the oldest was dropped
    assert calls["parse"] == 41


def test_a_document_longer_than_a_quarter_of_the_budget_is_not_kept(client, settings):
    settings.GRAPHQL_DOCUMENT_CACHE_BYTES = 40
    assert post(client, ME).status_code == 200

    assert len(document_cache.documents) == 0


def test_no_budget_keeps_nothing(client, settings, calls):
    settings.GRAPHQL_DOCUMENT_CACHE_BYTES = 0
    post(client, ME)
    post(client, ME)

    assert calls == {"parse": 2, "validate": 2}
