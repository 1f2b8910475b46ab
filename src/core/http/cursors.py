"""Opaque cursors: a small JSON payload in URL-safe base64 without padding. Every keyset
list (core's ``KeysetPagination``, social's feeds and comment pages) encodes its
position with ``encode`` and reads it back with ``decode``; what the payload holds and
how it is checked stays with the list."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

# Characters: a position we encode is at most a few hundred (a 200-character name, JSON-
# escaped, is under 1,700 in base64); past this a cursor is refused before decoding.
MAX_LENGTH = 4096


class InvalidCursor(ValueError):
    """The cursor is not one we made (malformed, truncated, or of another shape)."""


def encode(payload: Mapping[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> dict[str, Any]:
    """The payload of a cursor made by ``encode``; ``InvalidCursor`` otherwise."""
    if len(cursor) > MAX_LENGTH:
        raise InvalidCursor("cursor too long")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidCursor(str(exc)) from None
    if not isinstance(payload, dict):
        raise InvalidCursor("not an object")
    return payload
