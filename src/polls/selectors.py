"""Reads: poll lists, one poll, and results as each viewer may see them.

Results come from one cached snapshot per poll (one SQL statement on a miss, so the
tallies, the voter count and the version always agree), invalidated after every
change. What a viewer may see of it (``results_visibility``) is applied per request;
whether the poll is closed is derived from the clock at that moment, so a cached
snapshot never shows a poll open past its deadline.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from core.cache.versioned import cached
from polls.models import Ballot, Option, Poll

RESULTS_TIMEOUT = 300


def results_namespace(poll_id: int) -> str:
    return f"polls.results.{poll_id}"


def poll_queryset() -> QuerySet[Poll]:
    return Poll.objects.select_related("owner").prefetch_related(
        Prefetch("options", queryset=Option.objects.order_by("position"))
    )


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


def _snapshot(poll_id: int) -> dict[str, Any]:
    rows = list(Option.objects.filter(poll_id=poll_id).select_related("poll").order_by("position"))
    if not rows:
        raise Poll.DoesNotExist(f"No poll with id {poll_id}.")
    poll = rows[0].poll
    return {
        "poll": poll.pk,
        "question": poll.question,
        "owner_id": poll.owner_id,
        "kind": poll.kind,
        "status": poll.status,
        "opens_at": poll.opens_at,
        "closes_at": poll.closes_at,
        "results_visibility": poll.results_visibility,
        "allow_anonymous": poll.allow_anonymous,
        "voter_count": poll.voter_count,
        "version": poll.version,
        "options": [{"id": row.pk, "text": row.text, "votes": row.votes} for row in rows],
    }


def results_snapshot(poll_id: int) -> dict[str, Any]:
    """The poll's stored results (cached; Redis down falls through to the database)."""
    return cached(
        results_namespace(poll_id),
        ["snapshot"],
        lambda: _snapshot(poll_id),
        timeout=RESULTS_TIMEOUT,
    )


def snapshot_closed(snapshot: dict[str, Any], now: datetime | None = None) -> bool:
    now = now or timezone.now()
    closes_at = snapshot["closes_at"]
    return snapshot["status"] == Poll.Status.CLOSED or (closes_at is not None and closes_at <= now)


def snapshot_version(snapshot: dict[str, Any], now: datetime | None = None) -> int:
    """The version a reader sees: a close that readers derive from ``closes_at`` before
    beat records it counts as the change that recording it will be (version + 1)."""
    derived_close = snapshot["status"] == Poll.Status.OPEN and snapshot_closed(snapshot, now)
    return snapshot["version"] + (1 if derived_close else 0)


def results_visible(
    snapshot: dict[str, Any], *, user_id: int | None, has_voted: bool, closed: bool
) -> bool:
    """Owners always see results; others as ``results_visibility`` says, and everyone
    once the poll has closed."""
    rule = snapshot["results_visibility"]
    if closed or rule == Poll.Visibility.ALWAYS:
        return True
    if user_id is not None and user_id == snapshot["owner_id"]:
        return True
    return rule == Poll.Visibility.AFTER_VOTE and has_voted


def needs_vote_check(snapshot: dict[str, Any], *, user_id: int | None, closed: bool) -> bool:
    """Whether visibility depends on this viewer having voted (one query, only then)."""
    return (
        not closed
        and snapshot["results_visibility"] == Poll.Visibility.AFTER_VOTE
        and (user_id is None or user_id != snapshot["owner_id"])
    )


def has_voted(poll_id: int, voter_key: str | None) -> bool:
    if voter_key is None:
        return False
    return Ballot.objects.filter(poll_id=poll_id, voter=voter_key).exists()


def results_body(
    snapshot: dict[str, Any], *, visible: bool, now: datetime | None = None
) -> dict[str, Any]:
    """The results document of the API and the stream. Hidden results carry no counts
    and version 0, so neither the numbers nor the pace of voting leak."""
    now = now or timezone.now()
    closed = snapshot_closed(snapshot, now)
    state = "closed" if closed else ("open" if snapshot["opens_at"] <= now else "scheduled")
    total = snapshot["voter_count"]
    options = []
    for option in snapshot["options"]:
        votes = option["votes"] if visible else None
        percent = None
        if visible:
            percent = round(option["votes"] * 100 / total, 1) if total else 0.0
        options.append(
            {"id": option["id"], "text": option["text"], "votes": votes, "percent": percent}
        )
    return {
        "poll": snapshot["poll"],
        "question": snapshot["question"],
        "kind": snapshot["kind"],
        "state": state,
        "closed": closed,
        "closes_at": _iso(snapshot["closes_at"]),
        "results_visibility": snapshot["results_visibility"],
        "visible": visible,
        "total_votes": total if visible else None,
        "options": options,
        "version": snapshot_version(snapshot, now) if visible else 0,
    }


def _iso(moment: datetime | None) -> str | None:
    # The same form DRF writes: UTC with a Z.
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None
