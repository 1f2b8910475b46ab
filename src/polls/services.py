"""Every write of the polls: create, edit, close, delete, vote, retract, and the
periodic close and tally reconciliation.

Votes are exact under concurrency without Python-side counting. A vote is four
statements in one transaction, each a round trip with the poll's row lock held, so
each check rides on a write instead of a read of its own:

1. ``UPDATE polls_poll SET version = version + 1, voter_count = voter_count + 1
   WHERE id = %s AND status = 'open' AND opens_at <= now AND (closes_at IS NULL OR
   closes_at > now) RETURNING kind, max_choices, allow_anonymous`` is the vote's first
   statement. It takes the poll's row lock, so the close (``SELECT ... FOR UPDATE``),
   edits and other votes on the poll queue behind it; if the poll closed meanwhile,
   PostgreSQL re-checks the WHERE on the new row and the vote is refused. A vote racing
   the close is therefore either in the final tally or refused, never lost. What it
   returns is the poll as it is under the lock (an edit just before is seen).
2. ``INSERT polls_ballot ... ON CONFLICT (poll_id, voter) DO NOTHING RETURNING id``:
   the ``Ballot`` unique constraint is the "already voted" check (no row back: 409),
   before the options are looked at, so a second vote is a 409 whatever it chose.
3. ``UPDATE polls_option SET votes = votes + 1 WHERE poll_id = %s AND id IN (...)
   RETURNING id``: a chosen id that comes back from no row is not an option of this
   poll (400); then the poll's kind and ``max_choices`` are checked (400).
4. The ``Vote`` rows are inserted.

Any refusal raises inside the transaction, so nothing of it stays (a refused vote's
ballot and option counts are rolled back with it). After commit the cached results
are invalidated and live streams are woken (only if anyone listens).
tests/polls/test_query_counts.py pins the four statements.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from core.cache.versioned import invalidate
from core.http.catalogue import ProblemError
from core.http.timestamps import iso_utc
from core.identity.models import User
from core.live import topics
from core.notifications.services import notification_create
from core.tasking.outbox import enqueue_on_commit
from polls import error_codes
from polls.models import MAX_OPTIONS, MIN_OPTIONS, POLL_WORKFLOW, Ballot, Option, Poll, Vote
from polls.selectors import results_namespace
from polls.voters import Voter

logger = logging.getLogger(__name__)

STRUCTURAL_FIELDS = frozenset({"options", "kind", "max_choices", "opens_at"})
EDITABLE_FIELDS = STRUCTURAL_FIELDS | {
    "question",
    "description",
    "closes_at",
    "results_visibility",
    "allow_anonymous",
}


def stream_topic(poll_id: int) -> str:
    return f"polls.results.{poll_id}"


def _changed(poll_id: int) -> None:
    """After commit: drop the cached results, then wake the streams."""
    invalidate(results_namespace(poll_id))
    topics.publish_on_commit(stream_topic(poll_id))


# --- validation shared by create and edit -------------------------------------------


def _clean_options(texts: Any) -> list[str]:
    if not isinstance(texts, list | tuple) or not all(isinstance(t, str) for t in texts):
        raise ValidationError({"options": ["Send a list of option texts."]}, code="invalid")
    cleaned = [text.strip() for text in texts]
    errors = []
    if any(not text for text in cleaned):
        errors.append(ValidationError("Options cannot be blank.", code="blank"))
    limit = Option._meta.get_field("text").max_length
    if limit is not None and any(len(text) > limit for text in cleaned):
        errors.append(ValidationError("Options are at most 200 characters.", code="max_length"))
    if len(cleaned) < MIN_OPTIONS:
        errors.append(
            ValidationError(f"A poll needs at least {MIN_OPTIONS} options.", code="min_options")
        )
    if len(cleaned) > MAX_OPTIONS:
        errors.append(
            ValidationError(f"A poll has at most {MAX_OPTIONS} options.", code="max_options")
        )
    folded = [text.casefold() for text in cleaned]
    duplicates = sorted({text for text in cleaned if folded.count(text.casefold()) > 1})
    if duplicates:
        errors.append(
            ValidationError(
                f"Options must differ (ignoring case): {', '.join(duplicates)}.",
                code="duplicate_option",
            )
        )
    if errors:
        raise ValidationError({"options": errors})
    return cleaned


def _check_poll(poll: Poll, option_count: int, *, now: datetime, new_close: bool) -> None:
    errors: dict[str, list[ValidationError]] = {}
    if poll.closes_at is not None:
        if new_close and poll.closes_at <= now:
            errors.setdefault("closes_at", []).append(
                ValidationError("The close time is in the past.", code="in_past")
            )
        elif poll.closes_at <= poll.opens_at:
            errors.setdefault("closes_at", []).append(
                ValidationError("The poll must close after it opens.", code="before_open")
            )
    if poll.max_choices is not None:
        if poll.kind == Poll.Kind.SINGLE:
            errors.setdefault("max_choices", []).append(
                ValidationError(
                    "Only multiple-choice polls take max_choices.", code="single_choice"
                )
            )
        elif not 1 <= poll.max_choices <= option_count:
            errors.setdefault("max_choices", []).append(
                ValidationError(
                    f"max_choices is between 1 and the number of options ({option_count}).",
                    code="out_of_range",
                )
            )
    try:
        poll.clean_fields(exclude=["owner", "closes_at", "opens_at", "max_choices"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(ValidationError(m) for m in messages)
    if errors:
        raise ValidationError(errors)


def _set_options(poll: Poll, texts: list[str]) -> None:
    Option.objects.bulk_create(
        Option(poll=poll, text=text, position=index) for index, text in enumerate(texts)
    )


# --- polls ----------------------------------------------------------------------------


def poll_create(*, owner: User, options: Any, **fields: Any) -> Poll:
    """``options`` (the option texts) and ``fields`` (any of ``EDITABLE_FIELDS`` but
    ``options``) are the values sent, checked here: a value the poll cannot take is a
    ``ValidationError`` naming its field."""
    unknown = fields.keys() - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not poll fields: {sorted(unknown)}")
    texts = _clean_options(options)
    now = timezone.now()
    poll = Poll(owner=owner, **{k: v for k, v in fields.items() if v is not None})
    if poll.opens_at is None:
        poll.opens_at = now
    _check_poll(poll, len(texts), now=now, new_close=True)
    with transaction.atomic():
        poll.save()
        _set_options(poll, texts)
    return poll


def _owned_for_update(poll_id: int, actor: User) -> Poll:
    poll = Poll.objects.select_for_update().get(pk=poll_id)
    if poll.owner_id != actor.pk:
        raise PermissionDenied("Only the poll's owner may do this.")
    return poll


def poll_update(*, poll_id: int, actor: User, changes: dict[str, Any]) -> Poll:
    """The owner edits: ``changes`` maps ``EDITABLE_FIELDS`` to the values sent, checked
    here as ``poll_create`` checks them."""
    unknown = changes.keys() - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    now = timezone.now()
    with transaction.atomic():
        poll = _owned_for_update(poll_id, actor)
        if poll.is_closed(now):
            raise ProblemError(error_codes.POLL_CLOSED, "A closed poll cannot be edited.")
        structural = sorted(STRUCTURAL_FIELDS & changes.keys())
        if structural and poll.voter_count:
            raise ProblemError(
                error_codes.POLL_HAS_VOTES,
                f"{', '.join(structural)} can change only before the first vote.",
                voter_count=poll.voter_count,
            )
        texts = _clean_options(changes["options"]) if "options" in changes else None
        for field, value in changes.items():
            if field == "options":
                continue
            if field == "opens_at" and value is None:
                value = now
            setattr(poll, field, value)
        if poll.kind == Poll.Kind.SINGLE and "kind" in changes and "max_choices" not in changes:
            poll.max_choices = None
        option_count = len(texts) if texts is not None else poll.options.count()
        _check_poll(poll, option_count, now=now, new_close="closes_at" in changes)
        poll.version = F("version") + 1
        poll.save()
        if texts is not None:
            poll.options.all().delete()
            _set_options(poll, texts)
        _changed(poll.pk)
    poll.refresh_from_db()
    return poll


def poll_touched(*, poll_id: int) -> None:
    """After an edit outside the services (the admin): readers and streams see it."""
    with transaction.atomic():
        Poll.objects.filter(pk=poll_id).update(version=F("version") + 1)
        _changed(poll_id)


def poll_delete(*, poll_id: int, actor: User) -> None:
    with transaction.atomic():
        poll = _owned_for_update(poll_id, actor)
        poll.delete()
        _changed(poll_id)


def poll_close(*, poll_id: int, actor: User | None = None, now: datetime | None = None) -> Poll:
    """Record the close. By the owner at any time (idempotent); by beat (no actor) only
    once ``closes_at`` has passed. Pushes the final result and notifies the owner."""
    now = now or timezone.now()
    with transaction.atomic():
        if actor is not None:
            poll = _owned_for_update(poll_id, actor)
        else:
            poll = Poll.objects.select_for_update().get(pk=poll_id)
        if POLL_WORKFLOW.is_final(poll.status):  # closing a closed poll again: a no-op
            return poll
        due = poll.closes_at is not None and poll.closes_at <= now
        if actor is None and not due:
            return poll
        poll.status = Poll.Status.CLOSED
        poll.closed_at = poll.closes_at if due else now
        poll.version = F("version") + 1
        poll.save(update_fields=["status", "closed_at", "version", "updated_at"])
        enqueue_on_commit("polls.tasks.poll_close_notify_task", poll.pk)
        _changed(poll.pk)
    poll.refresh_from_db()
    return poll


def polls_close_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Beat: record the close of every poll past its deadline (readers already see it)."""
    now = now or timezone.now()
    due = list(
        Poll.objects.filter(status=Poll.Status.OPEN, closes_at__lte=now)
        .order_by("closes_at")
        .values_list("pk", flat=True)[:limit]
    )
    closed = 0
    for poll_id in due:
        try:
            poll = poll_close(poll_id=poll_id, now=now)
        except Poll.DoesNotExist:
            continue
        closed += poll.status == Poll.Status.CLOSED
    return closed


def poll_close_notify(*, poll_id: int) -> bool:
    """Tell the owner their poll closed, once (a repeated delivery is a no-op)."""
    with transaction.atomic():
        claimed = Poll.objects.filter(
            pk=poll_id, status=Poll.Status.CLOSED, close_notified=False
        ).update(close_notified=True)
        if not claimed:
            return False
        poll = Poll.objects.get(pk=poll_id)
        options = list(poll.options.order_by("-votes", "position")[:1])
        leader = options[0] if options and options[0].votes else None
        summary = f"{poll.voter_count} voter{'s' if poll.voter_count != 1 else ''}"
        if leader is not None:
            summary += f"; most votes: {leader.text} ({leader.votes})"
        notification_create(
            user_id=poll.owner_id,
            kind="polls.poll_closed",
            title=f"Your poll closed: {poll.question[:120]}",
            body=summary + ".",
            data={"poll": poll.pk, "voter_count": poll.voter_count},
        )
    return True


# --- votes ----------------------------------------------------------------------------

# The vote's statements (the module docstring) that the ORM cannot say: an UPDATE that
# returns rows, an INSERT that skips a conflict. The syntax is common to PostgreSQL and
# SQLite (3.35+, the embedded default); names come from the models through _sql.
OPEN_POLL_SQL = """
UPDATE {table} SET {version} = {version} + 1, {voter_count} = {voter_count} + %s
WHERE {id} = %s AND {status} = %s AND {opens_at} <= %s
  AND ({closes_at} IS NULL OR {closes_at} > %s)
RETURNING {kind}, {max_choices}, {allow_anonymous}
"""
BALLOT_SQL = """
INSERT INTO {table} ({poll_id}, {voter}, {user_id}, {created_at}) VALUES (%s, %s, %s, %s)
ON CONFLICT ({poll_id}, {voter}) DO NOTHING
RETURNING {id}
"""
COUNT_CHOICE_SQL = """
UPDATE {table} SET {votes} = {votes} + 1
WHERE {poll_id} = %s AND {id} IN ({ids})
RETURNING {id}
"""


@functools.cache
def _sql(model: type[models.Model], template: str, **extra: str) -> str:
    """``template`` with ``{table}`` and ``{<attname>}`` (``{poll_id}``, ``{votes}``...)
    replaced by the model's quoted table and column names, and ``extra`` as given."""
    quote = connection.ops.quote_name
    columns = {field.attname: quote(field.column) for field in model._meta.concrete_fields}
    return template.format(table=quote(model._meta.db_table), **columns, **extra)


def _open_poll_lock(poll_id: int, *, now: datetime, voters: int) -> tuple[str, int | None, bool]:
    """The vote's first statement: bump the poll only while it is open (see the module
    docstring) and return its ``kind``, ``max_choices`` and ``allow_anonymous`` as they
    are under the lock. Raises the right problem when it is not open."""
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(_sql(Poll, OPEN_POLL_SQL), [voters, poll_id, Poll.Status.OPEN.value, at, at])
        row: tuple[str, int | None, bool] | None = cursor.fetchone()  # the RETURNING columns
    if row is not None:
        return row
    poll = Poll.objects.get(pk=poll_id)  # DoesNotExist: 404
    if poll.is_closed(now):
        raise ProblemError(error_codes.POLL_CLOSED, "The poll has closed.")
    opens_at = iso_utc(poll.opens_at)
    raise ProblemError(
        error_codes.POLL_NOT_OPEN, f"The poll opens at {opens_at}.", opens_at=opens_at
    )


def _clean_choice(option_ids: Iterable[int]) -> list[int]:
    ids = list(option_ids)
    if not ids:
        raise ValidationError({"options": ["Choose at least one option."]}, code="required")
    if len(set(ids)) != len(ids):
        raise ValidationError({"options": ["An option is listed twice."]}, code="duplicate")
    return ids


def _refuse_anonymous_unless_allowed(poll_id: int) -> None:
    """Before any lock: an anonymous vote on a poll that wants an account is a 401, and
    on a missing poll a 404 (``vote_cast`` checks again under the lock)."""
    allowed = Poll.objects.filter(pk=poll_id).values_list("allow_anonymous", flat=True).first()
    if allowed is None:
        raise Poll.DoesNotExist(f"No poll with id {poll_id}.")
    if not allowed:
        raise ProblemError(error_codes.NOT_AUTHENTICATED, "Sign in to vote in this poll.")


def vote_cast(*, poll_id: int, voter: Voter, option_ids: Iterable[int]) -> Ballot:
    if voter.anonymous:
        _refuse_anonymous_unless_allowed(poll_id)
    ids = _clean_choice(option_ids)
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        kind, max_choices, allow_anonymous = _open_poll_lock(poll_id, now=now, voters=1)
        if voter.anonymous and not allow_anonymous:
            # Checked again under the lock: allow_anonymous may have just been edited.
            raise ProblemError(
                error_codes.NOT_AUTHENTICATED,
                "This poll takes votes from signed-in users only.",
            )
        # The ballot first: the one-ballot-per-voter constraint answers "already voted"
        # (no row back) before the options are looked at, whatever they are.
        ballot = Ballot(
            poll_id=poll_id, voter=voter.key, user_id=voter.user_id, created_at=timezone.now()
        )
        created_at = connection.ops.adapt_datetimefield_value(ballot.created_at)
        cursor.execute(_sql(Ballot, BALLOT_SQL), [poll_id, voter.key, voter.user_id, created_at])
        inserted = cursor.fetchone()
        if inserted is None:
            raise ProblemError(error_codes.ALREADY_VOTED, "You have already voted in this poll.")
        ballot.pk = inserted[0]
        ballot._state.adding, ballot._state.db = False, connection.alias  # saved, as create()
        # Count the choice on this poll's options; an id no row returns is not one of
        # them. Every raise below rolls the counts back with the ballot and the poll's bump.
        cursor.execute(
            _sql(Option, COUNT_CHOICE_SQL, ids=", ".join(["%s"] * len(ids))), [poll_id, *ids]
        )
        counted = {pk for (pk,) in cursor.fetchall()}
        missing = [pk for pk in ids if pk not in counted]
        if missing:
            raise ValidationError(
                {"options": [f"Not options of this poll: {', '.join(map(str, missing))}."]},
                code="invalid_choice",
            )
        if kind == Poll.Kind.SINGLE and len(ids) != 1:
            raise ValidationError(
                {"options": ["This poll takes exactly one option."]}, code="single_choice"
            )
        if max_choices is not None and len(ids) > max_choices:
            raise ValidationError(
                {"options": [f"Choose at most {max_choices} options."]},
                code="max_choices",
            )
        single = kind == Poll.Kind.SINGLE
        Vote.objects.bulk_create(
            Vote(ballot=ballot, poll_id=poll_id, option_id=pk, single=single) for pk in ids
        )
        _changed(poll_id)
    return ballot


def vote_retract(*, poll_id: int, voter: Voter) -> None:
    now = timezone.now()
    with transaction.atomic():
        _open_poll_lock(poll_id, now=now, voters=0)
        ballot = Ballot.objects.filter(poll_id=poll_id, voter=voter.key).first()
        if ballot is None:
            raise ProblemError(error_codes.NOT_VOTED, "You have not voted in this poll.")
        Poll.objects.filter(pk=poll_id).update(voter_count=F("voter_count") - 1)
        option_ids = list(ballot.votes.values_list("option_id", flat=True))
        Option.objects.filter(pk__in=option_ids).update(votes=F("votes") - 1)
        ballot.delete()
        _changed(poll_id)


# --- reconciliation ---------------------------------------------------------------------


def tallies_reconcile(*, since: timedelta = timedelta(days=1)) -> int:
    """Beat: compare the tallies of open and recently closed polls with their vote rows;
    log and repair any drift (there should be none: this is the alarm if there is)."""
    now = timezone.now()
    scope = Poll.objects.filter(Q(status=Poll.Status.OPEN) | Q(closed_at__gte=now - since))
    drifting = set(
        Option.objects.filter(poll__in=scope)
        .annotate(actual=Count("vote_rows"))
        .exclude(votes=F("actual"))
        .values_list("poll_id", flat=True)
    ) | set(
        scope.annotate(actual=Count("ballots"))
        .exclude(voter_count=F("actual"))
        .values_list("pk", flat=True)
    )
    for poll_id in sorted(drifting):
        with transaction.atomic():
            poll = Poll.objects.select_for_update().get(pk=poll_id)
            ballots = poll.ballots.count()
            if poll.voter_count != ballots:
                logger.warning(
                    "poll %s voter_count drifted: stored %s, ballots %s",
                    poll_id,
                    poll.voter_count,
                    ballots,
                )
            for option in poll.options.annotate(actual=Count("vote_rows")):
                if option.votes != option.actual:
                    logger.warning(
                        "poll %s option %s drifted: stored %s, votes %s",
                        poll_id,
                        option.pk,
                        option.votes,
                        option.actual,
                    )
                    Option.objects.filter(pk=option.pk).update(votes=option.actual)
            Poll.objects.filter(pk=poll_id).update(voter_count=ballots, version=F("version") + 1)
            _changed(poll_id)
    return len(drifting)
