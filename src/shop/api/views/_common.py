"""What several shop endpoints share: the page parameters of the paginated lists, the
409 problem responses, and an order's body as its reader sees it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request

from core.http.openapi import (
    CURSOR_PAGE_PARAMETERS,
    IllegalTransitionProblemSerializer,
    ProblemSerializer,
)
from core.identity.actors import authenticated_user
from shop import selectors
from shop.api import serializers as s

PAGE_PARAMETERS = CURSOR_PAGE_PARAMETERS
CONFLICT = OpenApiResponse(ProblemSerializer, description="`insufficient_stock`, ...")
ORDER_REFUSED = OpenApiResponse(
    s.OrderRefusalProblemSerializer,
    description="`insufficient_stock` (`product`, `requested`, `available`), "
    "`reservation_limit` (`limit`, `held`, `requested`, `product`: you hold too many unpaid "
    "units), `product_unavailable`, or `request_in_progress`. Nothing was kept.",
)
ILLEGAL_TRANSITION = OpenApiResponse(
    IllegalTransitionProblemSerializer,
    description="`illegal_transition`: `current_status` says where the order is, `allowed` "
    "where you may move it from there (its `allowed_transitions`). Nothing changed.",
)
PAYMENT_REFUSED = OpenApiResponse(
    IllegalTransitionProblemSerializer,
    description="`payment_mismatch`, or `illegal_transition` when the order is no longer "
    "pending (paid already, cancelled or expired: `current_status`). Nothing is recorded.",
)


def _order_body(request: Request, order_id: int) -> dict[str, Any]:
    """An order as its reader sees it (lines prefetched; another user's is a 404)."""
    user = authenticated_user(request)
    order = selectors.order_for(user=user, order_id=order_id)
    return s.OrderSerializer(order, context={"user": user}).data
