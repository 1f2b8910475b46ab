"""The polls' live proof on PostgreSQL (``/proofs/``): run for real, it holds, with the
exact counts, and leaves nothing behind."""

from __future__ import annotations

import pytest

from core.identity.models import User
from core.site.proofs import find, run_proof
from polls.models import Ballot, Option, Poll, Vote

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager")]


def _rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (User, Poll, Option, Ballot, Vote)}


def test_the_one_vote_proof_counts_one_ballot_of_thirty_and_leaves_nothing():
    before = _rows()

    result = run_proof(find("one-vote"))

    assert result.held is True, result
    assert result.counts == {
        "attempts": 30,
        "ballots": 1,
        "vote_rows": 1,
        "tally": 1,
        "voter_count": 1,
        "refused_already_voted": 29,
    }
    assert result.details["answers"] == {"ok": 1, "already_voted": 29}
    assert "polls_ballot_one_per_voter" in result.guard
    assert "cleanup_errors" not in result.details
    assert _rows() == before
