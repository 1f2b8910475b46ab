"""Order endpoints: my orders (staff see everyone's), buying now without the cart,
one order, cancelling, and staff moving an order along its lifecycle."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.pagination import CursorPagination
from core.identity.actors import authenticated_user
from core.identity.permissions import IsSiteStaff
from core.tasking.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    IDEMPOTENCY_RESPONSES,
    idempotent_response,
)
from shop import selectors
from shop.api import serializers as s
from shop.api.views._common import ILLEGAL_TRANSITION, ORDER_REFUSED, PAGE_PARAMETERS, _order_body
from shop.services import orders as order_services


class OrderPagination(CursorPagination):
    ordering = ("-created_at", "-id")


class OrderListView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = OrderPagination

    @extend_schema(
        summary="My orders",
        description="Newest first (staff see everyone's); `status` filters by the status "
        "a reader sees.",
        operation_id="shop_orders_list",
        parameters=[s.OrderFilterSerializer, *PAGE_PARAMETERS],
        responses={200: s.OrderPageSerializer},
    )
    def get(self, request: Request) -> Response:
        user = authenticated_user(request)
        filters = s.OrderFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        orders = selectors.order_list(user=user, **filters.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(orders, request, self)
        body = s.OrderSerializer(page, many=True, context={"user": user}).data
        return paginator.get_paginated_response(body)

    @extend_schema(
        summary="Buy now",
        description="Places an order for the items given (not the cart). Stock is "
        "reserved atomically: short stock is a 409 `insufficient_stock` naming the product "
        "and the quantity available, and nothing is kept. Unpaid units are capped per "
        "customer (per product and in all): past the cap is a 409 `reservation_limit` "
        "naming the `limit` and what you `held`. Send an `Idempotency-Key` to retry safely.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=s.OrderCreateSerializer,
        responses={201: s.OrderSerializer, **IDEMPOTENCY_RESPONSES, 409: ORDER_REFUSED},
    )
    def post(self, request: Request) -> Response:
        user = authenticated_user(request)
        payload = s.OrderCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data

        def write() -> tuple[int, Any]:
            order = order_services.order_place(
                user=user,
                lines=[(item["product"], item["quantity"]) for item in data["items"]],
                shipping_address=data.get("shipping_address", ""),
                payment_method=data["payment_method"],
            )
            return 201, _order_body(request, order.pk)

        return idempotent_response(request, scope="shop.order", write=write)


class OrderDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="An order",
        description="Yours (any for staff); another user's order is a 404.",
        responses={200: s.OrderSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_order_body(request, pk))


class OrderCancelView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Cancel an order",
        description="The owner or staff, before shipping (when `allowed_transitions` lists "
        "`cancelled`); the stock comes back once. Otherwise a 409 `illegal_transition` "
        "naming the order's `current_status` and the statuses `allowed` to you.",
        request=None,
        responses={200: s.OrderSerializer, 409: ILLEGAL_TRANSITION},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = authenticated_user(request)
        order = selectors.order_for(user=user, order_id=pk)
        order_services.order_cancel(order=order, actor=user)
        return Response(_order_body(request, pk))


class OrderTransitionView(APIView):
    permission_classes = [IsSiteStaff]

    @extend_schema(
        summary="Move an order (staff)",
        description="pending → paid (confirms an offline payment) → shipped → delivered, "
        "or cancelled before shipping; the order's `allowed_transitions` lists the moves "
        "open now. Any other is a 409 `illegal_transition` naming its `current_status` and "
        "the statuses `allowed`.",
        request=s.TransitionSerializer,
        responses={200: s.OrderSerializer, 409: ILLEGAL_TRANSITION},
    )
    def post(self, request: Request, pk: int) -> Response:
        payload = s.TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        order_services.order_transition(
            order_id=pk, status=payload.validated_data["status"], actor=authenticated_user(request)
        )
        return Response(_order_body(request, pk))
