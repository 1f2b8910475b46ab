"""Reads: poll lists, one poll, what a user may do to it, and results as each viewer
may see them.

Results come from one cached ``ResultsSnapshot`` per poll (one SQL statement on a miss,
so the tallies, the voter count and the version always agree), invalidated after every
change. ``results_for`` applies what a viewer may see of it (``results_visibility``)
and is the one place the REST results, the stream and the live page get results
from; whether the poll is closed is derived from the clock at that moment, so a
cached snapshot never shows a poll open past its deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from core.cache.versioned import cached
from core.http.timestamps import iso_utc
from polls.models import POLL_OWNER_MOVES, POLL_WORKFLOW, Ballot, Option, Poll

RESULTS_TIMEOUT = 300


def results_namespace(poll_id: int) -> str:
    return f"polls.results.{poll_id}"


def poll_queryset() -> QuerySet[Poll]:
    return Poll.objects.select_related("owner").prefetch_related(
        Prefetch("options", queryset=Option.objects.order_by("position"))
    )


def poll_get(*, poll_id: int) -> Poll:
    """One poll with its owner and options; ``Poll.DoesNotExist`` when there is none."""
    return poll_queryset().get(pk=poll_id)


def poll_allowed_transitions(
    *, poll: Poll, user_id: int | None, now: datetime | None = None
) -> list[str]:
    """The states the user may move the poll to from the one it reads as now (its
    ``allowed_transitions``): its owner may close a scheduled or open poll; anyone
    else, nothing (the clock opens and closes polls)."""
    moves = POLL_OWNER_MOVES if user_id is not None and user_id == poll.owner_id else ()
    return POLL_WORKFLOW.allowed(poll.state(now), moves=moves)


def poll_check_exists(*, poll_id: int) -> None:
    """Raise ``Poll.DoesNotExist`` (a 404) unless the poll exists: one indexed query."""
    if not Poll.objects.filter(pk=poll_id).exists():
        raise Poll.DoesNotExist(f"No poll with id {poll_id}.")


def poll_list(
    *, state: str | None = None, owner_id: int | None = None, now: datetime | None = None
) -> QuerySet[Poll]:
    now = now or timezone.now()
    polls = poll_queryset()
    if owner_id is not None:
        polls = polls.filter(owner_id=owner_id)
    not_due = Q(closes_at__isnull=True) | Q(closes_at__gt=now)
    if state == "open":
        polls = polls.filter(not_due, status=Poll.Status.OPEN, opens_at__lte=now)
    elif state == "scheduled":
        polls = polls.filter(not_due, status=Poll.Status.OPEN, opens_at__gt=now)
    elif state == "closed":
        polls = polls.filter(Q(status=Poll.Status.CLOSED) | Q(closes_at__lte=now))
    return polls


@dataclass(frozen=True)
class OptionTally:
    id: int
    text: str
    votes: int


@dataclass(frozen=True)
class ResultsSnapshot:
    """A poll's stored results, the same for every viewer (what the cache holds)."""

    poll: int
    question: str
    owner_id: int
    kind: str
    status: str
    opens_at: datetime
    closes_at: datetime | None
    results_visibility: str
    allow_anonymous: bool
    voter_count: int
    version: int
    options: tuple[OptionTally, ...]

    def closed(self, now: datetime) -> bool:
        return self.status == Poll.Status.CLOSED or (
            self.closes_at is not None and self.closes_at <= now
        )

    def state(self, now: datetime) -> str:
        if self.closed(now):
            return "closed"
        return "open" if self.opens_at <= now else "scheduled"

    def version_at(self, now: datetime) -> int:
        """The version a reader sees: a close that readers derive from ``closes_at``
        before beat records it counts as the change that recording it will be
        (version + 1)."""
        derived_close = self.status == Poll.Status.OPEN and self.closed(now)
        return self.version + (1 if derived_close else 0)

    def refresh_at(self, now: datetime) -> float | None:
        """When the state changes with the clock alone (opening, the deadline), as epoch
        seconds; None when closed or nothing is due."""
        if self.closed(now):
            return None
        future = [m.timestamp() for m in (self.opens_at, self.closes_at) if m and m > now]
        return min(future) if future else None

    def hinges_on_vote(self, *, user_id: int | None, now: datetime) -> bool:
        """Whether this viewer's visibility depends on their having voted."""
        return (
            not self.closed(now)
            and self.results_visibility == Poll.Visibility.AFTER_VOTE
            and (user_id is None or user_id != self.owner_id)
        )


@dataclass(frozen=True)
class ResultsViewer:
    """Who looks at results: a user (or nobody) and their voter key. ``voted`` is None
    until known; ``results_for`` looks it up only when visibility depends on it."""

    user_id: int | None = None
    voter_key: str | None = None
    voted: bool | None = None


@dataclass(frozen=True)
class OptionResult:
    id: int
    text: str
    votes: int | None
    percent: float | None


@dataclass(frozen=True)
class Results:
    """A poll's results as one viewer may see them. Hidden results carry no counts and
    version 0, so neither the numbers nor the pace of voting leak."""

    poll: int
    question: str
    kind: str
    state: str
    closed: bool
    closes_at: datetime | None
    results_visibility: str
    visible: bool
    total_votes: int | None
    options: tuple[OptionResult, ...]
    version: int

    def as_dict(self) -> dict[str, Any]:
        """The results document of the API and the stream."""
        return {
            "poll": self.poll,
            "question": self.question,
            "kind": self.kind,
            "state": self.state,
            "closed": self.closed,
            "closes_at": iso_utc(self.closes_at),
            "results_visibility": self.results_visibility,
            "visible": self.visible,
            "total_votes": self.total_votes,
            "options": [
                {"id": o.id, "text": o.text, "votes": o.votes, "percent": o.percent}
                for o in self.options
            ],
            "version": self.version,
        }


def _snapshot(poll_id: int) -> ResultsSnapshot:
    rows = list(Option.objects.filter(poll_id=poll_id).select_related("poll").order_by("position"))
    if not rows:
        raise Poll.DoesNotExist(f"No poll with id {poll_id}.")
    poll = rows[0].poll
    return ResultsSnapshot(
        poll=poll.pk,
        question=poll.question,
        owner_id=poll.owner_id,
        kind=poll.kind,
        status=poll.status,
        opens_at=poll.opens_at,
        closes_at=poll.closes_at,
        results_visibility=poll.results_visibility,
        allow_anonymous=poll.allow_anonymous,
        voter_count=poll.voter_count,
        version=poll.version,
        options=tuple(OptionTally(id=row.pk, text=row.text, votes=row.votes) for row in rows),
    )


def results_snapshot(poll_id: int) -> ResultsSnapshot:
    """The poll's stored results (cached; Redis down falls through to the database).
    Raises ``Poll.DoesNotExist`` for a missing poll."""
    return cached(
        results_namespace(poll_id),
        ["snapshot", "v2"],  # v2: a ResultsSnapshot (v1 held a dict)
        lambda: _snapshot(poll_id),
        timeout=RESULTS_TIMEOUT,
    )


def has_voted(poll_id: int, voter_key: str | None) -> bool:
    if voter_key is None:
        return False
    return Ballot.objects.filter(poll_id=poll_id, voter=voter_key).exists()


def results_viewer(
    snapshot: ResultsSnapshot,
    *,
    user_id: int | None,
    voter_key: str | None,
    now: datetime | None = None,
) -> ResultsViewer:
    """The viewer with ``voted`` known: one query, and only when visibility depends on it."""
    now = now or timezone.now()
    voted = snapshot.hinges_on_vote(user_id=user_id, now=now) and has_voted(
        snapshot.poll, voter_key
    )
    return ResultsViewer(user_id=user_id, voter_key=voter_key, voted=voted)


def results_for(
    *,
    viewer: ResultsViewer,
    poll_id: int | None = None,
    snapshot: ResultsSnapshot | None = None,
    now: datetime | None = None,
) -> Results:
    """A poll's results as ``viewer`` may see them: owners always; others as
    ``results_visibility`` says, and everyone once the poll has closed. Give the
    ``snapshot`` when you hold one (the stream), else the ``poll_id``; a missing poll
    raises ``Poll.DoesNotExist``."""
    now = now or timezone.now()
    if snapshot is None:
        if poll_id is None:
            raise TypeError("results_for needs a poll_id or a snapshot")
        snapshot = results_snapshot(poll_id)
    if viewer.voted is None:
        viewer = results_viewer(
            snapshot, user_id=viewer.user_id, voter_key=viewer.voter_key, now=now
        )
    closed = snapshot.closed(now)
    rule = snapshot.results_visibility
    visible = (
        closed
        or rule == Poll.Visibility.ALWAYS
        or (viewer.user_id is not None and viewer.user_id == snapshot.owner_id)
        or (rule == Poll.Visibility.AFTER_VOTE and bool(viewer.voted))
    )
    total = snapshot.voter_count
    options = tuple(
        OptionResult(
            id=option.id,
            text=option.text,
            votes=option.votes if visible else None,
            percent=(round(option.votes * 100 / total, 1) if total else 0.0) if visible else None,
        )
        for option in snapshot.options
    )
    return Results(
        poll=snapshot.poll,
        question=snapshot.question,
        kind=snapshot.kind,
        state=snapshot.state(now),
        closed=closed,
        closes_at=snapshot.closes_at,
        results_visibility=rule,
        visible=visible,
        total_votes=total if visible else None,
        options=options,
        version=snapshot.version_at(now) if visible else 0,
    )
