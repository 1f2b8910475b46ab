"""Recommendations: the user's list, and the model behind it (staff)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.openapi import CURSOR_PARAMETER, ProblemSerializer, page_size_parameters
from core.http.pagination import SequencePagination
from core.identity.actors import authenticated_user
from core.identity.permissions import IsSiteStaff
from movies import selectors, services
from movies.api import serializers as s
from movies.api.views._common import (
    BAD_REQUEST,
    NOT_FOUND,
    UNAUTHENTICATED,
    _genre,
)

# --- recommendations ------------------------------------------------------------------


class RecommendationPagination(SequencePagination):
    """Pages of the user's list (``MAX_RECOMMENDATIONS`` long): at most 50 a page, and
    the old ``limit`` still works as ``page_size``."""

    max_page_size = selectors.MAX_RECOMMENDATIONS
    page_size_aliases = ("limit",)


class RecommendationListView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="My recommendations",
        description="Movies you have not rated or favorited, best first, each with a "
        "`score`, a human `reason` and the model version. Computed once (new users get "
        "personal picks from their first rating, no retraining; users with no ratings get "
        "their favorite genres' or the most popular movies), then served from the cache "
        "until you rate, favorite or change preferences, or a new model is trained. The "
        f"best {selectors.MAX_RECOMMENDATIONS}, `page_size` at a time (follow `next`).",
        operation_id="movies_recommendations_list",
        parameters=[
            s.RecommendationQuerySerializer,
            CURSOR_PARAMETER,
            *page_size_parameters(
                RecommendationPagination.max_page_size,
                deprecated_aliases=RecommendationPagination.page_size_aliases,
            ),
        ],
        responses={200: s.RecommendationListSerializer, 400: BAD_REQUEST, 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        query = s.RecommendationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        paginator = RecommendationPagination()
        paginator.get_page_size(request)  # a bad page size is a 400 before any work
        genre = _genre(query.validated_data.get("genre"))
        items, version = selectors.recommendations_for(
            user=authenticated_user(request), genre=genre
        )
        page = paginator.paginate_sequence(items, request)
        return paginator.get_paginated_response(page, model_version=version)


# --- the model (staff) ----------------------------------------------------------------


class RecommenderView(APIView):
    permission_classes = [IsSiteStaff]

    @extend_schema(
        summary="The current recommender model (staff)",
        operation_id="movies_recommender_retrieve",
        responses={200: s.ModelInfoSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        info = selectors.model_info()
        if info is None:
            raise NotFound("No model has been trained yet.")
        return Response(s.ModelInfoSerializer(info).data)


class RecommenderTrainView(APIView):
    permission_classes = [IsSiteStaff]

    @extend_schema(
        summary="Train a new model now (staff)",
        description="Queues the training task (it also runs nightly). The new version "
        "serves as soon as it is stored; users' cached lists follow it.",
        operation_id="movies_recommender_train",
        request=None,
        responses={
            202: s.QueuedSerializer,
            401: UNAUTHENTICATED,
            403: OpenApiResponse(ProblemSerializer, description="`permission_denied`."),
        },
    )
    def post(self, request: Request) -> Response:
        services.model_train_request()
        return Response({"status": "queued"}, status=status.HTTP_202_ACCEPTED)
