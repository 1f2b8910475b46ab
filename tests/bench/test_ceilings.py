"""The ceilings `make bench` compares the API with pay what the API pays (issue 19): the
token check, the throttles (their RateLimit headers), `/me`'s roles read as the API reads
them (the same answer, no more SQL, cold or warm), the feed's mute and block filters,
and around a vote its throttles, the results' cache invalidation and the stream publish.
Each bench URLconf (bench/*_urls.py) is served by Django's test client; no server, wrk
or seeded database."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.http.throttling import SlidingWindowThrottle
from core.identity.authentication import forget_user
from core.live import topics
from polls.models import Poll
from social.models import Block, Mute
from tests.helpers import client_for
from tests.polls.factories import make_poll, option_ids, poll_url
from tests.social.factories import follow, post, token, user

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

pytestmark = pytest.mark.django_db

FEED, VOTE = "/bench/social/raw/feed/", "/bench/polls/raw/polls/{}/vote/"


@pytest.fixture
def rates(monkeypatch):
    """Every limit the ceilings check, high enough not to refuse these tests."""
    monkeypatch.setattr(
        SlidingWindowThrottle,
        "THROTTLE_RATES",
        {**SlidingWindowThrottle.THROTTLE_RATES, "poll_vote": "1000/min",
         "poll_vote_ip": "1000/min", "user": "1000/min", "anon": "1000/min"},
    )  # fmt: skip


def bearer(account) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token(account)}"}


def test_the_core_and_movies_ceilings_check_the_token_and_the_throttle(settings, rates):
    reader = user("ceiling_reader")
    client = client_for()
    settings.ROOT_URLCONF = "core_urls"
    me = client.get("/bench/core/raw/me/", **bearer(reader))
    assert me.status_code == 200
    assert me.json()["username"] == "ceiling_reader"
    assert me["RateLimit-Policy"] == '"user";q=1000;w=60'
    assert client.get("/bench/core/raw/me/").status_code == 401
    assert client.get("/bench/core/raw/me/", HTTP_AUTHORIZATION="Bearer nope").status_code == 401

    settings.ROOT_URLCONF = "movies_urls"
    recommendations = "/bench/movies/raw/recommendations/"
    assert client.get(recommendations).status_code == 401
    assert client.get(recommendations, HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    answered = client.get(recommendations, **bearer(reader))
    assert answered.status_code == 200
    assert answered["RateLimit-Policy"] == '"user";q=1000;w=60'
    search = client.get("/bench/movies/raw/movies/?search=star")  # anonymous, as the bench
    assert search.status_code == 200
    assert search["RateLimit-Policy"] == '"anon";q=1000;w=60'


def test_the_me_ceiling_answers_as_the_api_with_no_more_sql(settings, rates):
    """The API and GraphQL read the roles the token's cached user carries (no statement
    when warm); the ceiling must read them there too, not pay a query they no longer make."""
    settings.ROOT_URLCONF = "core_urls"
    reader = user("ceiling_roles", roles=["moderator", "customer"])
    client = client_for()
    headers = bearer(reader)
    me_query = json.dumps({"query": "{ me { username roles } }"})
    requests = {
        "api": lambda: client.get("/api/v1/auth/me/", **headers),
        "graphql": lambda: client.post(
            "/graphql/", me_query, content_type="application/json", **headers
        ),
        "ceiling": lambda: client.get("/bench/core/raw/me/", **headers),
    }

    def answers(cold: bool) -> tuple[dict[str, dict], dict[str, int]]:
        bodies, statements = {}, {}
        for name, request in requests.items():
            if cold:
                forget_user(reader.pk)  # the next request reads the row and its groups
            with CaptureQueriesContext(connection) as queries:
                response = request()
            assert response.status_code == 200, response.content
            bodies[name], statements[name] = response.json(), len(queries)
        return bodies, statements

    for cold in (True, False):  # the first request after a change, then every other one
        bodies, statements = answers(cold)
        assert bodies["ceiling"] == bodies["api"]
        assert bodies["ceiling"]["roles"] == ["customer", "moderator"]
        assert bodies["graphql"] == {
            "data": {"me": {"username": "ceiling_roles", "roles": ["customer", "moderator"]}}
        }
        assert statements["ceiling"] <= min(statements["api"], statements["graphql"]), (
            cold,
            statements,
        )
    assert statements == {"api": 0, "graphql": 0, "ceiling": 0}  # warm

    reader.groups.remove(Group.objects.get(name="moderator"))  # seen on the next request
    bodies, statements = answers(cold=False)
    assert bodies["ceiling"]["roles"] == bodies["api"]["roles"] == ["customer"]
    assert statements["ceiling"] <= statements["api"]


def test_the_feed_ceiling_leaves_out_muted_and_blocked_authors(settings, rates):
    settings.ROOT_URLCONF = "social_urls"
    reader, author, other = user("feed_reader"), user("feed_author"), user("feed_other")
    follow(reader, author)
    follow(reader, other)
    seen = post(author, "by the author")
    kept = post(other, "by the other")
    client = client_for()

    def ids() -> list[int]:
        response = client.get(FEED, **bearer(reader))
        assert response.status_code == 200
        return [entry["post"]["id"] for entry in response.json()["results"]]

    assert ids() == [kept.pk, seen.pk]
    now = timezone.now()
    mute = Mute.objects.create(muter=reader, muted=author, created_at=now)
    assert ids() == [kept.pk]
    mute.delete()
    block = Block.objects.create(blocker=author, blocked=reader, created_at=now)  # the author's
    assert ids() == [kept.pk]
    block.delete()
    Block.objects.create(blocker=reader, blocked=author, created_at=now)  # the reader's
    assert ids() == [kept.pk]
    assert client.get(FEED).status_code == 401


def test_the_vote_ceiling_throttles_invalidates_the_results_and_wakes_the_stream(
    settings, rates, monkeypatch, django_capture_on_commit_callbacks
):
    poll = make_poll()
    option = option_ids(poll)[0]
    voter = user("ceiling_voter")
    client = client_for()
    assert client.get(poll_url(poll.pk, "results")).json()["total_votes"] == 0  # now cached
    published: list[str] = []
    monkeypatch.setattr(topics, "publish_on_commit", published.append)

    settings.ROOT_URLCONF = "polls_urls"
    body = json.dumps({"option": option})
    refused = client.post(VOTE.format(poll.pk), body, content_type="application/json")
    assert refused.status_code == 401
    assert Poll.objects.get(pk=poll.pk).voter_count == 0
    with django_capture_on_commit_callbacks(execute=True):
        voted = client.post(
            VOTE.format(poll.pk), body, content_type="application/json", **bearer(voter)
        )
    assert voted.status_code == 201
    assert voted["RateLimit-Policy"] == '"poll_vote";q=1000;w=60, "poll_vote_ip";q=1000;w=60'
    assert published == [f"polls.results.{poll.pk}"]
    again = client.post(
        VOTE.format(poll.pk), body, content_type="application/json", **bearer(voter)
    )
    assert again.status_code == 409
    assert Poll.objects.get(pk=poll.pk).voter_count == 1

    settings.ROOT_URLCONF = "config.urls"
    assert client.get(poll_url(poll.pk, "results")).json()["total_votes"] == 1
