"""Saved search endpoints, for candidates: list, save and delete."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.openapi import PAGE_PARAMETER, PAGE_SIZE_PARAMETER
from core.http.pagination import PageNumberPagination
from core.identity.actors import authenticated_user
from core.identity.permissions import IsCandidate
from jobs import selectors
from jobs.api.serializers.searches import (
    SavedSearchCreateSerializer,
    SavedSearchPageSerializer,
    SavedSearchSerializer,
)
from jobs.api.views._common import PAST_THE_END
from jobs.models import SavedSearch
from jobs.services.searches import saved_search_create, saved_search_delete


class SavedSearchListView(APIView):
    permission_classes = [IsCandidate]

    @extend_schema(
        summary="My saved searches (candidates)",
        operation_id="jobs_saved_searches_list",
        parameters=[
            PAGE_PARAMETER,
            PAGE_SIZE_PARAMETER,
        ],
        responses={200: SavedSearchPageSerializer, 404: PAST_THE_END},
    )
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            selectors.saved_search_list(user=authenticated_user(request)), request, self
        )
        return paginator.get_paginated_response(SavedSearchSerializer(page, many=True).data)

    @extend_schema(
        summary="Save a search (candidates)",
        description="New jobs matching it are alerted `instant`ly, or in a `daily` or "
        "`weekly` digest; never the same job twice. At most 20.",
        request=SavedSearchCreateSerializer,
        responses={201: SavedSearchSerializer},
    )
    def post(self, request: Request) -> Response:
        payload = SavedSearchCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        search = saved_search_create(
            user=authenticated_user(request),
            name=data.get("name", ""),
            query=data.get("query", ""),
            filters=data.get("filters", {}),
            frequency=data["frequency"],
        )
        return Response(SavedSearchSerializer(search).data, status=status.HTTP_201_CREATED)


class SavedSearchDetailView(APIView):
    permission_classes = [IsCandidate]

    @extend_schema(summary="Delete a saved search", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        user = authenticated_user(request)
        search: SavedSearch = selectors.saved_search_get(user=user, search_id=pk)
        saved_search_delete(search=search, actor=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
