"""Shop endpoints: thin; they validate, call a selector or service, and shape output."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import roles
from core.api.idempotency import (
    IDEMPOTENCY_KEY_PARAMETER,
    IDEMPOTENCY_RESPONSES,
    idempotent_response,
)
from core.api.permissions import IsSiteStaff, IsSiteStaffOrReadOnly
from core.cache import cached
from core.openapi import CURSOR_PAGE_PARAMETERS, ProblemSerializer
from core.pagination import CursorPagination, KeysetPagination
from shop import selectors
from shop.api import serializers as s
from shop.models import Category, Product
from shop.services import cart as cart_services
from shop.services import catalog as catalog_services
from shop.services import orders as order_services
from shop.services import payments as payment_services

PAGE_PARAMETERS = CURSOR_PAGE_PARAMETERS
CONFLICT = OpenApiResponse(ProblemSerializer, description="`insufficient_stock`, ...")
CATALOG_TTL = 300


class ProductPagination(KeysetPagination):
    orderings = {
        "price": "price",
        "-price": "-price",
        "created": "created_at",
        "-created": "-created_at",
        "name": "name",
        "-name": "-name",
        "popularity": "popularity",
        "-popularity": "-popularity",
        "relevance": "-rank",
    }
    default_ordering = "-created"


class OrderPagination(CursorPagination):
    ordering = ("-created_at", "-id")


def _order_body(request: Request, order_id: int) -> dict[str, Any]:
    """An order as its reader sees it (lines prefetched; another user's is a 404)."""
    return s.OrderSerializer(selectors.order_for(user=request.user, order_id=order_id)).data


def _staff(request: Request) -> bool:
    return roles.is_site_staff(request.user)


def _with_live_fields(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overlay stock and popularity, which every sale changes, on cached catalog data."""
    live = selectors.product_live_fields([item["id"] for item in items])
    fresh = []
    for item in items:
        if item["id"] in live:
            stock, popularity = live[item["id"]]
            fresh.append({**item, "stock": stock, "popularity": popularity})
    return fresh


# --- categories ---------------------------------------------------------------------------


class CategoryListView(APIView):
    permission_classes = [IsSiteStaffOrReadOnly]

    @extend_schema(
        tags=["shop"],
        summary="The category tree",
        description="Every category, nested, with the number of active products in each "
        "subtree. Not paginated (a catalog has tens to hundreds of categories).",
        responses={200: s.CategoryNodeSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(
            cached(catalog_services.CATALOG_NAMESPACE, ["tree"], selectors.category_tree)
        )

    @extend_schema(
        tags=["shop"],
        summary="Create a category (staff)",
        request=s.CategoryWriteSerializer,
        responses={201: s.CategoryNodeSerializer},
    )
    def post(self, request: Request) -> Response:
        payload = s.CategoryWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        category = catalog_services.category_create(**payload.validated_data)
        return Response(_category_node(category.slug), status=status.HTTP_201_CREATED)


def _find(nodes: list[dict[str, Any]], slug: str, trail: list[dict[str, Any]]) -> Any:
    for node in nodes:
        if node["slug"] == slug:
            return node, trail
        found = _find(node["children"], slug, [*trail, node])
        if found:
            return found
    return None


def _category_node(slug: str, tree: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    tree = tree if tree is not None else selectors.category_tree()
    found = _find(tree, slug, [])
    if found is None:
        raise NotFound(f"No category {slug[:60]!r}.")
    node, trail = found
    ancestors = [{"slug": item["slug"], "name": item["name"]} for item in trail]
    return {**node, "ancestors": ancestors}


class CategoryDetailView(APIView):
    permission_classes = [IsSiteStaffOrReadOnly]

    def _category(self, slug: str) -> Category:
        try:
            return selectors.category_by_slug(slug)
        except Category.DoesNotExist:
            raise NotFound(f"No category {slug[:60]!r}.") from None

    @extend_schema(
        tags=["shop"],
        summary="A category",
        description="The category with its subcategories (nested), product counts and "
        "its ancestors (breadcrumbs, root first).",
        responses={200: s.CategoryNodeSerializer},
    )
    def get(self, request: Request, slug: str) -> Response:
        tree = cached(catalog_services.CATALOG_NAMESPACE, ["tree"], selectors.category_tree)
        return Response(_category_node(slug, tree))

    @extend_schema(
        tags=["shop"],
        summary="Edit or move a category (staff)",
        request=s.CategoryWriteSerializer(partial=True),
        responses={200: s.CategoryNodeSerializer},
    )
    def patch(self, request: Request, slug: str) -> Response:
        category = self._category(slug)
        payload = s.CategoryWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        category = catalog_services.category_update(category=category, data=payload.validated_data)
        return Response(_category_node(category.slug))

    @extend_schema(
        tags=["shop"],
        summary="Delete an empty category (staff)",
        responses={204: None, 409: OpenApiResponse(ProblemSerializer, "`category_not_empty`")},
    )
    def delete(self, request: Request, slug: str) -> Response:
        catalog_services.category_delete(category=self._category(slug))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- products -----------------------------------------------------------------------------

PRODUCT_LIST_PARAMETERS = {
    "category",
    "min_price",
    "max_price",
    "in_stock",
    "search",
    "ordering",
    "cursor",
    "page_size",
    "format",
}


class ProductListView(APIView):
    permission_classes = [IsSiteStaffOrReadOnly]
    pagination_class = ProductPagination

    @extend_schema(
        tags=["shop"],
        summary="Browse the catalog",
        description="Active products (staff also see inactive ones), keyset-paginated: "
        "follow `next`. Filters combine; `category` includes its subcategories; `search` "
        "is full-text (name weighs more than description) and allows `ordering=relevance`. "
        "An unknown parameter or a malformed value is a 400 naming it. Cached: send "
        "`If-None-Match` with the last `ETag` for a 304; stock is always live.",
        operation_id="shop_products_list",
        parameters=[
            s.ProductFilterSerializer,
            OpenApiParameter(
                "ordering",
                str,
                enum=list(ProductPagination.orderings),
                description="Sort order (default `-created`; `relevance` with `search`).",
            ),
            *PAGE_PARAMETERS,
        ],
        responses={200: s.ProductPageSerializer},
    )
    def get(self, request: Request) -> Response:
        unknown = sorted(set(request.query_params) - PRODUCT_LIST_PARAMETERS)
        if unknown:
            allowed = ", ".join(sorted(PRODUCT_LIST_PARAMETERS - {"format"}))
            raise ValidationError(
                {name[:40]: [f"Unknown parameter; use: {allowed}."] for name in unknown[:5]},
                code="unknown_parameter",
            )
        filters = s.ProductFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        ordering = paginator.ordering_name(request)
        if ordering == "relevance" and not filters.validated_data.get("search"):
            raise ValidationError(
                {"ordering": ["`relevance` needs `search`."]}, code="invalid_choice"
            )
        staff = _staff(request)
        parts = [
            request.get_host(),
            staff,
            *(f"{k}={v}" for k, v in sorted(request.query_params.items())),
        ]

        def load() -> dict[str, Any]:
            params = dict(filters.validated_data)
            category_ids = None
            if "category" in params:
                category_ids = selectors.category_subtree_ids(params.pop("category"))
                if category_ids is None:
                    raise ValidationError(
                        {"category": ["No category with this slug."]}, code="does_not_exist"
                    )
            products = selectors.product_filter(
                selectors.product_queryset(staff=staff), category_ids=category_ids, **params
            )
            page = paginator.paginate_queryset(products, request, self)
            return {
                "next": paginator.get_next_link(),
                "results": [s.product_payload(product) for product in page],
            }

        if "in_stock" in request.query_params:
            # The filter reads stock, which every sale changes: never from the cache.
            body = load()
        else:
            body = cached(
                catalog_services.CATALOG_NAMESPACE, ["list", *parts], load, timeout=CATALOG_TTL
            )
        return Response({"next": body["next"], "results": _with_live_fields(body["results"])})

    @extend_schema(
        tags=["shop"],
        summary="Create a product (staff)",
        request=s.ProductWriteSerializer,
        responses={201: s.ProductSerializer},
    )
    def post(self, request: Request) -> Response:
        payload = s.ProductWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        product = catalog_services.product_create(data=payload.validated_data)
        return Response(s.ProductSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailView(APIView):
    permission_classes = [IsSiteStaffOrReadOnly]

    def _product(self, request: Request, pk: int) -> Product:
        try:
            return selectors.product_queryset(staff=_staff(request)).get(pk=pk)
        except Product.DoesNotExist:
            raise NotFound(f"No product {pk}.") from None

    @extend_schema(
        tags=["shop"],
        summary="A product",
        description="An inactive product is a 404 for everyone but staff. Always fresh "
        "(stock included); `If-None-Match` with the last `ETag` gives a 304.",
        responses={200: s.ProductSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        # One primary-key query (product and category) costs less than a cache round
        # trip plus the live stock query it would still need, and is never stale.
        return Response(s.product_payload(self._product(request, pk)))

    @extend_schema(
        tags=["shop"],
        summary="Edit a product (staff)",
        description="`stock` sets the count (a restock or a correction).",
        request=s.ProductWriteSerializer(partial=True),
        responses={200: s.ProductSerializer},
    )
    def patch(self, request: Request, pk: int) -> Response:
        product = self._product(request, pk)
        payload = s.ProductWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        product = catalog_services.product_update(product=product, data=payload.validated_data)
        return Response(s.ProductSerializer(product).data)

    @extend_schema(tags=["shop"], summary="Delete a product (staff)", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        catalog_services.product_delete(product=self._product(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- cart ---------------------------------------------------------------------------------


def _cart(request: Request) -> dict[str, Any]:
    return s.CartSerializer(selectors.cart_detail(user=request.user)).data


class CartView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(tags=["shop"], summary="My cart", responses={200: s.CartSerializer})
    def get(self, request: Request) -> Response:
        return Response(_cart(request))


class CartItemsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["shop"],
        summary="Add to my cart",
        description="Adding a product already in the cart adds to its quantity.",
        request=s.CartItemAddSerializer,
        responses={201: s.CartSerializer, 409: CONFLICT},
    )
    def post(self, request: Request) -> Response:
        payload = s.CartItemAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cart_services.cart_item_add(
            user=request.user,
            product_id=payload.validated_data["product"],
            quantity=payload.validated_data["quantity"],
        )
        return Response(_cart(request), status=status.HTTP_201_CREATED)


class CartItemDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["shop"],
        summary="Change a cart line's quantity",
        request=s.CartItemUpdateSerializer,
        responses={200: s.CartSerializer},
    )
    def patch(self, request: Request, pk: int) -> Response:
        payload = s.CartItemUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cart_services.cart_item_update(
            user=request.user, item_id=pk, quantity=payload.validated_data["quantity"]
        )
        return Response(_cart(request))

    @extend_schema(tags=["shop"], summary="Remove a cart line", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        cart_services.cart_item_remove(user=request.user, item_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CheckoutView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["shop"],
        summary="Check out my cart",
        description="Reserves the stock of every line and places the order; the cart "
        "empties. Short stock is a 409 `insufficient_stock` and nothing changes. Send an "
        "`Idempotency-Key` to retry safely.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=s.CheckoutSerializer,
        responses={201: s.OrderSerializer, **IDEMPOTENCY_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        payload = s.CheckoutSerializer(data=request.data)
        payload.is_valid(raise_exception=True)

        def write() -> tuple[int, Any]:
            order = cart_services.cart_checkout(user=request.user, **payload.validated_data)
            return 201, _order_body(request, order.pk)

        return idempotent_response(request, scope="shop.checkout", write=write)


# --- orders -------------------------------------------------------------------------------


class OrderListView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = OrderPagination

    @extend_schema(
        tags=["shop"],
        summary="My orders",
        description="Newest first (staff see everyone's); `status` filters by the status "
        "a reader sees.",
        operation_id="shop_orders_list",
        parameters=[s.OrderFilterSerializer, *PAGE_PARAMETERS],
        responses={200: s.OrderPageSerializer},
    )
    def get(self, request: Request) -> Response:
        filters = s.OrderFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        orders = selectors.order_list(user=request.user, **filters.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(orders, request, self)
        return paginator.get_paginated_response(s.OrderSerializer(page, many=True).data)

    @extend_schema(
        tags=["shop"],
        summary="Buy now",
        description="Places an order for the items given (not the cart). Stock is "
        "reserved atomically: short stock is a 409 `insufficient_stock` naming the product "
        "and the quantity available, and nothing is kept. Send an `Idempotency-Key` to "
        "retry safely.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=s.OrderCreateSerializer,
        responses={201: s.OrderSerializer, **IDEMPOTENCY_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        payload = s.OrderCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data

        def write() -> tuple[int, Any]:
            order = order_services.order_place(
                user=request.user,
                lines=[(item["product"], item["quantity"]) for item in data["items"]],
                shipping_address=data.get("shipping_address", ""),
                payment_method=data["payment_method"],
            )
            return 201, _order_body(request, order.pk)

        return idempotent_response(request, scope="shop.order", write=write)


class OrderDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["shop"],
        summary="An order",
        description="Yours (any for staff); another user's order is a 404.",
        responses={200: s.OrderSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_order_body(request, pk))


class OrderCancelView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["shop"],
        summary="Cancel an order",
        description="The owner or staff, before shipping; the stock comes back once. "
        "Otherwise a 409 `illegal_transition`.",
        request=None,
        responses={200: s.OrderSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, pk: int) -> Response:
        order = selectors.order_for(user=request.user, order_id=pk)
        order_services.order_cancel(order=order, actor=request.user)
        return Response(_order_body(request, pk))


class OrderTransitionView(APIView):
    permission_classes = [IsSiteStaff]

    @extend_schema(
        tags=["shop"],
        summary="Move an order (staff)",
        description="pending → paid (confirms an offline payment) → shipped → delivered, "
        "or cancelled before shipping. An illegal move is a 409 `illegal_transition`.",
        request=s.TransitionSerializer,
        responses={200: s.OrderSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, pk: int) -> Response:
        payload = s.TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        order_services.order_transition(
            order_id=pk, status=payload.validated_data["status"], actor=request.user
        )
        return Response(_order_body(request, pk))


# --- payments -----------------------------------------------------------------------------

WEBHOOK_DESCRIPTION = """The card provider's payment events.

**Signature.** The provider signs every call with the shared secret
`SHOP_WEBHOOK_SECRET`: header `Nexus-Signature: t=<unix seconds>,v1=<hex>`, where
`v1` is the hex HMAC-SHA256 of `<t>.<raw body>` (the timestamp, a dot, then the body
bytes exactly as sent). Calls signed more than five minutes from now are replays and
are refused; so are unsigned and mis-signed ones: a 400 `invalid_signature` that
changes nothing. Several `v1` values may be sent (secret rotation).

**Body.** `{"id": "evt_…", "type": "payment.succeeded", "data": {"order": 42,
"amount": "59.90", "currency": "EUR"}}`. The event id makes delivery idempotent: the
same event twice pays once (`duplicate: true` the second time)."""


class PaymentWebhookView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(
        tags=["shop"],
        summary="Card payment webhook (signed)",
        description=WEBHOOK_DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "Nexus-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="`t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>`.",
            )
        ],
        request={"application/json": {"type": "object"}},
        responses={200: s.WebhookReceiptSerializer, 409: CONFLICT},
    )
    def post(self, request: Request) -> Response:
        event = payment_services.webhook_verify(
            body=request.body, header=request.headers.get(payment_services.SIGNATURE_HEADER)
        )
        if event.get("type") != "payment.succeeded":
            return Response({"received": True, "duplicate": False, "order": 0, "status": "ignored"})
        payment, recorded = payment_services.payment_record(event=event)
        order = payment.order
        order.refresh_from_db()
        return Response(
            {
                "received": True,
                "duplicate": not recorded,
                "order": order.pk,
                "status": order_services.effective_status(order),
            }
        )
