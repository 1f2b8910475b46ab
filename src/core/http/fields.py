"""Serializer fields every context uses for ids.

A database id is a positive 64-bit integer. DRF's ``IntegerField`` and
``PrimaryKeyRelatedField`` accept any integer, and SQLite raises
``OverflowError`` (a 500) binding one past 64 bits; PostgreSQL's ``integer``
columns raise ``DataError`` past 32. These fields refuse out-of-range ids as
validation errors, the same on both databases.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model
from rest_framework import serializers

from core.http.converters import MAX_ID

_MT = TypeVar("_MT", bound=Model)


class IdField(serializers.IntegerField):
    """A database id: an integer from 1 to 2**63 - 1."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField[_MT]):
    """DRF's, with the id range checked before the lookup."""

    def to_internal_value(self, data: Any) -> _MT:
        if self.pk_field is None:
            value = data
            if isinstance(value, str) and value.isascii() and value.isdigit():
                value = int(value)
            if isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= MAX_ID:
                self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer[_MT]):
    """The base for every context's model serializers: relations by id use
    the range-checked field."""

    serializer_related_field = PrimaryKeyRelatedField
