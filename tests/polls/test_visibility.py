"""``results_visibility`` holds on the API for everyone but the owner, whatever was
cached first; and who voted for what is never in any response."""

from __future__ import annotations

import json
from typing import Any

import pytest

from polls.models import Ballot
from tests.helpers import client_for
from tests.polls.factories import (
    POLLS,
    cast,
    close_by_clock,
    make_poll,
    option_ids,
    poll_url,
    tallies,
    user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unthrottled")]


def results(client, poll) -> dict[str, Any]:
    response = client.get(poll_url(poll.pk, "results"))
    assert response.status_code == 200, response.content
    return response.json()


def assert_hidden(body: dict[str, Any]) -> None:
    assert body["visible"] is False, body
    assert body["total_votes"] is None
    assert body["version"] == 0
    assert all(o["votes"] is None and o["percent"] is None for o in body["options"])
    assert all(o["id"] and o["text"] for o in body["options"])  # what to vote for stays


def assert_visible(body: dict[str, Any], votes: list[int]) -> None:
    assert body["visible"] is True, body
    assert [o["votes"] for o in body["options"]] == votes
    assert body["total_votes"] == sum(votes)
    assert body["version"] > 0


@pytest.fixture
def owner():
    return user()


@pytest.fixture
def after_vote(owner):
    poll = make_poll(owner, results_visibility="after_vote", allow_anonymous=True)
    cast(poll, user(), 0)
    cast(poll, user(), 0)
    return poll


@pytest.fixture
def after_close(owner):
    poll = make_poll(owner, results_visibility="after_close")
    cast(poll, user(), 1)
    return poll


def test_after_vote_hides_results_from_anonymous_readers_and_non_voters(after_vote):
    assert_hidden(results(client_for(), after_vote))
    assert_hidden(results(client_for(user()), after_vote))


def test_after_vote_shows_results_to_a_voter(after_vote):
    voter = user()
    cast(after_vote, voter, 2)

    assert_visible(results(client_for(voter), after_vote), [2, 0, 1])


def test_after_vote_shows_results_to_the_owner_who_did_not_vote(after_vote, owner):
    assert_visible(results(client_for(owner), after_vote), [2, 0, 0])


def test_after_vote_shows_results_to_an_anonymous_voter_by_their_cookie(
    after_vote, django_capture_on_commit_callbacks
):
    browser = client_for()
    assert_hidden(results(browser, after_vote))
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            poll_url(after_vote.pk, "vote"), {"option": option_ids(after_vote)[1]}, format="json"
        )
    assert response.status_code == 201

    assert_visible(results(browser, after_vote), [2, 1, 0])
    assert_hidden(results(client_for(), after_vote))  # another browser has not voted


def test_the_cache_does_not_carry_one_readers_view_to_another(after_vote, owner):
    assert_visible(results(client_for(owner), after_vote), [2, 0, 0])  # cached now
    assert_hidden(results(client_for(), after_vote))
    assert_hidden(results(client_for(user()), after_vote))
    assert_visible(results(client_for(owner), after_vote), [2, 0, 0])


def test_a_retracted_voter_no_longer_sees_after_vote_results(after_vote):
    voter = user()
    client = client_for(voter)
    client.post(
        poll_url(after_vote.pk, "vote"), {"option": option_ids(after_vote)[0]}, format="json"
    )
    assert results(client, after_vote)["visible"] is True

    assert client.delete(poll_url(after_vote.pk, "vote")).status_code == 204

    assert_hidden(results(client, after_vote))


def test_after_close_hides_results_even_from_voters_until_the_close(after_close, owner):
    voter = user()
    cast(after_close, voter, 0)

    assert_hidden(results(client_for(voter), after_close))
    assert_hidden(results(client_for(), after_close))
    assert_visible(results(client_for(owner), after_close), [1, 1, 0])


def test_after_close_shows_everyone_once_the_owner_closed(after_close, owner):
    assert client_for(owner).post(poll_url(after_close.pk, "close")).status_code == 200

    body = results(client_for(), after_close)

    assert_visible(body, [0, 1, 0])
    assert body["closed"] is True


def test_after_close_shows_everyone_once_the_deadline_passed_without_beat(after_close):
    close_by_clock(after_close)

    body = results(client_for(), after_close)

    assert_visible(body, [0, 1, 0])
    assert (body["closed"], body["state"]) == (True, "closed")
    assert after_close.status == "open"  # only the clock closed it


def test_a_closed_after_vote_poll_shows_everyone(after_vote):
    close_by_clock(after_vote)

    assert_visible(results(client_for(), after_vote), [2, 0, 0])


def test_hidden_results_do_not_leak_the_pace_of_voting(
    after_close, owner, django_capture_on_commit_callbacks
):
    """Neither the counts nor the version (nor so the ETag) move while hidden, though
    each of the three votes is counted."""
    reader = client_for()
    first = reader.get(poll_url(after_close.pk, "results"))
    blue = option_ids(after_close)[2]
    voters = [user() for _ in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            client_for(voter).post(
                poll_url(after_close.pk, "vote"), {"option": blue}, format="json"
            )
            for voter in voters
        ]
    again = reader.get(poll_url(after_close.pk, "results"), HTTP_IF_NONE_MATCH=first["ETag"])

    for answer in answers:
        assert answer.status_code == 201, answer.content
        assert (answer.json()["poll"], answer.json()["options"]) == (after_close.pk, [blue])
    assert tallies(after_close) == [0, 1, 3]
    assert list(
        Ballot.objects.filter(poll=after_close, user__in=voters)
        .order_by("user_id")
        .values_list("user_id", "votes__option_id")
    ) == [(voter.pk, blue) for voter in sorted(voters, key=lambda voter: voter.pk)]
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert_hidden(results(reader, after_close))
    assert_visible(results(client_for(owner), after_close), [0, 1, 3])


# --- voters stay private ---------------------------------------------------------------


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


def _owner_ids(value: Any) -> set[int]:
    """Every user id a body names (its ``owner`` objects)."""
    if isinstance(value, dict):
        found = {value["owner"]["id"]} if isinstance(value.get("owner"), dict) else set()
        return found | {pk for item in value.values() for pk in _owner_ids(item)}
    if isinstance(value, list):
        return {pk for item in value for pk in _owner_ids(item)}
    return set()


def test_no_response_says_who_voted_for_what(owner):
    poll = make_poll(owner, options=["A", "B", "C"], kind="multiple", allow_anonymous=True)
    voters = [user(username=f"secret_voter_{n}") for n in range(3)]
    for n, voter in enumerate(voters):
        client_for(voter).post(
            poll_url(poll.pk, "vote"), {"options": option_ids(poll)[: n + 1]}, format="json"
        )
    client_for().post(poll_url(poll.pk, "vote"), {"option": option_ids(poll)[2]}, format="json")
    owner_client = client_for(owner)

    bodies = [
        client_for(voter).get(url).json()
        for voter in (owner, voters[0], None)
        for url in (
            poll_url(poll.pk),
            POLLS,
            f"{POLLS}?owner={owner.pk}",
            poll_url(poll.pk, "results"),
        )
    ]
    bodies.append(owner_client.patch(poll_url(poll.pk), {"description": "x"}, format="json").json())
    bodies.append(owner_client.post(poll_url(poll.pk, "close")).json())
    bodies.append(client_for(owner).get(poll_url(poll.pk, "results")).json())

    text = json.dumps(bodies)
    for voter in voters:
        assert voter.username not in text
        assert voter.email not in text
    for key in Ballot.objects.filter(poll=poll).values_list("voter", flat=True):
        assert key not in text  # nor the ballots' voter keys
        if key.startswith("a:"):
            assert key[2:] not in text
    assert (
        _keys(bodies) & {"voter", "voters", "ballot", "ballots", "user", "users", "user_id"}
        == set()
    )
    assert _owner_ids(bodies) == {owner.pk}
