"""Polls test data, built through ``polls.services`` (so tallies, versions and
constraints are what the product does), API paths, and the "nothing changed"
snapshot every refusal is checked against."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from polls import services
from polls.models import Ballot, Option, Poll, Vote
from polls.voters import Voter
from tests.core.factories import UserFactory

__all__ = [
    "POLLS",
    "anonymous_voter",
    "cast",
    "close_by_clock",
    "make_poll",
    "option_ids",
    "poll_state",
    "poll_url",
    "scheduled",
    "tallies",
    "user",
    "voter_of",
]

POLLS = "/api/v1/polls/polls/"
_sequence = itertools.count(1)


def poll_url(pk: int, action: str = "") -> str:
    return f"{POLLS}{pk}/{action + '/' if action else ''}"


def user(**kwargs: Any):
    return UserFactory(**kwargs)


def make_poll(
    owner: Any = None,
    *,
    options: tuple[str, ...] | list[str] = ("Red", "Green", "Blue"),
    question: str | None = None,
    **fields: Any,
) -> Poll:
    """A poll created through the service, as the API does."""
    return services.poll_create(
        owner=owner or user(),
        question=question or f"Question {next(_sequence)}?",
        options=list(options),
        **fields,
    )


def scheduled(owner: Any = None, **fields: Any) -> Poll:
    return make_poll(owner, opens_at=timezone.now() + timedelta(days=1), **fields)


def close_by_clock(poll: Poll, *, ago: timedelta = timedelta(minutes=1)) -> Poll:
    """The deadline passes while the recorded status is still ``open`` (no beat ran)."""
    now = timezone.now()
    Poll.objects.filter(pk=poll.pk).update(
        opens_at=now - ago - timedelta(hours=1), closes_at=now - ago
    )
    poll.refresh_from_db()
    assert poll.status == Poll.Status.OPEN
    return poll


def option_ids(poll: Poll | int) -> list[int]:
    pk = poll if isinstance(poll, int) else poll.pk
    return list(Option.objects.filter(poll_id=pk).order_by("position").values_list("pk", flat=True))


def voter_of(someone: Any) -> Voter:
    return Voter(key=f"u:{someone.pk}", user_id=someone.pk)


def anonymous_voter(n: int) -> Voter:
    return Voter(key=f"a:{n:064x}")


def cast(poll: Poll, someone: Any, *positions: int) -> None:
    """A vote through the service by a user (or a ``Voter``), for options by position."""
    voter = someone if isinstance(someone, Voter) else voter_of(someone)
    ids = option_ids(poll)
    services.vote_cast(poll_id=poll.pk, voter=voter, option_ids=[ids[p] for p in positions or (0,)])


def tallies(poll: Poll | int) -> list[int]:
    pk = poll if isinstance(poll, int) else poll.pk
    return list(
        Option.objects.filter(poll_id=pk).order_by("position").values_list("votes", flat=True)
    )


def poll_state(poll: Poll | int) -> dict[str, Any]:
    """Everything about a poll a refused request must leave as it was: its row (tallies,
    voter count, version, status), its options, its ballots and their votes."""
    pk = poll if isinstance(poll, int) else poll.pk
    row = Poll.objects.filter(pk=pk).values().first()
    return {
        "poll": row,
        "options": list(Option.objects.filter(poll_id=pk).order_by("pk").values()),
        "ballots": list(
            Ballot.objects.filter(poll_id=pk).order_by("pk").values("pk", "voter", "user_id")
        ),
        "votes": list(
            Vote.objects.filter(poll_id=pk).order_by("pk").values("ballot_id", "option_id")
        ),
    }
