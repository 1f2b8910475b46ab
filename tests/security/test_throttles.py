"""Rate limits on the writes worth abusing: login, registration (REST and GraphQL),
voting (per user and per address), applying, posting (REST and GraphQL), running a live
proof (per address).

Each case lowers one throttle scope to 2 requests a minute and lifts every other
scope out of reach, so the 429 on the third request proves which scope guards the
operation. The refusal is a 429 with ``Retry-After`` and a problem body (REST problem
details; for GraphQL an error with ``extensions.code`` and ``retryAfter``), and it
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from core.http.throttling import SlidingWindowThrottle
from tests.core.factories import PASSWORD, UserFactory
from tests.security.conftest import (
    changed_tables,
    client_for,
    fingerprint,
    graphql,
    graphql_codes,
    problem,
)

pytestmark = pytest.mark.django_db

LIMIT = 2
OUT_OF_REACH = "100000/min"


@pytest.fixture
def only_scope(monkeypatch):
    """``only_scope("auth")``: that scope allows LIMIT requests a minute, every other
    scope OUT_OF_REACH. DRF binds the rates to the class at import (the ``settings``
    fixture would not reach them): patch the attribute, as tests/core/test_throttling.py
    does."""

    def set_scope(scope: str) -> None:
        rates = dict.fromkeys(SlidingWindowThrottle.THROTTLE_RATES, OUT_OF_REACH)
        rates[scope] = f"{LIMIT}/min"
        monkeypatch.setattr(SlidingWindowThrottle, "THROTTLE_RATES", rates)

    return set_scope


@dataclass(frozen=True)
class Case:
    scope: str
    # Returns one request sender per attempt (attempt number -> response).
    prepare: Callable[[], Callable[[int], Any]]
    allowed: int  # the status of the requests let through
    graphql: bool = False


def _login():
    UserFactory(username="victim")
    client = client_for()
    return lambda n: client.post(
        "/api/v1/auth/token/", {"username": "victim", "password": f"guess-{n}"}, format="json"
    )


def _register():
    client = client_for()
    return lambda n: client.post(
        "/api/v1/auth/register/",
        {"username": f"new{n}", "email": f"new{n}@example.test", "password": PASSWORD},
        format="json",
    )


def _register_graphql():
    client = client_for()
    document = (
        "mutation($u: String!, $e: String!, $p: String!) "
        "{ createUser(username: $u, email: $e, password: $p) { user { id } } }"
    )
    return lambda n: graphql(
        client, document, {"u": f"new{n}", "e": f"new{n}@example.test", "p": PASSWORD}
    )


def _polls(voters: Callable[[int], Any]):
    from tests.polls.factories import make_poll, option_ids

    polls = [make_poll() for _ in range(LIMIT + 1)]

    def vote(n: int):
        return client_for(voters(n)).post(
            f"/api/v1/polls/polls/{polls[n].pk}/vote/",
            {"option": option_ids(polls[n])[0]},
            format="json",
        )

    return vote


def _vote_as_one_user():
    someone = UserFactory()
    return _polls(lambda n: someone)


def _vote_as_many_users_from_one_address():
    people = [UserFactory() for _ in range(LIMIT + 1)]
    return _polls(lambda n: people[n])


def _apply():
    from tests.jobs.factories import candidate, make_job

    jobs = [make_job() for _ in range(LIMIT + 1)]
    client = client_for(candidate())
    return lambda n: client.post(
        f"/api/v1/jobs/jobs/{jobs[n].pk}/apply/", {"cover_letter": "Hi"}, format="json"
    )


def _post():
    client = client_for(UserFactory())
    return lambda n: client.post("/api/v1/social/posts/", {"content": f"post {n}"}, format="json")


def _post_graphql():
    client = client_for(UserFactory())
    return lambda n: graphql(
        client, "mutation($c: String!) { createPost(content: $c) { post { id } } }", {"c": f"{n}"}
    )


def _run_proof():
    client = client_for()
    return lambda n: client.post("/api/v1/proofs/never-a-500/run/")


CASES = {
    "login": Case("auth", _login, 401),
    "registration": Case("auth", _register, 201),
    "registration (GraphQL createUser)": Case("auth", _register_graphql, 200, graphql=True),
    "voting, per user": Case("poll_vote", _vote_as_one_user, 201),
    "voting, per address": Case("poll_vote_ip", _vote_as_many_users_from_one_address, 201),
    "applying": Case("jobs_apply", _apply, 201),
    "posting": Case("social_write", _post, 201),
    "posting (GraphQL createPost)": Case("social_write", _post_graphql, 200, graphql=True),
    "running a live proof": Case("proof_run_ip", _run_proof, 200),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_write_is_throttled_with_retry_after_and_changes_nothing(name, only_scope):
    case = CASES[name]
    only_scope(case.scope)
    send = case.prepare()

    for attempt in range(LIMIT):
        response = send(attempt)
        assert response.status_code == case.allowed, (attempt, response.content)
        if case.graphql:
            assert graphql_codes(response) == [], response.content
    before = fingerprint()
    refused = send(LIMIT)

    assert refused.status_code == 429, refused.content
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 2 * 60  # the sliding window spans this minute and the next
    if case.graphql:
        error = refused.json()["errors"][0]
        assert error["extensions"]["code"] == "THROTTLED", error
        assert error["extensions"]["retryAfter"] == wait
    else:
        body = problem(refused)
        assert body["code"] == "throttled"
        assert body["retry_after"] == wait
    assert changed_tables(before, fingerprint()) == []


def test_every_throttled_scope_is_covered():
    """A new scope in the settings gets a case here (or says why not)."""
    from django.conf import settings

    scopes = set(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    generic = {"anon", "user"}  # every request's burst limits (tests/core/test_graphql_limits.py)
    assert scopes - generic == {case.scope for case in CASES.values()}
