"""What several shop endpoints share: the page parameters of the paginated lists, the
409 problem response, and an order's body as its reader sees it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request

from core.http.openapi import CURSOR_PAGE_PARAMETERS, ProblemSerializer
from shop import selectors
from shop.api import serializers as s

PAGE_PARAMETERS = CURSOR_PAGE_PARAMETERS
CONFLICT = OpenApiResponse(ProblemSerializer, description="`insufficient_stock`, ...")


def _order_body(request: Request, order_id: int) -> dict[str, Any]:
    """An order as its reader sees it (lines prefetched; another user's is a 404)."""
    return s.OrderSerializer(selectors.order_for(user=request.user, order_id=order_id)).data
