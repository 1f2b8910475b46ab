"""Pagination for every list: capped page numbers for small lists, cursors for
large or fast-moving ones (feeds, catalogs, search), which need no COUNT(*)."""

from __future__ import annotations

from rest_framework import pagination

MAX_PAGE_SIZE = 100


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination. Subclasses set ``ordering`` to a unique, indexed key."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-created_at", "-id")
