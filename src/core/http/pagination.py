"""Every list's envelope, and the paginators that fill it.

One shape for every REST collection, paginated or not::

    {"results": [...], "next": <absolute URL or null>, "previous": <absolute URL or null>}

plus, for a few lists, documented extras beside ``results`` (a search's ``corrected``).
``envelope`` builds that body and ``envelope_serializer`` documents it: no list has
envelope code of its own. ``next`` is null on the last page, ``previous`` only on the
first; there is no ``count`` (at a million rows it costs a COUNT).

The paginators: ``KeysetPagination`` (large lists, a choice of orderings, seeking both
ways), ``CursorPagination`` (DRF's, for one fixed ordering), ``PageNumberPagination``
(``?page=N`` for small lists, without a COUNT: it fetches one row more than a page) and
``SequencePagination`` (lists held whole: recommendations, trending, search, the
category tree, genres). A malformed ``cursor`` or ``page`` is the client's mistake, so
it is a 400 validation problem naming the parameter, the same everywhere (DRF answers
404 for both); a page number past the end is a 404.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field, FloatField, Model, Q, QuerySet
from rest_framework import pagination, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.http import cursors

if TYPE_CHECKING:  # DRF's settings import this module while rest_framework.views loads
    from rest_framework.request import Request
    from rest_framework.views import APIView

    # What the mixins below are mixed into, so their ``super()`` calls are typed.
    _PaginationBase = pagination.BasePagination
else:
    _PaginationBase = object

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

_Model = TypeVar("_Model", bound=Model)
_Row = TypeVar("_Row")
_Item = TypeVar("_Item")


# --- the envelope -----------------------------------------------------------------------


def envelope(
    results: Iterable[Any],
    *,
    next_link: str | None = None,
    previous_link: str | None = None,
    **extras: Any,
) -> dict[str, Any]:
    """The body of every list: ``results``, ``next`` and ``previous`` (absolute URLs or
    null: both null for a list that is one page), and the list's documented extras."""
    return {
        "results": results if isinstance(results, list) else list(results),
        "next": next_link,
        "previous": previous_link,
        **extras,
    }


def envelope_serializer(
    name: str,
    results: serializers.Field[Any, Any, Any, Any] | serializers.BaseSerializer[Any],
    *,
    extras: Mapping[str, serializers.Field[Any, Any, Any, Any]] | None = None,
) -> type[serializers.Serializer[Any]]:
    """The OpenAPI shape of ``envelope``: component ``name``, whose ``results`` are
    ``results`` (a ``many=True`` serializer) and whose ``extras`` (fields) sit beside
    them. Call it once per name, at import time: the schema's component registry keys
    on the class."""
    from drf_spectacular.utils import extend_schema_serializer

    fields: dict[str, Any] = {
        "results": results,
        "next": serializers.URLField(
            allow_null=True, help_text="The next page (an absolute URL); null on the last."
        ),
        "previous": serializers.URLField(
            allow_null=True, help_text="The page before (an absolute URL); null on the first."
        ),
        **(extras or {}),
    }
    attributes = {**fields, "__module__": __name__, "is_envelope": True}
    shape = cast(
        "type[serializers.Serializer[Any]]", type(name, (serializers.Serializer,), attributes)
    )
    # In this order (the metaclass orders fields by creation, and the caller made
    # ``results`` and the extras before the links).
    shape._declared_fields = {field: shape._declared_fields[field] for field in fields}
    # The generator wraps a list view's response in an array unless told it is one body.
    wrapped: type[serializers.Serializer[Any]] = extend_schema_serializer(many=False)(shape)
    return wrapped


class Envelope(_PaginationBase):
    """What every paginator answers: ``envelope`` with its links (and the view's
    extras). Its schema is the view's ``envelope_serializer``, declared on the view."""

    if TYPE_CHECKING:

        def get_next_link(self) -> str | None: ...

        def get_previous_link(self) -> str | None: ...

    def get_paginated_response(self, data: Any, **extras: Any) -> Response:
        return Response(self.get_paginated_data(data, **extras))

    def get_paginated_data(self, data: Any, **extras: Any) -> dict[str, Any]:
        return envelope(
            data,
            next_link=self.get_next_link(),
            previous_link=self.get_previous_link(),
            **extras,
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        raise ImproperlyConfigured(
            "Document a list's 200 with core.http.pagination.envelope_serializer(...)."
        )


# --- the page size ----------------------------------------------------------------------


class StrictPageSize(_PaginationBase):
    """``?page_size=``: 1 to ``max_page_size``; anything else is a 400 naming it (DRF's
    paginators silently fall back or cap, which hides a client's mistake). A list that
    renamed its size parameter keeps the old name working as a ``page_size_aliases``
    (``page_size`` wins when both are sent)."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    page_size_aliases: ClassVar[tuple[str, ...]] = ()
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        for name in (self.page_size_query_param, *self.page_size_aliases):
            raw = request.query_params.get(name)
            if raw is not None:
                break
        else:
            return self.page_size
        maximum = self.max_page_size
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 4 and 1 <= int(raw) <= maximum):
            raise ValidationError({name: [f"A number from 1 to {maximum}."]}, code="invalid")
        return int(raw)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        """DRF documents ``page_size`` as any integer: document the bounds enforced above."""
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Items per page, 1 to {self.max_page_size} (default {self.page_size})."
                )
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters


def _invalid_cursor(name: str = "cursor") -> ValidationError:
    return ValidationError(
        {name: ["Invalid cursor: use a `next` or `previous` link."]}, code="invalid_cursor"
    )


# --- page numbers -----------------------------------------------------------------------


class PageNumberPagination(StrictPageSize, Envelope, pagination.BasePagination):
    """``?page=N`` (from 1) for small lists. No COUNT: a page reads one row more than it
    shows, to know whether another follows; a page past the end is a 404."""

    page_query_param = "page"

    request: Request
    page_number: int
    has_next: bool

    def paginate_queryset(
        self, queryset: QuerySet[_Model, _Row], request: Request, view: APIView | None = None
    ) -> list[_Row]:
        self.request = request
        raw = request.query_params.get(self.page_query_param) or "1"
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and int(raw) > 0):
            raise ValidationError(
                {self.page_query_param: ["A page number is a positive integer."]},
                code="invalid_page",
            )
        self.page_number, size = int(raw), self.get_page_size(request)
        start = (self.page_number - 1) * size
        rows = list(queryset[start : start + size + 1])
        if not rows and self.page_number > 1:
            raise NotFound("This page is past the last one.")
        self.has_next = len(rows) > size
        return rows[:size]

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.page_number + 1)

    def get_previous_link(self) -> str | None:
        if self.page_number == 1:
            return None
        url = self.request.build_absolute_uri()
        if self.page_number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.page_number - 1)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number, from 1.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Items per page, 1 to {self.max_page_size} "
                f"(default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


# --- DRF's cursor pagination (one fixed ordering) ---------------------------------------


# StrictPageSize's page_size, page_size_query_param and max_page_size are always set,
# where DRF's paginators allow None (no paging, no parameter, no cap).
class CursorPagination(StrictPageSize, Envelope, pagination.CursorPagination):  # type: ignore[misc]  # page sizes never None
    """Keyset pagination. Subclasses set ``ordering`` to a unique, indexed key."""

    ordering = ("-created_at", "-id")

    def paginate_queryset(
        self, queryset: QuerySet[_Model, _Row], request: Request, view: APIView | None = None
    ) -> list[_Row] | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            if not request.query_params.get(self.cursor_query_param):
                raise
            # A decodable cursor whose position is not a value of the ordering field.
            raise _invalid_cursor(self.cursor_query_param) from None

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        invalid = _invalid_cursor(self.cursor_query_param)
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise invalid from None
        # DRF reads a cursor that decodes to none of its fields (any base64 string) as
        # "the first page": a client's broken cursor would silently restart the list.
        if cursor == pagination.Cursor(offset=0, reverse=False, position=None) and (
            request.query_params.get(self.cursor_query_param)
        ):
            raise invalid
        return cursor


# --- keyset pagination over a choice of orderings ----------------------------------------


class KeysetPagination(StrictPageSize, Envelope, pagination.BasePagination):
    """Keyset ("seek") pagination over a choice of orderings, for large lists.

    Each public ``ordering`` value maps to one field (``-`` for descending); the id
    breaks ties, so the position ``(value, id)`` is unique and a page is an index seek
    ``WHERE (value, id) > (v, i) ORDER BY value, id LIMIT n``, as fast 50 pages deep
    as on the first, with no ``COUNT(*)`` and no ``OFFSET``. Annotated fields
    (a search rank) work too. The cursor is opaque (base64 JSON) and validated: a
    malformed one, or one made for another ordering, is a 400 on ``cursor``.

    A cursor carries its direction: ``next`` seeks past the page's last row, and
    ``previous`` seeks back from its first row in the reversed ordering (then the rows
    are put back in order), so ``previous`` from page N is exactly page N-1, and null
    on page 1. Subclasses set ``orderings`` and ``default_ordering``.
    """

    cursor_query_param = "cursor"
    ordering_query_param = "ordering"
    orderings: dict[str, str] = {"-id": "-id"}
    default_ordering = "-id"

    # The page paginate_queryset found, for the response's links.
    request: Request
    next_cursor: str | None
    previous_cursor: str | None

    # --- the ordering and the cursor ---------------------------------------------

    def ordering_name(self, request: Request) -> str:
        name = request.query_params.get(self.ordering_query_param) or self.default_ordering
        if name not in self.orderings:
            allowed = ", ".join(self.orderings)
            raise ValidationError(
                {
                    self.ordering_query_param: [
                        f"Unknown ordering {name[:40]!r}; use one of: {allowed}."
                    ]
                },
                code="invalid_choice",
            )
        return name

    def _decode(
        self, raw: str, name: str, model: type[Model], field: str
    ) -> tuple[Any, int, dict[str, Any]]:
        """The position ``(value, id)`` of a cursor, and its payload."""
        invalid = _invalid_cursor(self.cursor_query_param)
        try:
            payload = cursors.decode(raw)
            value, last_id, ordering = payload["v"], payload["i"], payload["o"]
        except (cursors.InvalidCursor, KeyError):
            raise invalid from None
        if ordering != name or not isinstance(last_id, int) or not 0 < last_id < 2**63:
            raise invalid
        if payload.get("r", 0) not in (0, 1):
            raise invalid
        try:
            value = self._field(model, field).to_python(value)
        except (DjangoValidationError, TypeError, ValueError):
            raise invalid from None
        if value is None or (isinstance(value, str) and "\x00" in value):
            raise invalid
        return value, last_id, payload

    @staticmethod
    def _field(model: type[Model], name: str) -> Field[Any, Any]:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return FloatField()  # an annotation, e.g. a search rank
        assert isinstance(field, Field)  # orderings name columns, not reverse relations
        return field

    # --- paging -------------------------------------------------------------------

    # Pages of model instances only (it reads their id and ordering field), where DRF's
    # paginators take any queryset, ``.values()`` rows included.
    def paginate_queryset(  # type: ignore[override]  # model rows only
        self, queryset: QuerySet[_Model], request: Request, view: APIView | None = None
    ) -> list[_Model]:
        self.request = request
        name = self.ordering_name(request)
        spec = self.orderings[name]
        descending, field = spec.startswith("-"), spec.lstrip("-")
        size = self.get_page_size(request)
        raw = request.query_params.get(self.cursor_query_param)
        payload: dict[str, Any] | None = None
        backward = False
        if raw:
            value, last_id, payload = self._decode(raw, name, queryset.model, field)
            backward = payload.get("r") == 1
        # Backward: seek the other way from the cursor, in the reversed ordering.
        seek_descending = descending != backward
        prefix = "-" if seek_descending else ""
        queryset = queryset.order_by(f"{prefix}{field}", f"{prefix}id")
        if payload is not None:
            beyond, at = ("lt", "lte") if seek_descending else ("gt", "gte")
            # The first term lets the database seek the (field, id) index; the
            # second excludes the rows of the last page that share its value.
            queryset = queryset.filter(**{f"{field}__{at}": value}).filter(
                Q(**{f"{field}__{beyond}": value}) | Q(**{field: value, f"id__{beyond}": last_id})
            )
        rows = list(queryset[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backward:
            rows.reverse()
        has_next, has_previous = (payload is not None, more) if backward else (more, bool(payload))

        def cursor(row: Model | None, reverse: bool) -> str:
            if row is None:  # an empty page: from the cursor's own position
                assert payload is not None
                position = {"v": payload["v"], "i": payload["i"]}
            else:
                position = {"v": getattr(row, field), "i": row.pk}
            return cursors.encode({**position, "o": name, "r": int(reverse)})

        self.next_cursor = cursor(rows[-1] if rows else None, False) if has_next else None
        self.previous_cursor = cursor(rows[0] if rows else None, True) if has_previous else None
        return rows

    def _link(self, position: str | None) -> str | None:
        if position is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, position)

    def get_next_link(self) -> str | None:
        return self._link(self.next_cursor)

    def get_previous_link(self) -> str | None:
        return self._link(self.previous_cursor)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position from a `next` or `previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Items per page, 1 to {self.max_page_size} "
                f"(default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
            {
                "name": self.ordering_query_param,
                "required": False,
                "in": "query",
                "description": f"Sort order (default `{self.default_ordering}`).",
                "schema": {"type": "string", "enum": list(self.orderings)},
            },
        ]


# --- lists computed in memory -------------------------------------------------------------


class SequencePagination(StrictPageSize, Envelope, pagination.BasePagination):
    """Pages of a list already in memory (a cached ranking: recommendations, trending,
    search results), ``page_size`` at a time. The cursor is the opaque offset of the
    page; ``previous`` is the page before it, null on the first."""

    cursor_query_param = "cursor"
    # Offsets a cursor may carry: far past any list computed in memory.
    max_offset = 100_000

    request: Request
    offset: int
    size: int
    has_next: bool

    def paginate_sequence(self, items: Sequence[_Item], request: Request) -> list[_Item]:
        self.request = request
        self.size = self.get_page_size(request)
        self.offset = 0
        raw = request.query_params.get(self.cursor_query_param)
        if raw:
            try:
                offset = cursors.decode(raw)["n"]
            except (cursors.InvalidCursor, KeyError):
                raise _invalid_cursor(self.cursor_query_param) from None
            valid = isinstance(offset, int) and not isinstance(offset, bool)
            if not valid or not 0 <= offset <= self.max_offset:
                raise _invalid_cursor(self.cursor_query_param)
            self.offset = offset
        self.has_next = len(items) > self.offset + self.size
        return list(items[self.offset : self.offset + self.size])

    def _link(self, offset: int) -> str:
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursors.encode({"n": offset}))

    def get_next_link(self) -> str | None:
        return self._link(self.offset + self.size) if self.has_next else None

    def get_previous_link(self) -> str | None:
        if self.offset == 0:
            return None
        return self._link(max(self.offset - self.size, 0))
