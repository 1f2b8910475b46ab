"""Category endpoints: the whole tree (nested, with product counts) for anyone, one
category with its ancestors, and staff writes."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.openapi import CURSOR_PAGE_PARAMETERS, ProblemSerializer
from core.http.pagination import SequencePagination
from core.identity.permissions import IsSiteStaffOrReadOnly
from shop import selectors
from shop.api import serializers as s
from shop.models import Category
from shop.selectors import CategoryNode
from shop.services import catalog as catalog_services


class CategoryListView(APIView):
    permission_classes = [IsSiteStaffOrReadOnly]

    @extend_schema(
        summary="The category tree",
        description="Every category, nested: `results` are the top-level categories, each "
        "with its `children` (and theirs), and the number of active products in each "
        "subtree. Paged by top-level category, `page_size` at a time: a catalog's tree is "
        "usually one page (`next` and `previous` null).",
        parameters=CURSOR_PAGE_PARAMETERS,
        responses={200: s.CategoryTreeSerializer},
    )
    def get(self, request: Request) -> Response:
        paginator = SequencePagination()
        roots = paginator.paginate_sequence(selectors.category_tree_cached(), request)
        return paginator.get_paginated_response(roots)

    @extend_schema(
        summary="Create a category (staff)",
        request=s.CategoryWriteSerializer,
        responses={201: s.CategoryNodeSerializer},
    )
    def post(self, request: Request) -> Response:
        payload = s.CategoryWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        category = catalog_services.category_create(**payload.validated_data)
        return Response(_category_node(category.slug), status=status.HTTP_201_CREATED)


def _find(
    nodes: list[CategoryNode], slug: str, trail: list[CategoryNode]
) -> tuple[CategoryNode, list[CategoryNode]] | None:
    for node in nodes:
        if node["slug"] == slug:
            return node, trail
        found = _find(node["children"], slug, [*trail, node])
        if found:
            return found
    return None


def _category_node(slug: str, tree: list[CategoryNode] | None = None) -> dict[str, Any]:
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
        summary="A category",
        description="The category with its subcategories (nested), product counts and "
        "its ancestors (breadcrumbs, root first).",
        responses={200: s.CategoryNodeSerializer},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(_category_node(slug, selectors.category_tree_cached()))

    @extend_schema(
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
        summary="Delete an empty category (staff)",
        responses={204: None, 409: OpenApiResponse(ProblemSerializer, "`category_not_empty`")},
    )
    def delete(self, request: Request, slug: str) -> Response:
        catalog_services.category_delete(category=self._category(slug))
        return Response(status=status.HTTP_204_NO_CONTENT)
