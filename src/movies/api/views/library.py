"""The user's library: ratings, favorites and genre preferences."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.pagination import CursorPagination
from core.identity.actors import authenticated_user
from movies import selectors, services
from movies.api import serializers as s
from movies.api.views._common import BAD_REQUEST, NOT_FOUND, PAGE_PARAMETERS, UNAUTHENTICATED


class OwnPagination(CursorPagination):
    ordering = ("-id",)


# --- ratings --------------------------------------------------------------------------


class RatingListView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = OwnPagination

    @extend_schema(
        summary="My ratings",
        description="Your ratings, newest first (cursor-paginated).",
        operation_id="movies_ratings_list",
        parameters=PAGE_PARAMETERS,
        responses={200: s.RatingPageSerializer, 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        ratings = selectors.ratings_of(authenticated_user(request))
        page = paginator.paginate_queryset(ratings, request, view=self)
        return paginator.get_paginated_response(s.RatingSerializer(page, many=True).data)

    @extend_schema(
        summary="Rate a movie (or change your rating)",
        description="One rating per user and movie: the first is a 201, rating the same "
        "movie again updates it and answers 200. Scores are 0.5 to 5.0 in steps of 0.5. "
        "Your recommendations are recomputed on the next request.",
        operation_id="movies_ratings_create",
        request=s.RatingWriteSerializer,
        responses={
            200: s.RatingSerializer,
            201: s.RatingSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
        },
    )
    def post(self, request: Request) -> Response:
        user = authenticated_user(request)
        payload = s.RatingWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rating, created = services.rating_set(
            user=user,
            movie_id=payload.validated_data["movie"],
            score=payload.validated_data["score"],
        )
        rating = selectors.rating_get(user=user, rating_id=rating.pk)
        return Response(
            s.RatingSerializer(rating).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class RatingDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Delete one of my ratings",
        description="Another user's rating is a 404, as if it did not exist.",
        operation_id="movies_ratings_destroy",
        responses={204: None, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def delete(self, request: Request, pk: int) -> Response:
        if not services.rating_delete(user=authenticated_user(request), rating_id=pk):
            raise NotFound("No such rating of yours.")
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- favorites ------------------------------------------------------------------------


class FavoriteListView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = OwnPagination

    @extend_schema(
        summary="My favorites",
        operation_id="movies_favorites_list",
        parameters=PAGE_PARAMETERS,
        responses={200: s.FavoritePageSerializer, 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        favorites = selectors.favorites_of(authenticated_user(request))
        page = paginator.paginate_queryset(favorites, request, view=self)
        return paginator.get_paginated_response(s.FavoriteSerializer(page, many=True).data)

    @extend_schema(
        summary="Favorite a movie",
        description="Idempotent: 201 the first time, 200 with the same favorite after.",
        operation_id="movies_favorites_create",
        request=s.FavoriteWriteSerializer,
        responses={
            200: s.FavoriteSerializer,
            201: s.FavoriteSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
        },
    )
    def post(self, request: Request) -> Response:
        user = authenticated_user(request)
        payload = s.FavoriteWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        favorite, created = services.favorite_add(
            user=user, movie_id=payload.validated_data["movie"]
        )
        favorite = selectors.favorite_get(user=user, favorite_id=favorite.pk)
        return Response(
            s.FavoriteSerializer(favorite).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class FavoriteDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Remove a favorite",
        description="Another user's favorite is a 404.",
        operation_id="movies_favorites_destroy",
        responses={204: None, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def delete(self, request: Request, pk: int) -> Response:
        if not services.favorite_delete(user=authenticated_user(request), favorite_id=pk):
            raise NotFound("No such favorite of yours.")
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- preferences ----------------------------------------------------------------------


class PreferenceView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="My genre preferences",
        operation_id="movies_preferences_retrieve",
        responses={200: s.PreferenceSerializer, 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        return Response(selectors.preference_of(authenticated_user(request)))

    @extend_schema(
        summary="Set my genre preferences",
        description="Replaces both lists (genre slugs from `/genres/`). Favorite genres "
        "steer recommendations (and are all a new user's come from); disliked ones are "
        "pushed down. An unknown genre, or one in both lists, is a 400 naming the field.",
        operation_id="movies_preferences_update",
        request=s.PreferenceWriteSerializer,
        responses={200: s.PreferenceSerializer, 400: BAD_REQUEST, 401: UNAUTHENTICATED},
    )
    def put(self, request: Request) -> Response:
        user = authenticated_user(request)
        payload = s.PreferenceWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.preference_set(user=user, **payload.validated_data)
        return Response(selectors.preference_of(user))
