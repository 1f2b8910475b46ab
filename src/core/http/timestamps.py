"""Timestamps on the wire: ISO 8601 in UTC with a ``Z``, as DRF's ``DateTimeField``
writes them, for the payloads built without a serializer (hot paths, the results
stream, keyset cursors)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from django.utils import timezone


@overload
def iso_utc(moment: datetime) -> str: ...
@overload
def iso_utc(moment: None) -> None: ...
def iso_utc(moment: datetime | None) -> str | None:
    """``2026-12-07T11:41:57.123456Z``; ``None`` stays ``None``."""
    if moment is None:
        return None
    text = timezone.localtime(moment, UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
