"""Social's cursors (opaque to clients) and its keyset pages over ``(created_at, id)``.

A cursor names its list (``kind``) and a position. REST pages both ways: a ``next``
cursor seeks past the page's last row, a ``previous`` one (kind ``<kind>:back``) seeks
back from its first row in the reversed order, then the rows are put back in order;
GraphQL's connections page forward only (a ``previous`` cursor given as ``after`` is
an invalid cursor)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from django.db.models import Model, Q, QuerySet

from core.http import cursors
from social.feed import Entry

# The rows of a page: posts, comments, ...
_Row = TypeVar("_Row", bound=Model)

_MAX_ID = 2**63 - 1


def cursor_encode(kind: str, *parts: str | int) -> str:
    return cursors.encode({"k": kind, "p": list(parts)})


def cursor_decode(kind: str, cursor: str | None, count: int) -> list[object] | None:
    """The parts of a cursor made by ``cursor_encode(kind, ...)``; None for no cursor.
    A malformed cursor (or one from another list) is a ValueError."""
    if not cursor:
        return None
    payload = cursors.decode(cursor)  # InvalidCursor is a ValueError
    parts = payload.get("p")
    if payload.get("k") != kind or not isinstance(parts, list) or len(parts) != count:
        raise ValueError("Invalid cursor.")
    return parts


def backward(kind: str) -> str:
    """The kind of a ``previous`` cursor of the list ``kind``."""
    return f"{kind}:back"


def is_backward(kind: str, cursor: str | None) -> bool:
    """Whether ``cursor`` is a ``previous`` cursor of ``kind`` (malformed: a ValueError)."""
    if not cursor:
        return False
    return cursors.decode(cursor).get("k") == backward(kind)


def _position_int(value: object, *, low: int = 1, high: int = _MAX_ID) -> int:
    """An id or a score from a cursor, in the range a bigint column takes."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError("Invalid cursor.")
    return value


def user_cursor_decode(cursor: str | None) -> tuple[str, int] | None:
    """The username and id after which a ``users`` page starts."""
    parts = cursor_decode("user", cursor, 2)
    if parts is None:
        return None
    username, pk = parts
    if not isinstance(username, str) or "\x00" in username:
        raise ValueError("Invalid cursor.")
    return username, _position_int(pk)


def time_cursor(kind: str, moment: datetime, pk: int) -> str:
    return cursor_encode(kind, int(moment.timestamp() * 1_000_000), pk)


def time_cursor_decode(kind: str, cursor: str | None) -> tuple[datetime, int] | None:
    parts = cursor_decode(kind, cursor, 2)
    if parts is None:
        return None
    micros, pk = _position_int(parts[0], low=-_MAX_ID), _position_int(parts[1])
    try:
        moment = datetime.fromtimestamp(micros / 1_000_000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise ValueError("Invalid cursor.") from None
    return moment, pk


def feed_cursor(entry: Entry, *, kind: str = "feed") -> str:
    return cursor_encode(kind, entry.score, entry.post_id)


def feed_cursor_decode(cursor: str | None, *, kind: str = "feed") -> Entry | None:
    parts = cursor_decode(kind, cursor, 2)
    if parts is None:
        return None
    return Entry(_position_int(parts[0], low=-_MAX_ID), _position_int(parts[1]))


# --- keyset pages over (created_at, id) ----------------------------------------------------


def _seek(
    queryset: QuerySet[_Row], position: tuple[datetime, int], *, older: bool
) -> QuerySet[_Row]:
    """The rows strictly older (or newer) than ``position``."""
    moment, pk = position
    if older:
        return queryset.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    return queryset.filter(Q(created_at__gt=moment) | Q(created_at=moment, id__gt=pk))


def page_newest_first(
    queryset: QuerySet[_Row], *, kind: str, first: int, after: str | None
) -> tuple[list[_Row], bool]:
    """Keyset page over ``(-created_at, -id)``: ``first`` rows after the cursor."""
    position = time_cursor_decode(kind, after)
    if position is not None:
        queryset = _seek(queryset, position, older=True)
    rows = list(queryset[: first + 1])
    return rows[:first], len(rows) > first


def page_oldest_first(
    queryset: QuerySet[_Row], *, kind: str, first: int, after: str | None
) -> tuple[list[_Row], bool]:
    position = time_cursor_decode(kind, after)
    if position is not None:
        queryset = _seek(queryset, position, older=False)
    rows = list(queryset[: first + 1])
    return rows[:first], len(rows) > first


@dataclass(frozen=True)
class Page(Generic[_Row]):
    """A page and the cursors of the pages after and before it (None: there is none)."""

    rows: list[_Row]
    next_cursor: str | None
    previous_cursor: str | None


def time_page(
    queryset: QuerySet[_Row], *, kind: str, first: int, cursor: str | None, newest_first: bool
) -> Page[_Row]:
    """``first`` rows of ``queryset`` (ordered by ``created_at, id``, newest first or
    oldest first) from a ``next`` or ``previous`` cursor of ``kind``: one query, as the
    forward pages. A malformed cursor is a ValueError."""
    back = is_backward(kind, cursor)
    position = time_cursor_decode(backward(kind) if back else kind, cursor)
    if position is not None:
        queryset = _seek(queryset, position, older=newest_first != back)
    if back:
        queryset = queryset.reverse()
    rows = list(queryset[: first + 1])
    more, rows = len(rows) > first, rows[:first]
    if back:
        rows.reverse()
    has_next, has_previous = (True, more) if back else (more, position is not None)

    def at(row: _Row | None, list_kind: str) -> str:
        if row is None:  # an empty page: from the cursor's own position
            assert position is not None
            return time_cursor(list_kind, *position)
        return time_cursor(list_kind, row.created_at, row.pk)  # type: ignore[attr-defined]  # rows have created_at

    return Page(
        rows=rows,
        next_cursor=at(rows[-1] if rows else None, kind) if has_next else None,
        previous_cursor=at(rows[0] if rows else None, backward(kind)) if has_previous else None,
    )
