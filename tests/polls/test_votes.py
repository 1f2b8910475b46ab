"""Voting and retracting over the API: what is counted, what is refused, and that a
refusal counts nothing (tallies, voter count, version, ballots all as before)."""

from __future__ import annotations

import hashlib
from datetime import UTC, timedelta

import pytest
from django.core import signing
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from core.http.catalogue import ProblemError
from polls.models import Ballot, Poll, Vote
from polls.voters import VOTER_COOKIE
from tests.helpers import assert_invalid, assert_problem, client_for
from tests.polls.factories import (
    anonymous_voter,
    cast,
    close_by_clock,
    make_poll,
    option_ids,
    poll_state,
    poll_url,
    scheduled,
    tallies,
    user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unthrottled")]


def vote(client, poll, body):
    return client.post(poll_url(poll.pk, "vote"), body, format="json")


def retract(client, poll):
    return client.delete(poll_url(poll.pk, "vote"))


def _poll_row(poll):
    return Poll.objects.values_list("voter_count", "version").get(pk=poll.pk)


# --- counted --------------------------------------------------------------------------


def test_a_single_choice_vote_is_counted():
    poll = make_poll()
    voter = user()
    b = option_ids(poll)[1]

    response = vote(client_for(voter), poll, {"option": b})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["poll"], body["options"]) == (poll.pk, [b])
    assert body["created_at"]
    assert tallies(poll) == [0, 1, 0]
    assert _poll_row(poll) == (1, 2)
    ballot = Ballot.objects.get()
    assert (ballot.voter, ballot.user_id) == (f"u:{voter.pk}", voter.pk)
    assert list(Vote.objects.values_list("option_id", "single")) == [(b, True)]
    assert VOTER_COOKIE not in response.cookies  # signed-in voters get no cookie


def test_options_with_one_id_works_for_a_single_choice_poll_too():
    poll = make_poll()

    response = vote(client_for(user()), poll, {"options": [option_ids(poll)[2]]})

    assert response.status_code == 201, response.content
    assert tallies(poll) == [0, 0, 1]


def test_a_multiple_choice_vote_counts_each_option_and_one_voter():
    poll = make_poll(options=["A", "B", "C", "D"], kind="multiple", max_choices=3)
    ids = option_ids(poll)

    response = vote(client_for(user()), poll, {"options": [ids[0], ids[3], ids[1]]})

    assert response.status_code == 201, response.content
    assert tallies(poll) == [1, 1, 0, 1]
    assert _poll_row(poll) == (1, 2)
    assert Ballot.objects.count() == 1
    assert Vote.objects.filter(single=False).count() == 3


def test_a_multiple_choice_poll_without_max_choices_takes_every_option():
    poll = make_poll(options=["A", "B", "C"], kind="multiple")

    response = vote(client_for(user()), poll, {"options": option_ids(poll)})

    assert response.status_code == 201, response.content
    assert tallies(poll) == [1, 1, 1]


def test_many_voters_add_up():
    poll = make_poll()
    a, b, _ = option_ids(poll)
    for option in (a, b, b, b):
        assert vote(client_for(user()), poll, {"option": option}).status_code == 201

    assert tallies(poll) == [1, 3, 0]
    assert _poll_row(poll) == (4, 5)


# --- refused ----------------------------------------------------------------------------


@pytest.mark.parametrize("second", [0, 1], ids=["same option", "other option"])
def test_a_second_vote_by_the_same_voter_is_409_and_counts_nothing(second):
    poll = make_poll()
    voter = client_for(user())
    assert vote(voter, poll, {"option": option_ids(poll)[0]}).status_code == 201
    before = poll_state(poll)

    response = vote(voter, poll, {"option": option_ids(poll)[second]})

    assert_problem(response, 409, "already_voted")
    assert poll_state(poll) == before


def test_a_second_multiple_choice_ballot_is_409():
    poll = make_poll(options=["A", "B", "C"], kind="multiple")
    voter = client_for(user())
    ids = option_ids(poll)
    assert vote(voter, poll, {"options": [ids[0]]}).status_code == 201
    before = poll_state(poll)

    response = vote(voter, poll, {"options": [ids[1], ids[2]]})

    assert_problem(response, 409, "already_voted")
    assert poll_state(poll) == before


def test_an_option_of_another_poll_is_a_400_naming_the_field_sent():
    poll, other = make_poll(), make_poll()
    cast(poll, user(), 0)
    before = poll_state(poll)

    response = vote(client_for(user()), poll, {"option": option_ids(other)[0]})

    body = assert_invalid(response, "option")
    assert body["errors"]["option"][0]["message"] == (
        f"Not options of this poll: {option_ids(other)[0]}."
    )
    assert poll_state(poll) == before
    assert tallies(other) == [0, 0, 0]


def test_a_mix_of_own_and_foreign_options_counts_nothing():
    poll = make_poll(kind="multiple")
    other = make_poll()
    before = poll_state(poll)

    response = vote(
        client_for(user()), poll, {"options": [option_ids(poll)[0], option_ids(other)[1]]}
    )

    assert_invalid(response, "options")
    assert poll_state(poll) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"option": None}, "option"),
        ({"options": []}, "options"),
        ({"option": "first"}, "option"),
        ({"option": 0}, "option"),
        ({"option": 2**63 - 1}, "option"),
        ({"option": 1, "options": [1]}, "non_field_errors"),
        ({"options": "DUPLICATE"}, "options"),
        ({"options": list(range(1, 22))}, "options"),
        ({"options": 5}, "options"),
    ],
    ids=[
        "nothing",
        "null",
        "empty list",
        "not an id",
        "zero",
        "unknown id",
        "both",
        "twice",
        "too many",
        "not a list",
    ],
)
def test_a_malformed_ballot_is_a_400_naming_the_field_sent_and_counts_nothing(body, field):
    """The error names the field the client sent (``option`` or ``options``), or the body
    as a whole when it sent neither or both."""
    poll = make_poll(kind="multiple")
    if body == {"options": "DUPLICATE"}:
        body = {"options": [option_ids(poll)[0], option_ids(poll)[0]]}
    before = poll_state(poll)

    response = vote(client_for(user()), poll, body)

    assert_invalid(response, field)
    assert poll_state(poll) == before


def test_a_single_choice_poll_refuses_two_options():
    poll = make_poll()
    before = poll_state(poll)

    response = vote(client_for(user()), poll, {"options": option_ids(poll)[:2]})

    assert_invalid(response, "options")
    assert poll_state(poll) == before


def test_more_than_max_choices_is_a_400():
    poll = make_poll(options=["A", "B", "C", "D"], kind="multiple", max_choices=2)
    before = poll_state(poll)

    response = vote(client_for(user()), poll, {"options": option_ids(poll)[:3]})

    assert_invalid(response, "options")
    assert poll_state(poll) == before
    assert vote(client_for(user()), poll, {"options": option_ids(poll)[:2]}).status_code == 201


@pytest.mark.parametrize("how", ["by_owner", "by_clock"])
def test_a_closed_poll_refuses_votes_with_409(how):
    owner = user()
    poll = make_poll(owner)
    cast(poll, user(), 1)
    if how == "by_owner":
        assert client_for(owner).post(poll_url(poll.pk, "close")).status_code == 200
    else:
        close_by_clock(poll)
    before = poll_state(poll)

    response = vote(client_for(user()), poll, {"option": option_ids(poll)[0]})

    assert_problem(response, 409, "poll_closed")
    assert poll_state(poll) == before


def test_a_poll_not_yet_open_refuses_votes_with_409():
    poll = scheduled()
    before = poll_state(poll)

    response = vote(client_for(user()), poll, {"option": option_ids(poll)[0]})

    body = assert_problem(response, 409, "poll_not_open")
    opens_at = poll.opens_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert body["opens_at"] == opens_at  # RFC 3339 in UTC with a Z, as every datetime
    assert body["detail"] == f"The poll opens at {opens_at}."
    assert poll_state(poll) == before


ALREADY_VOTED_BALLOTS = {
    # name: (poll fields, the ballot from this poll's and another poll's option ids,
    #        the status and code answered)
    "an option of another poll": ({}, lambda own, other: [other[0]], (409, "already_voted")),
    "an unknown option": ({}, lambda own, other: [2**63 - 1], (409, "already_voted")),
    "own and foreign options": (
        {"kind": "multiple"},
        lambda own, other: [own[1], other[0]],
        (409, "already_voted"),
    ),
    "two options, single choice": ({}, lambda own, other: own[:2], (409, "already_voted")),
    "over max_choices": (
        {"kind": "multiple", "max_choices": 2},
        lambda own, other: own,
        (409, "already_voted"),
    ),
    # Malformed whatever the poll: refused before the poll is read.
    "an option twice": ({}, lambda own, other: [own[1], own[1]], (400, "validation_error")),
    "no option": ({}, lambda own, other: [], (400, "validation_error")),
}


@pytest.mark.parametrize("case", ALREADY_VOTED_BALLOTS)
def test_an_already_voted_voter_with_a_bad_ballot_is_refused_as_already_voted(case):
    """The existing ballot is refused before the options are looked at: a voter who
    already voted gets 409 ``already_voted`` whatever the options they send, unless the
    body is malformed (a 400 before the poll is read). Nothing changes, here or in the
    poll whose option was sent."""
    fields, ballot, (status, code) = ALREADY_VOTED_BALLOTS[case]
    poll, other = make_poll(**fields), make_poll()
    voter = client_for(user())
    assert vote(voter, poll, {"options": [option_ids(poll)[0]]}).status_code == 201
    before, other_before = poll_state(poll), poll_state(other)

    response = vote(voter, poll, {"options": ballot(option_ids(poll), option_ids(other))})

    assert_problem(response, status, code)
    assert poll_state(poll) == before
    assert poll_state(other) == other_before


def test_a_vote_on_an_unknown_poll_is_404():
    response = client_for(user()).post(poll_url(987654, "vote"), {"option": 1}, format="json")

    assert_problem(response, 404, "not_found")


# --- anonymous voters ---------------------------------------------------------------------


def test_anonymous_votes_are_refused_where_the_poll_does_not_allow_them():
    poll = make_poll()
    before = poll_state(poll)

    response = vote(client_for(), poll, {"option": option_ids(poll)[0]})

    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert VOTER_COOKIE not in response.cookies
    assert poll_state(poll) == before


def test_the_service_refuses_an_anonymous_ballot_where_the_poll_wants_an_account():
    poll = make_poll()
    before = poll_state(poll)

    with pytest.raises(ProblemError) as refused:
        cast(poll, anonymous_voter(1))

    assert (refused.value.problem.status, refused.value.problem.code) == (401, "not_authenticated")
    assert poll_state(poll) == before


def test_an_anonymous_vote_on_an_unknown_poll_is_404_not_401():
    response = client_for().post(poll_url(987654, "vote"), {"option": 1}, format="json")

    assert_problem(response, 404, "not_found")


def test_an_anonymous_voter_gets_an_httponly_cookie_and_votes_once():
    poll = make_poll(allow_anonymous=True)
    browser = client_for()
    a, b, _ = option_ids(poll)

    first = vote(browser, poll, {"option": a})

    assert first.status_code == 201, first.content
    cookie = first.cookies[VOTER_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) > 30 * 24 * 3600
    before = poll_state(poll)

    again = vote(browser, poll, {"option": b})  # the test client sends the cookie back

    assert_problem(again, 409, "already_voted")
    assert poll_state(poll) == before
    another_browser = vote(client_for(), poll, {"option": b})
    assert another_browser.status_code == 201
    assert tallies(poll) == [1, 1, 0]
    assert Ballot.objects.filter(poll=poll).count() == 2


def test_the_anonymous_ballot_stores_a_hash_never_the_token():
    poll = make_poll(allow_anonymous=True)

    response = vote(client_for(), poll, {"option": option_ids(poll)[0]})

    raw = response.cookies[VOTER_COOKIE].value
    token = signing.loads(raw, salt="polls.voter")
    ballot = Ballot.objects.get()
    assert ballot.voter == "a:" + hashlib.sha256(token.encode()).hexdigest()
    assert ballot.user_id is None
    assert token not in ballot.voter
    assert raw not in ballot.voter


def test_a_forged_voter_cookie_is_a_new_voter_not_someone_else():
    poll = make_poll(allow_anonymous=True)
    first = client_for()
    assert vote(first, poll, {"option": option_ids(poll)[0]}).status_code == 201
    forged = client_for()
    forged.cookies[VOTER_COOKIE] = first.cookies[VOTER_COOKIE].value + "x"

    response = vote(forged, poll, {"option": option_ids(poll)[1]})

    assert response.status_code == 201, response.content
    assert response.cookies[VOTER_COOKIE].value != first.cookies[VOTER_COOKIE].value
    assert Ballot.objects.filter(poll=poll).count() == 2


def test_a_signed_in_voter_and_their_anonymous_cookie_are_different_voters():
    poll = make_poll(allow_anonymous=True)
    someone = user()
    browser = client_for()
    assert vote(browser, poll, {"option": option_ids(poll)[0]}).status_code == 201
    browser.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(someone)}")

    response = vote(browser, poll, {"option": option_ids(poll)[1]})

    assert response.status_code == 201, response.content
    assert set(Ballot.objects.values_list("user_id", flat=True)) == {None, someone.pk}


# --- retracting -----------------------------------------------------------------------


def test_retracting_takes_the_vote_back_and_allows_a_new_one():
    poll = make_poll(kind="multiple")
    voter = client_for(user())
    cast(poll, user(), 0)
    ids = option_ids(poll)
    assert vote(voter, poll, {"options": [ids[0], ids[1]]}).status_code == 201
    assert tallies(poll) == [2, 1, 0]

    response = retract(voter, poll)

    assert response.status_code == 204
    assert tallies(poll) == [1, 0, 0]
    assert _poll_row(poll) == (1, 4)  # created, two votes, one retraction
    assert Ballot.objects.filter(poll=poll).count() == 1
    assert Vote.objects.filter(poll=poll).count() == 1

    again = vote(voter, poll, {"options": [ids[2]]})
    assert again.status_code == 201, again.content
    assert tallies(poll) == [1, 0, 1]
    assert _poll_row(poll) == (2, 5)


def test_an_anonymous_voter_retracts_with_their_cookie():
    poll = make_poll(allow_anonymous=True)
    browser = client_for()
    assert vote(browser, poll, {"option": option_ids(poll)[1]}).status_code == 201

    assert retract(client_for(), poll).status_code == 401  # no cookie: nobody to retract for
    assert tallies(poll) == [0, 1, 0]
    assert retract(browser, poll).status_code == 204
    assert tallies(poll) == [0, 0, 0]
    assert vote(browser, poll, {"option": option_ids(poll)[2]}).status_code == 201
    assert tallies(poll) == [0, 0, 1]


def test_retracting_without_a_ballot_is_409_not_voted():
    poll = make_poll()
    cast(poll, user(), 0)
    before = poll_state(poll)

    response = retract(client_for(user()), poll)

    assert_problem(response, 409, "not_voted")
    assert poll_state(poll) == before


def test_retracting_twice_is_409_the_second_time():
    poll = make_poll()
    voter = client_for(user())
    cast(poll, user(), 2)
    assert vote(voter, poll, {"option": option_ids(poll)[0]}).status_code == 201
    assert retract(voter, poll).status_code == 204
    before = poll_state(poll)

    assert_problem(retract(voter, poll), 409, "not_voted")
    assert poll_state(poll) == before


def test_retracting_from_a_poll_nobody_voted_in_is_409_not_voted():
    poll = make_poll()
    before = poll_state(poll)

    response = retract(client_for(user()), poll)

    assert_problem(response, 409, "not_voted")
    assert poll_state(poll) == before


@pytest.mark.parametrize("how", ["by_owner", "by_clock"])
def test_a_closed_poll_keeps_its_votes(how):
    owner = user()
    poll = make_poll(owner)
    voter = client_for(user())
    assert vote(voter, poll, {"option": option_ids(poll)[0]}).status_code == 201
    if how == "by_owner":
        client_for(owner).post(poll_url(poll.pk, "close"))
    else:
        close_by_clock(poll)
    before = poll_state(poll)

    assert_problem(retract(voter, poll), 409, "poll_closed")
    assert poll_state(poll) == before


def test_retracting_before_the_poll_opens_is_409_not_open():
    poll = scheduled()

    assert_problem(retract(client_for(user()), poll), 409, "poll_not_open")


def test_a_vote_just_before_the_deadline_counts():
    poll = make_poll(closes_at=timezone.now() + timedelta(seconds=30))

    assert vote(client_for(user()), poll, {"option": option_ids(poll)[0]}).status_code == 201
    assert tallies(poll) == [1, 0, 0]
