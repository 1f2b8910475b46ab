"""Votes are throttled per user (``poll_vote``) and per client IP (``poll_vote_ip``):
past the limit a 429 with ``Retry-After``, and the refused vote counts nothing."""

from __future__ import annotations

import pytest

from tests.helpers import assert_problem, client_for
from tests.polls.factories import (
    make_poll,
    option_ids,
    poll_state,
    poll_url,
    tallies,
    user,
)

pytestmark = pytest.mark.django_db


def vote(client, poll, **extra):
    return client.post(
        poll_url(poll.pk, "vote"), {"option": option_ids(poll)[0]}, format="json", **extra
    )


def assert_throttled(response) -> None:
    body = assert_problem(response, 429, "throttled")
    assert int(response["Retry-After"]) >= 1
    assert body["retry_after"] == int(response["Retry-After"])


def test_one_user_is_limited_across_polls(vote_rates):
    vote_rates(user="2/min", ip="100/min")
    polls = [make_poll() for _ in range(3)]
    voter = client_for(user())
    before = poll_state(polls[2])

    statuses = [vote(voter, poll).status_code for poll in polls[:2]]
    refused = vote(voter, polls[2])

    assert statuses == [201, 201]
    assert_throttled(refused)
    assert poll_state(polls[2]) == before
    # another user from the same address is not held back by the first one's limit
    assert vote(client_for(user()), polls[2]).status_code == 201


def test_refused_attempts_do_not_count_towards_the_limit(vote_rates):
    vote_rates(user="1/min", ip="100/min")
    poll, other = make_poll(), make_poll()
    voter = client_for(user())
    assert vote(voter, poll).status_code == 201

    for _ in range(3):
        assert_throttled(vote(voter, other))

    assert tallies(other) == [0, 0, 0]
    assert tallies(poll) == [1, 0, 0]


def test_one_address_is_limited_across_users(vote_rates):
    vote_rates(user="100/min", ip="3/min")
    poll = make_poll()
    address = {"REMOTE_ADDR": "203.0.113.7"}

    statuses = [vote(client_for(user()), poll, **address).status_code for _ in range(3)]
    before = poll_state(poll)
    refused = vote(client_for(user()), poll, **address)

    assert statuses == [201, 201, 201]
    assert_throttled(refused)
    assert poll_state(poll) == before
    assert vote(client_for(user()), poll, REMOTE_ADDR="203.0.113.8").status_code == 201
    assert tallies(poll) == [4, 0, 0]


def test_anonymous_voters_clearing_cookies_are_limited_by_address(vote_rates):
    vote_rates(user="2/min", ip="3/min")
    poll = make_poll(allow_anonymous=True)

    # Fresh cookies each time: past the per-user rate (which does not apply to them),
    # up to the address's.
    statuses = [vote(client_for(), poll).status_code for _ in range(3)]
    before = poll_state(poll)
    refused = vote(client_for(), poll)

    assert statuses == [201, 201, 201]
    assert_throttled(refused)
    assert poll_state(poll) == before


def test_reading_results_is_not_held_back_by_the_vote_limit(vote_rates):
    vote_rates(user="1/min", ip="1/min")
    poll = make_poll()
    voter = client_for(user())
    assert vote(voter, poll).status_code == 201
    assert_throttled(vote(voter, make_poll()))

    assert voter.get(poll_url(poll.pk, "results")).status_code == 200
    assert voter.get(poll_url(poll.pk)).status_code == 200


def test_votes_name_both_policies_and_the_tighter_one_left(vote_rates):
    vote_rates(user="2/min", ip="100/min")
    polls = [make_poll() for _ in range(3)]
    voter = client_for(user())

    first, second = (vote(voter, poll) for poll in polls[:2])
    refused = vote(voter, polls[2])

    policies = '"poll_vote";q=2;w=60, "poll_vote_ip";q=100;w=60'
    assert [r["RateLimit-Policy"] for r in (first, second, refused)] == [policies] * 3
    assert first["RateLimit"].startswith('"poll_vote";r=1;t=')
    assert second["RateLimit"].startswith('"poll_vote";r=0;t=')
    assert_throttled(refused)
    assert refused["RateLimit"] == f'"poll_vote";r=0;t={refused["Retry-After"]}'


def test_when_the_address_is_tighter_its_policy_is_the_one_reported(vote_rates):
    vote_rates(user="100/min", ip="5/min")
    poll = make_poll()

    response = vote(client_for(user()), poll)

    assert response.status_code == 201
    assert response["RateLimit"].startswith('"poll_vote_ip";r=4;t=')
