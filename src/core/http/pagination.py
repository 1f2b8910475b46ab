"""Pagination for every list: capped page numbers for small lists, cursors for
large or fast-moving ones (feeds, catalogs, search), which need no COUNT(*).

A malformed ``cursor`` or ``page`` is the client's mistake about the request,
so it is a 400 validation problem naming the parameter, the same everywhere
(DRF answers 404 for both); a page number past the end is a 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field, FloatField, Model, Q, QuerySet
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from core.http import cursors

if TYPE_CHECKING:  # DRF's settings import this module while rest_framework.views loads
    from rest_framework.request import Request
    from rest_framework.views import APIView

    # What StrictPageSize is mixed into, so its ``super()`` calls are typed.
    _PaginationBase = pagination.BasePagination
else:
    _PaginationBase = object

MAX_PAGE_SIZE = 100

_Model = TypeVar("_Model", bound=Model)
_Row = TypeVar("_Row")


class StrictPageSize(_PaginationBase):
    """``?page_size=``: 1 to ``max_page_size``; anything else is a 400 naming it (DRF's
    paginators silently fall back or cap, which hides a client's mistake)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        maximum = self.max_page_size
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 4 and 1 <= int(raw) <= maximum):
            raise ValidationError(
                {self.page_size_query_param: [f"A number from 1 to {maximum}."]}, code="invalid"
            )
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


# StrictPageSize's page_size, page_size_query_param and max_page_size are always set,
# where DRF's paginators allow None (no paging, no parameter, no cap).
class PageNumberPagination(StrictPageSize, pagination.PageNumberPagination):  # type: ignore[misc]  # page sizes never None
    def paginate_queryset(
        self, queryset: QuerySet[_Model, _Row], request: Request, view: APIView | None = None
    ) -> list[_Row] | None:
        raw = request.query_params.get(self.page_query_param)
        if (
            raw is not None
            and raw not in ("", *self.last_page_strings)
            and not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 9 and int(raw) > 0)
        ):
            raise ValidationError(
                {self.page_query_param: ["A page number is a positive integer."]},
                code="invalid_page",
            )
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            raise NotFound("This page is past the last one.") from exc

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


class CursorPagination(StrictPageSize, pagination.CursorPagination):  # type: ignore[misc]  # page sizes never None
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
            raise ValidationError(
                {self.cursor_query_param: ["Invalid cursor: use a `next` or `previous` link."]},
                code="invalid_cursor",
            ) from None

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        invalid = ValidationError(
            {self.cursor_query_param: ["Invalid cursor: use a `next` or `previous` link."]},
            code="invalid_cursor",
        )
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


class KeysetPagination(StrictPageSize, pagination.BasePagination):
    """Keyset ("seek") pagination over a choice of orderings, for large lists.

    Each public ``ordering`` value maps to one field (``-`` for descending); the id
    breaks ties, so the position ``(value, id)`` is unique and a page is an index seek
    ``WHERE (value, id) > (v, i) ORDER BY value, id LIMIT n``, as fast 50 pages deep
    as on the first, with no ``COUNT(*)`` and no ``OFFSET``. Annotated fields
    (a search rank) work too. The cursor is opaque (base64 JSON) and validated: a
    malformed one, or one made for another ordering, is a 400 on ``cursor``.
    Subclasses set ``orderings`` and ``default_ordering``.
    """

    cursor_query_param = "cursor"
    ordering_query_param = "ordering"
    orderings: dict[str, str] = {"-id": "-id"}
    default_ordering = "-id"

    # The page paginate_queryset found, for the response's ``next`` link.
    request: Request
    has_next: bool
    next_cursor: str | None

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

    def _decode(self, raw: str, name: str, model: type[Model], field: str) -> tuple[Any, int]:
        invalid = ValidationError(
            {self.cursor_query_param: ["Invalid cursor: use a `next` link."]},
            code="invalid_cursor",
        )
        try:
            payload = cursors.decode(raw)
            value, last_id, ordering = payload["v"], payload["i"], payload["o"]
        except (cursors.InvalidCursor, KeyError):
            raise invalid from None
        if ordering != name or not isinstance(last_id, int) or not 0 < last_id < 2**63:
            raise invalid
        try:
            value = self._field(model, field).to_python(value)
        except (DjangoValidationError, TypeError, ValueError):
            raise invalid from None
        if value is None or (isinstance(value, str) and "\x00" in value):
            raise invalid
        return value, last_id

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
        prefix = "-" if descending else ""
        queryset = queryset.order_by(f"{prefix}{field}", f"{prefix}id")
        raw = request.query_params.get(self.cursor_query_param)
        if raw:
            value, last_id = self._decode(raw, name, queryset.model, field)
            beyond, at = ("lt", "lte") if descending else ("gt", "gte")
            # The first term lets the database seek the (field, id) index; the
            # second excludes the rows of the last page that share its value.
            queryset = queryset.filter(**{f"{field}__{at}": value}).filter(
                Q(**{f"{field}__{beyond}": value}) | Q(**{field: value, f"id__{beyond}": last_id})
            )
        rows = list(queryset[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.next_cursor = None
        if self.has_next and rows:
            last = rows[-1]
            self.next_cursor = cursors.encode({"v": getattr(last, field), "i": last.pk, "o": name})
        return rows

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "description": "The next page, or null on the last one.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position from a `next` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Items per page, 1 to {self.max_page_size}.",
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
