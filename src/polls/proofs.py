"""The polls' live proof (``core.site.proofs``): one voter, one ballot. The voter votes
the way the vote endpoint does (``VoteView.post``: ``voter_for`` then ``vote_cast``) on
a sandbox poll of its own, removed afterwards through ``poll_delete``."""

from __future__ import annotations

from django.db.models import Sum

from core.site.proofs import Outcome, ProofRun, proof
from core.site.proofs.sandbox import tally
from polls import error_codes, services
from polls.models import Ballot, Option, Poll, Vote
from polls.voters import voter_for

VOTES = 30


@proof(
    "one-vote",
    title="One vote per voter",
    description=f"One voter votes {VOTES} times at once: one ballot, a tally of exactly 1, "
    "the rest refused with already_voted.",
    test="tests/polls/test_concurrency.py::test_fifty_concurrent_votes_by_one_voter_count_once",
)
def one_vote(run: ProofRun) -> Outcome:
    owner, someone = run.user("owner"), run.user("voter")
    poll = services.poll_create(
        owner=owner, question="Proof sandbox: one vote per voter?", options=["Yes", "No", "Maybe"]
    )
    run.cleanup(lambda: services.poll_delete(poll_id=poll.pk, actor=owner))
    options = list(
        Option.objects.filter(poll=poll).order_by("position").values_list("pk", flat=True)
    )
    voter = voter_for(someone, {})
    assert voter is not None  # a signed-in user is always a voter

    results = run.race(
        VOTES,
        lambda n: services.vote_cast(
            poll_id=poll.pk, voter=voter, option_ids=[options[n % len(options)]]
        ),
    )

    answers = tally(results)
    ballots = Ballot.objects.filter(poll=poll).count()
    votes = Vote.objects.filter(poll=poll).count()
    counted: int = Option.objects.filter(poll=poll).aggregate(n=Sum("votes"))["n"] or 0
    voter_count, version = Poll.objects.values_list("voter_count", "version").get(pk=poll.pk)
    refused = answers.get(error_codes.ALREADY_VOTED.code, 0)
    held = ballots == votes == counted == voter_count == 1 and answers == {
        "ok": 1,
        error_codes.ALREADY_VOTED.code: VOTES - 1,
    }
    return Outcome(
        held=held,
        expected=f"one ballot, a tally of exactly 1, {VOTES - 1} refused with already_voted",
        happened=f"{ballots} ballot(s), {votes} vote row(s), the options' tally {counted}, "
        f"the poll's voter count {voter_count}; answers: "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(answers.items())),
        counts={
            "attempts": VOTES,
            "ballots": ballots,
            "vote_rows": votes,
            "tally": counted,
            "voter_count": voter_count,
            "refused_already_voted": refused,
        },
        guard="The unique constraint polls_ballot_one_per_voter on (poll, voter): each "
        "vote inserts its ballot with ON CONFLICT DO NOTHING, "
        + (
            "one writer at a time (SQLite: BEGIN IMMEDIATE)"
            if run.embedded
            else "under the poll's row lock (the vote's first statement, a conditional "
            "UPDATE of the open poll)"
        )
        + ", so a second ballot gets no row back and its transaction rolls back with a "
        "409 already_voted.",
        details={
            "threads": VOTES,
            "answers": answers,
            "poll_version": version,  # 1 + one bump per counted vote
        },
    )
