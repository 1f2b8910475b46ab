"""GraphQL's wire formats, the same as REST's: the one ``DateTime`` scalar every graphene
type and field uses writes RFC 3339 in UTC ending in ``Z`` (``core.http.timestamps.
iso_utc``), where graphene's own writes ``+00:00``.

It keeps graphene's name, so the schema still says ``scalar DateTime``; a field declared
with ``graphene.DateTime`` instead would be a second type of that name, which graphene
refuses when it builds the schema. Model fields that graphene-django converts itself
(``DjangoObjectType``) get this scalar too (registered on import)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import graphene
from django.db import models
from graphene_django.converter import convert_django_field, get_django_field_description
from graphql import GraphQLError

from core.http.timestamps import iso_utc


class DateTime(graphene.DateTime):  # type: ignore[misc]  # graphene is untyped: Any base
    """An instant, as RFC 3339 in UTC ending in `Z` (`2026-12-07T11:41:57.123456Z`), as
    REST writes it. Input takes any RFC 3339 offset."""

    class Meta:
        name = "DateTime"

    @staticmethod
    def serialize(value: Any) -> str:
        if not isinstance(value, datetime):
            raise GraphQLError(f"DateTime cannot represent value: {value!r}")
        # Django stores UTC: a naive value (raw SQL on SQLite) is read as such.
        moment: datetime = value if value.tzinfo else value.replace(tzinfo=UTC)
        return iso_utc(moment)


@convert_django_field.register(models.DateTimeField)  # type: ignore[untyped-decorator]  # graphene-django is untyped
def _convert_datetime(field: models.DateTimeField[Any, Any], registry: Any = None) -> DateTime:
    return DateTime(description=get_django_field_description(field), required=not field.null)
