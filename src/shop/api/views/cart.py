"""Cart endpoints: my cart, adding, changing and removing lines, and checking the
cart out as an order (idempotent with an ``Idempotency-Key``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.identity.actors import authenticated_user
from core.tasking.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    IDEMPOTENCY_RESPONSES,
    idempotent_response,
)
from shop import selectors
from shop.api import serializers as s
from shop.api.views._common import CONFLICT, ORDER_REFUSED, _order_body
from shop.services import cart as cart_services


def _cart(request: Request) -> dict[str, Any]:
    return s.CartSerializer(selectors.cart_detail(user=authenticated_user(request))).data


class CartView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="My cart", responses={200: s.CartSerializer})
    def get(self, request: Request) -> Response:
        return Response(_cart(request))


class CartItemsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Add to my cart",
        description="Adding a product already in the cart adds to its quantity.",
        request=s.CartItemAddSerializer,
        responses={201: s.CartSerializer, 409: CONFLICT},
    )
    def post(self, request: Request) -> Response:
        payload = s.CartItemAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cart_services.cart_item_add(
            user=authenticated_user(request),
            product_id=payload.validated_data["product"],
            quantity=payload.validated_data["quantity"],
        )
        return Response(_cart(request), status=status.HTTP_201_CREATED)


class CartItemDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Change a cart line's quantity",
        request=s.CartItemUpdateSerializer,
        responses={200: s.CartSerializer},
    )
    def patch(self, request: Request, pk: int) -> Response:
        payload = s.CartItemUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cart_services.cart_item_update(
            user=authenticated_user(request),
            item_id=pk,
            quantity=payload.validated_data["quantity"],
        )
        return Response(_cart(request))

    @extend_schema(summary="Remove a cart line", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        cart_services.cart_item_remove(user=authenticated_user(request), item_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CheckoutView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Check out my cart",
        description="Reserves the stock of every line and places the order; the cart "
        "empties. Short stock is a 409 `insufficient_stock`, more unpaid units than a "
        "customer may hold a 409 `reservation_limit`, an empty cart a 409 `cart_empty`; "
        "then nothing changes. Send an `Idempotency-Key` to retry safely.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=s.CheckoutSerializer,
        responses={201: s.OrderSerializer, **IDEMPOTENCY_RESPONSES, 409: ORDER_REFUSED},
    )
    def post(self, request: Request) -> Response:
        user = authenticated_user(request)
        payload = s.CheckoutSerializer(data=request.data)
        payload.is_valid(raise_exception=True)

        def write() -> tuple[int, Any]:
            order = cart_services.cart_checkout(user=user, **payload.validated_data)
            return 201, _order_body(request, order.pk)

        return idempotent_response(request, scope="shop.checkout", write=write)
