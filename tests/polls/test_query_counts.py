"""No N+1: the results and list endpoints run a fixed number of queries whatever
the number of options and of polls on the page; a vote is a fixed set of statements
whatever the number of options chosen."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from polls import services
from tests.helpers import client_for, warm_token_user
from tests.polls.factories import (
    POLLS,
    cast,
    make_poll,
    option_ids,
    poll_url,
    tallies,
    user,
    voter_of,
)

pytestmark = pytest.mark.django_db


def _count(client, url, params=None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(queries), response


def _options(n: int) -> list[str]:
    return [f"Option {i}" for i in range(n)]


@pytest.mark.parametrize("visibility", ["always", "after_vote", "after_close"])
@pytest.mark.parametrize("reader", ["anonymous", "user", "owner"])
def test_results_queries_do_not_grow_with_the_options(visibility, reader):
    owner = user()
    small = make_poll(owner, options=_options(2), results_visibility=visibility)
    large = make_poll(owner, options=_options(20), results_visibility=visibility)
    for poll in (small, large):
        for position in range(2):
            cast(poll, user(), position)
    client = {"anonymous": client_for(), "user": client_for(user()), "owner": client_for(owner)}[
        reader
    ]

    cache.clear()
    warm_token_user(client)
    miss_small, body_small = _count(client, poll_url(small.pk, "results"))
    hit_small, _ = _count(client, poll_url(small.pk, "results"))
    miss_large, body_large = _count(client, poll_url(large.pk, "results"))
    hit_large, _ = _count(client, poll_url(large.pk, "results"))

    assert len(body_small.json()["options"]) == 2
    assert len(body_large.json()["options"]) == 20
    assert miss_small == miss_large
    assert hit_small == hit_large < miss_large
    if reader == "anonymous":
        assert hit_small == 0  # served from the cache alone


def test_results_of_an_after_vote_poll_read_the_ballot_once_for_a_voter():
    poll = make_poll(options=_options(20), results_visibility="after_vote")
    voter = user()
    cast(poll, voter, 3)
    client = client_for(voter)
    _count(client, poll_url(poll.pk, "results"))

    count, response = _count(client, poll_url(poll.pk, "results"))

    assert response.json()["visible"] is True
    assert count == 1  # whether they voted (the token's user is cached)


@pytest.mark.parametrize("reader", ["anonymous", "user"])
@pytest.mark.parametrize("params", [{}, {"status": "open"}, {"status": "closed"}])
def test_list_queries_do_not_grow_with_polls_or_options(reader, params):
    client = warm_token_user(client_for(user()) if reader == "user" else client_for())
    owner = user()
    make_poll(owner, options=_options(2))
    if params.get("status") == "closed":
        client_for(owner).post(poll_url(make_poll(owner).pk, "close"))
    small, first = _count(client, POLLS, {**params, "page_size": 1})

    for n in range(20):
        poll = make_poll(user(), options=_options(2 + n % 19))
        if params.get("status") == "closed":
            client_for(poll.owner).post(poll_url(poll.pk, "close"))
    large, page = _count(client, POLLS, {**params, "page_size": 100})

    assert len(first.json()["results"]) == 1
    assert len(page.json()["results"]) == 21
    assert sum(len(poll["options"]) for poll in page.json()["results"]) > 200
    assert small == large


def test_detail_queries_do_not_grow_with_the_options():
    small, large = make_poll(options=_options(2)), make_poll(options=_options(20))

    assert (
        _count(client_for(), poll_url(small.pk))[0] == _count(client_for(), poll_url(large.pk))[0]
    )


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """Each statement sent, as its verb and the first table it names ("UPDATE
    polls_poll"). The test runs in a transaction, so the vote's own is a SAVEPOINT and
    its RELEASE (in production, BEGIN and COMMIT): those are left out."""
    described = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if re.match(r"(RELEASE |ROLLBACK TO )?SAVEPOINT\b", sql):
            continue
        table = re.search(r"\b(polls|core)_\w+", sql)
        described.append(f"{sql.split(None, 1)[0]} {table.group() if table else '?'}")
    return described


@pytest.mark.parametrize(("kind", "chosen"), [("single", 1), ("multiple", 3)])
def test_a_vote_is_four_statements_whatever_the_options_chosen(kind, chosen):
    """Pinned exactly: one more statement in the vote's transaction is a regression
    (each is a round trip with the poll's row lock held; see polls/services.py)."""
    poll = make_poll(options=_options(5), kind=kind)
    ids = option_ids(poll)
    voter = voter_of(user())

    with CaptureQueriesContext(connection) as queries:
        services.vote_cast(poll_id=poll.pk, voter=voter, option_ids=ids[:chosen])

    assert _statements(queries) == [
        "UPDATE polls_poll",  # open? then lock and bump it, returning kind etc.
        "INSERT polls_ballot",  # one per voter: nothing inserted means already voted
        "UPDATE polls_option",  # + 1 on the chosen options of this poll, returning them
        "INSERT polls_vote",  # one row per option chosen
    ]
    assert len(queries) == 4 + 2  # and nothing else but the SAVEPOINT and its RELEASE
    assert tallies(poll) == [1] * chosen + [0] * (5 - chosen)
