"""Product endpoints: browsing the catalog (filters, full-text search, keyset pages,
cached with live stock laid over), one product, and staff writes."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.openapi import ProblemSerializer
from core.http.pagination import KeysetPagination
from core.identity import roles
from core.identity.permissions import IsSiteStaffOrReadOnly
from shop import selectors
from shop.api import serializers as s
from shop.api.views._common import PAGE_PARAMETERS
from shop.models import Product
from shop.services import catalog as catalog_services


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


def _staff(request: Request) -> bool:
    return roles.is_site_staff(request.user)


class ProductListView(APIView):
    permission_classes = [IsSiteStaffOrReadOnly]
    pagination_class = ProductPagination

    @extend_schema(
        summary="Browse the catalog",
        description="Active products (staff also see inactive ones), keyset-paginated: "
        "follow `next` (and `previous` back). Filters combine; `category` includes its "
        "subcategories; `search` is full-text (name weighs more than description) and "
        "allows `ordering=relevance`. "
        "An unknown parameter or a malformed value is a 400 naming it. Cached: send "
        "`If-None-Match` with the last `ETag` for a 304; stock is always live. Staff "
        "find what to restock with `low_stock=true`, which anyone else is refused.",
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
        responses={
            200: s.ProductPageSerializer,
            403: OpenApiResponse(
                ProblemSerializer, "`permission_denied`: `low_stock` is for staff only"
            ),
        },
    )
    def get(self, request: Request) -> Response:
        filters = s.ProductFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        if filters.validated_data.get("low_stock") is not None and not _staff(request):
            # 401 without a token, 403 with a customer's
            self.permission_denied(request, "Only staff may filter the catalog on `low_stock`.")
        paginator = self.pagination_class()
        ordering = paginator.ordering_name(request)
        if ordering == "relevance" and not filters.validated_data.get("search"):
            raise ValidationError(
                {"ordering": ["`relevance` needs `search`."]}, code="invalid_choice"
            )

        def page(products: QuerySet[Product]) -> dict[str, Any]:
            rows = paginator.paginate_queryset(products, request, self)
            return paginator.get_paginated_data([s.product_payload(p) for p in rows])

        return Response(
            selectors.product_page(
                staff=_staff(request),
                origin=request.build_absolute_uri("/"),
                query=dict(request.query_params.lists()),
                page=page,
                **filters.validated_data,
            )
        )

    @extend_schema(
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
            return selectors.product_get(product_id=pk, staff=_staff(request))
        except Product.DoesNotExist:
            raise NotFound(f"No product {pk}.") from None

    @extend_schema(
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
        summary="Edit a product (staff)",
        description="`stock` sets the count (a restock or a correction).",
        request=s.ProductWriteSerializer(partial=True),
        responses={200: s.ProductSerializer},
    )
    def patch(self, request: Request, pk: int) -> Response:
        product = self._product(request, pk)
        payload = s.ProductWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        catalog_services.product_update(product=product, data=payload.validated_data)
        # read again: the stock as every reader now sees it
        return Response(s.product_payload(self._product(request, pk)))

    @extend_schema(summary="Delete a product (staff)", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        catalog_services.product_delete(product=self._product(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
