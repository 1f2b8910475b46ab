"""Races on the real PostgreSQL: real threads, each with its own connection and its
own committed transactions, released together by a barrier, through the API. No
vote is lost or counted twice, one voter has one ballot, ``max_choices`` holds, and
a vote racing the close is either in the final tally or refused."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from core.http.catalogue import ProblemError
from core.identity.models import User
from polls import services
from polls.models import Ballot, Poll, Vote
from polls.voters import VOTER_COOKIE, Voter
from tests.helpers import MAX_THREADS, client_for, race
from tests.polls.factories import (
    make_poll,
    option_ids,
    poll_url,
    tallies,
    user,
    voter_of,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("unthrottled", "eager"),
]

_batches = itertools.count(1)


def _outcome(response) -> tuple[int, str | None]:
    body = response.json() if response.content else {}
    return response.status_code, body.get("code")


def _vote(client, poll_id: int, options: list[int]):
    """A vote through the API."""
    return _outcome(client.post(poll_url(poll_id, "vote"), {"options": options}, format="json"))


def _cast(voter: Voter, poll_id: int, options: list[int]) -> tuple[int, str | None]:
    """A vote through the service (cheaper than a request: the heavy races use it),
    as the status and code the API would answer with."""
    try:
        services.vote_cast(poll_id=poll_id, voter=voter, option_ids=options)
    except ProblemError as refused:
        return refused.problem.status, refused.problem.code
    except ValidationError:
        return 400, "validation_error"
    return 201, None


def _users(count: int) -> list[Voter]:
    """Many signed-in voters at once (one INSERT)."""
    batch = next(_batches)
    users = User.objects.bulk_create(
        User(username=f"racer-{batch}-{n}", email=f"racer-{batch}-{n}@example.test")
        for n in range(count)
    )
    return [voter_of(someone) for someone in users]


def _row(poll: Poll) -> tuple[str, int, int]:
    return Poll.objects.values_list("status", "voter_count", "version").get(pk=poll.pk)


def test_two_hundred_distinct_voters_from_fifty_threads_are_all_counted():
    poll = make_poll(options=["A", "B", "C", "D"])
    ids = option_ids(poll)
    voters = _users(200)
    # 50 threads, each voting for 4 voters in turn; voter n picks option n % 4
    batches = [[(n, voters[n]) for n in range(t, 200, MAX_THREADS)] for t in range(MAX_THREADS)]

    def vote_batch(batch):
        return [_cast(voter, poll.pk, [ids[n % 4]]) for n, voter in batch]

    outcomes = [outcome for batch in race(vote_batch, batches) for outcome in batch]

    assert Counter(outcomes) == {(201, None): 200}
    assert tallies(poll) == [50, 50, 50, 50]
    assert _row(poll) == ("open", 200, 201)
    assert Ballot.objects.filter(poll=poll).values("voter").distinct().count() == 200
    assert Vote.objects.filter(poll=poll).count() == 200
    results = client_for().get(poll_url(poll.pk, "results")).json()
    assert results["total_votes"] == 200
    assert [o["votes"] for o in results["options"]] == [50, 50, 50, 50]


def test_fifty_concurrent_votes_by_one_voter_count_once():
    poll = make_poll(options=["A", "B", "C"])
    ids = option_ids(poll)
    voter = user()

    outcomes = race(lambda n: _vote(client_for(voter), poll.pk, [ids[n % 3]]), list(range(50)))

    assert Counter(outcomes) == {(201, None): 1, (409, "already_voted"): 49}
    assert sum(tallies(poll)) == 1
    assert _row(poll) == ("open", 1, 2)
    assert list(Ballot.objects.filter(poll=poll).values_list("voter", flat=True)) == [
        f"u:{voter.pk}"
    ]
    assert Vote.objects.filter(poll=poll).count() == 1


def test_concurrent_anonymous_votes_from_one_cookie_count_once():
    poll = make_poll(allow_anonymous=True)
    ids = option_ids(poll)
    first = client_for()
    assert _vote(first, poll.pk, [ids[0]]) == (201, None)
    assert first.delete(poll_url(poll.pk, "vote")).status_code == 204  # the cookie stays
    cookie = first.cookies[VOTER_COOKIE].value

    def vote(n):
        client = client_for()
        client.cookies[VOTER_COOKIE] = cookie
        return _vote(client, poll.pk, [ids[n % 3]])

    outcomes = race(vote, list(range(20)))

    assert Counter(outcomes) == {(201, None): 1, (409, "already_voted"): 19}
    assert sum(tallies(poll)) == 1
    assert Ballot.objects.filter(poll=poll).count() == 1


def test_max_choices_holds_when_one_voter_sends_many_ballots_at_once():
    poll = make_poll(options=["A", "B", "C", "D", "E", "F"], kind="multiple", max_choices=2)
    ids = option_ids(poll)
    voter = user()
    # every pair, and some ballots over the limit (which must be refused whatever wins)
    ballots = [[a, b] for i, a in enumerate(ids) for b in ids[i + 1 :]]
    ballots += [ids[n : n + 3] for n in range(4)] + [ids]

    outcomes = race(lambda options: _vote(client_for(voter), poll.pk, options), ballots)

    counted = [
        ballot for ballot, outcome in zip(ballots, outcomes, strict=True) if outcome[0] == 201
    ]
    assert len(counted) == 1
    assert len(counted[0]) == 2
    statuses = Counter(outcome for outcome in outcomes)
    assert statuses[(201, None)] == 1
    assert set(statuses) <= {(201, None), (409, "already_voted"), (400, "validation_error")}
    for ballot, outcome in zip(ballots, outcomes, strict=True):
        if len(ballot) > 2:
            assert outcome != (201, None)
    assert Ballot.objects.filter(poll=poll).count() == 1
    assert sorted(Vote.objects.filter(poll=poll).values_list("option_id", flat=True)) == sorted(
        counted[0]
    )
    assert tallies(poll) == [1 if pk in counted[0] else 0 for pk in ids]
    assert _row(poll) == ("open", 1, 2)


def test_max_choices_holds_for_many_voters_at_once():
    poll = make_poll(options=["A", "B", "C", "D"], kind="multiple", max_choices=2)
    ids = option_ids(poll)
    jobs = [(voter, ids[: 2 + n % 2]) for n, voter in enumerate(_users(40))]  # half ask for 3

    outcomes = race(lambda job: _cast(job[0], poll.pk, job[1]), jobs)

    assert Counter(outcomes) == {(201, None): 20, (400, "validation_error"): 20}
    assert tallies(poll) == [20, 20, 0, 0]
    assert _row(poll) == ("open", 20, 21)
    per_ballot = Counter(Vote.objects.filter(poll=poll).values_list("ballot_id", flat=True))
    assert set(per_ballot.values()) == {2}


def test_a_vote_racing_the_close_is_counted_or_refused_never_lost():
    """Rounds with the close released at different points among the votes."""
    for round_ in range(3):
        owner = user()
        poll = make_poll(owner, options=["A", "B"])
        ids = option_ids(poll)
        jobs: list[Any] = [("vote", voter, ids[n % 2]) for n, voter in enumerate(_users(40))]
        jobs.insert(10 + round_ * 10, ("close", client_for(owner), None))

        def act(job, poll_id=poll.pk):
            kind, who, option = job
            if kind == "close":
                return kind, who.post(poll_url(poll_id, "close")).status_code, None
            return kind, *_cast(who, poll_id, [option])

        outcomes = race(act, jobs)

        assert ("close", 200, None) in outcomes
        votes = Counter((status, code) for kind, status, code in outcomes if kind == "vote")
        assert set(votes) <= {(201, None), (409, "poll_closed")}, votes
        accepted = votes[(201, None)]
        status, voter_count, _ = _row(poll)
        assert status == "closed"
        assert voter_count == accepted == Ballot.objects.filter(poll=poll).count()
        assert sum(tallies(poll)) == accepted == Vote.objects.filter(poll=poll).count()
        final = client_for().get(poll_url(poll.pk, "results")).json()
        assert final["closed"] is True
        assert final["total_votes"] == accepted
        assert sum(option["votes"] for option in final["options"]) == accepted


def test_concurrent_votes_and_retractions_leave_exact_tallies():
    poll = make_poll(options=["A", "B"])
    ids = option_ids(poll)
    stayers, leavers = _users(20), _users(20)
    for voter in leavers:
        assert _cast(voter, poll.pk, [ids[1]]) == (201, None)
    jobs = [("vote", voter) for voter in stayers] + [("retract", voter) for voter in leavers]

    def act(job):
        kind, voter = job
        if kind == "vote":
            return _cast(voter, poll.pk, [ids[0]])
        services.vote_retract(poll_id=poll.pk, voter=voter)
        return 204, None

    outcomes = race(act, jobs)

    assert Counter(outcomes) == {(201, None): 20, (204, None): 20}
    assert tallies(poll) == [20, 0]
    assert _row(poll)[1] == 20


def test_an_edit_of_the_options_racing_the_first_votes_never_orphans_a_vote():
    """Either the edit lands first (the old options are gone: every vote is a 400) or
    a vote does (the edit is a 409 ``poll_has_votes``): never votes on deleted options."""
    for round_ in range(3):
        owner = user()
        poll = make_poll(owner, options=["A", "B"])
        ids = option_ids(poll)
        jobs: list[Any] = [("vote", voter, ids[n % 2]) for n, voter in enumerate(_users(20))]
        jobs.insert(round_ * 10, ("edit", client_for(owner), None))

        def act(job, poll_id=poll.pk):
            kind, who, option = job
            if kind == "edit":
                response = who.patch(poll_url(poll_id), {"options": ["C", "D", "E"]}, format="json")
                return kind, *_outcome(response)
            return kind, *_cast(who, poll_id, [option])

        outcomes = Counter(race(act, jobs))

        _, voter_count, _ = _row(poll)
        if ("edit", 200, None) in outcomes:
            assert outcomes == {("edit", 200, None): 1, ("vote", 400, "validation_error"): 20}
            assert voter_count == 0
            assert tallies(poll) == [0, 0, 0]
        else:
            assert outcomes == {("edit", 409, "poll_has_votes"): 1, ("vote", 201, None): 20}
            assert voter_count == 20
            assert tallies(poll) == [10, 10]
        assert Ballot.objects.filter(poll=poll).count() == voter_count
        assert Vote.objects.filter(poll=poll).count() == voter_count
