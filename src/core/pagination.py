"""Pagination for every list: capped page numbers for small lists, cursors for
large or fast-moving ones (feeds, catalogs, search), which need no COUNT(*).

A malformed ``cursor`` or ``page`` is the client's mistake about the request,
so it is a 400 validation problem naming the parameter, the same everywhere
(DRF answers 404 for both); a page number past the end is a 404.
"""

from __future__ import annotations

from typing import Any

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

MAX_PAGE_SIZE = 100


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        raw = request.query_params.get(self.page_query_param)
        if raw not in (None, "", *self.last_page_strings) and not (
            raw.isascii() and raw.isdigit() and 0 < len(raw) <= 9 and int(raw) > 0
        ):
            raise ValidationError(
                {self.page_query_param: ["A page number is a positive integer."]},
                code="invalid_page",
            )
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            raise NotFound("This page is past the last one.") from exc

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination. Subclasses set ``ordering`` to a unique, indexed key."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-created_at", "-id")

    def decode_cursor(self, request: Any) -> Any:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {self.cursor_query_param: ["Invalid cursor: use a `next` or `previous` link."]},
                code="invalid_cursor",
            ) from None
