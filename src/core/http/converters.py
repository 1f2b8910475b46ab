"""URL converters. ``<id:pk>`` matches a database id (1 to 2**63 - 1) and
nothing else, so an oversized id in a path is a 404 before any query runs
(Django's ``int`` converter passes it on, and SQLite raises on it)."""

from __future__ import annotations

from django.urls import register_converter

MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)  # Django treats it as "no match": a 404
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)


register_converter(IdConverter, "id")
