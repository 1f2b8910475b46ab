"""Movies endpoints: thin; they validate, call a selector or service, and shape output."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.cache.versioned import cached
from core.http.openapi import CURSOR_PAGE_PARAMETERS, ProblemSerializer
from core.http.pagination import CursorPagination, KeysetPagination
from core.identity.permissions import IsSiteStaff
from movies import selectors, services, tmdb
from movies.api import serializers as s
from movies.cache_keys import CATALOG_NAMESPACE

PAGE_PARAMETERS = CURSOR_PAGE_PARAMETERS
BAD_REQUEST = OpenApiResponse(ProblemSerializer, description="`validation_error` naming the field.")
UNAUTHENTICATED = OpenApiResponse(ProblemSerializer, description="`not_authenticated`.")
NOT_FOUND = OpenApiResponse(ProblemSerializer, description="`not_found` (or not yours).")
TMDB_ERRORS = {
    502: OpenApiResponse(ProblemSerializer, description="`tmdb_bad_gateway`."),
    503: OpenApiResponse(
        ProblemSerializer, description="`tmdb_not_configured` or `tmdb_unavailable`."
    ),
}
CATALOG_TTL = 300
MOVIE_LIST_PARAMETERS = {
    "search",
    "genre",
    "year",
    "year_min",
    "year_max",
    "ordering",
    "cursor",
    "page_size",
    "format",
}


def _reject_unknown(request: Request, allowed: set[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        names = ", ".join(sorted(allowed - {"format"}))
        raise ValidationError(
            {name[:40]: [f"Unknown parameter; use: {names}."] for name in unknown[:5]},
            code="unknown_parameter",
        )


def _genre(slug: str | None, field: str = "genre") -> Any:
    if not slug:
        return None
    genre = selectors.genre_by_slug(slug)
    if genre is None:
        raise ValidationError({field: [f"Unknown genre {slug[:40]!r}; see /genres/."]})
    return genre


class MoviePagination(KeysetPagination):
    orderings = {
        "title": "title",
        "-title": "-title",
        "year": "year",
        "-year": "-year",
        "rating": "rating_avg",
        "-rating": "-rating_avg",
        "rating_count": "rating_count",
        "-rating_count": "-rating_count",
    }
    default_ordering = "-rating_count"


class OwnPagination(CursorPagination):
    ordering = ("-id",)


# --- catalog --------------------------------------------------------------------------


class MovieListView(APIView):
    permission_classes = [permissions.AllowAny]
    pagination_class = MoviePagination

    @extend_schema(
        tags=["movies"],
        summary="Browse the catalog",
        description="MovieLens movies (enriched from TMDb when configured), keyset-paginated: "
        "follow `next`. `search` matches part of the title (case-insensitive); filters "
        "combine. An unknown parameter, genre or a malformed value is a 400 naming it. "
        "Cached for a few minutes; averages and counts change with every rating.",
        operation_id="movies_movies_list",
        parameters=[
            s.MovieFilterSerializer,
            OpenApiParameter(
                "ordering",
                str,
                enum=list(MoviePagination.orderings),
                description="Default `-rating_count` (most rated first).",
            ),
            *PAGE_PARAMETERS,
        ],
        responses={200: s.MovieSummarySerializer(many=True), 400: BAD_REQUEST},
    )
    def get(self, request: Request) -> Response:
        _reject_unknown(request, MOVIE_LIST_PARAMETERS)
        filters = s.MovieFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        paginator.ordering_name(request)  # a bad ordering is a 400 before any query
        data = dict(filters.validated_data)
        genre = _genre(data.pop("genre", None))

        def load() -> dict[str, Any]:
            page = paginator.paginate_queryset(
                selectors.movie_list(genre=genre, **data), request, view=self
            )
            return {
                "next": paginator.get_next_link(),
                "results": [selectors.movie_summary(movie) for movie in page],
            }

        parts = ["list", *(f"{k}={v}" for k, v in sorted(request.query_params.items()))]
        return Response(cached(CATALOG_NAMESPACE, parts, load, timeout=CATALOG_TTL))


class MovieDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=["movies"],
        summary="A movie",
        description="With its average rating and count, your own rating and favorite (when "
        "signed in), and similar movies from the current model. TMDb's overview and poster "
        "(with TMDb's attribution) when it has been matched.",
        operation_id="movies_movies_retrieve",
        responses={200: s.MovieDetailSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        movie = selectors.movie_get(pk)
        if movie is None:
            raise NotFound("No such movie.")
        enriched = bool(movie.tmdb_id)
        body = {
            **selectors.movie_summary(movie),
            "overview": movie.overview,
            "tmdb_match_confidence": movie.tmdb_match_confidence,
            **selectors.viewer_state(user=request.user, movie_id=movie.pk),
            "similar": selectors.similar_movies(movie.pk),
            "attribution": tmdb.ATTRIBUTION if enriched else None,
        }
        return Response(body)


class GenreListView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=["movies"],
        summary="Genres",
        description="Every genre with its number of movies (not paginated: about twenty).",
        operation_id="movies_genres_list",
        responses={200: s.GenreSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(cached(CATALOG_NAMESPACE, ["genres"], selectors.genre_list))


class TrendingView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=["movies"],
        summary="Trending movies",
        description="`source=nexus` (default): the most rated or favorited on Nexus over the "
        "last week, topped up with the all-time most rated; cached ten minutes. "
        "`source=tmdb`: TMDb's weekly trending (cached hours, with TMDb's attribution); "
        "without a token, Nexus's own trending (`source: nexus`) with a `notice` saying "
        "why, as search does; during a TMDb outage a 503 `tmdb_unavailable` (asked for "
        "TMDb explicitly, the client learns it is down).",
        operation_id="movies_trending_list",
        parameters=[OpenApiParameter("source", str, enum=["nexus", "tmdb"])],
        responses={200: s.TrendingSerializer, 400: BAD_REQUEST, **TMDB_ERRORS},
    )
    def get(self, request: Request) -> Response:
        _reject_unknown(request, {"source", "format"})
        source = request.query_params.get("source", "nexus")
        if source not in ("nexus", "tmdb"):
            raise ValidationError({"source": ["Use nexus or tmdb."]}, code="invalid_choice")
        if source == "nexus":
            return Response(selectors.trending())
        notice = "TMDb is not configured; showing what is trending on Nexus."
        if not tmdb.configured():
            return Response({**selectors.trending(), "notice": notice})
        try:
            data = tmdb.get_client().trending("week")
        except tmdb.TMDbError as exc:
            raise services.tmdb_problem(exc) from exc
        return Response(
            {
                "source": "tmdb",
                "window_days": 7,
                "results": _tmdb_results(data),
                **s.attribution(),
            }
        )


def _tmdb_results(data: dict) -> list[dict[str, Any]]:
    items = [item for item in data.get("results") or [] if isinstance(item.get("id"), int)]
    local = selectors.movies_by_tmdb_ids([item["id"] for item in items])
    return [
        {
            "tmdb_id": item["id"],
            "title": str(item.get("title") or item.get("name") or ""),
            "year": int(str(item["release_date"])[:4])
            if str(item.get("release_date") or "")[:4].isdigit()
            else None,
            "overview": str(item.get("overview") or ""),
            "poster_url": selectors.poster_url(str(item.get("poster_path") or "")),
            "movie": local.get(item["id"]),
        }
        for item in items
    ]


class SearchView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=["movies"],
        summary="Search movies (TMDb when configured)",
        description="With TMDb configured: TMDb's movie search (cached hours, with TMDb's "
        "attribution), each result linked to the catalog's movie when matched. Without it, "
        "or while TMDb is unavailable, the catalog's title search (`source: movielens`, "
        "with a `notice` saying why).",
        operation_id="movies_search_list",
        parameters=[
            OpenApiParameter("q", str, required=True, description="Words of the title."),
        ],
        responses={200: s.SearchSerializer, 400: BAD_REQUEST, 502: TMDB_ERRORS[502]},
    )
    def get(self, request: Request) -> Response:
        _reject_unknown(request, {"q", "format"})
        query = request.query_params.get("q", "").strip()
        if not query or len(query) > 100:
            raise ValidationError({"q": ["Between 1 and 100 characters."]}, code="invalid")
        notice = "TMDb is not configured; searching the MovieLens catalog."
        if tmdb.configured():
            try:
                data = tmdb.get_client().search_movies(query)
                return Response(
                    {"source": "tmdb", "results": _tmdb_results(data), **s.attribution()}
                )
            except tmdb.Unavailable as exc:
                notice = f"TMDb is unavailable ({exc}); searching the MovieLens catalog."
            except tmdb.NotFound:
                return Response({"source": "tmdb", "results": [], **s.attribution()})
            except tmdb.TMDbError as exc:
                raise services.tmdb_problem(exc) from exc
        movies = selectors.movie_list(search=query).order_by("-rating_count", "id")[:20]
        return Response(
            {
                "source": "movielens",
                "notice": notice,
                "results": [selectors.movie_summary(movie) for movie in movies],
            }
        )


# --- ratings --------------------------------------------------------------------------


class RatingListView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = OwnPagination

    @extend_schema(
        tags=["movies"],
        summary="My ratings",
        description="Your ratings, newest first (cursor-paginated).",
        operation_id="movies_ratings_list",
        parameters=PAGE_PARAMETERS,
        responses={200: s.RatingSerializer(many=True), 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.ratings_of(request.user), request, view=self)
        return paginator.get_paginated_response(s.RatingSerializer(page, many=True).data)

    @extend_schema(
        tags=["movies"],
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
        payload = s.RatingWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rating, created = services.rating_set(
            user=request.user,
            movie_id=payload.validated_data["movie"],
            score=payload.validated_data["score"],
        )
        rating = selectors.ratings_of(request.user).get(pk=rating.pk)
        return Response(
            s.RatingSerializer(rating).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class RatingDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["movies"],
        summary="Delete one of my ratings",
        description="Another user's rating is a 404, as if it did not exist.",
        operation_id="movies_ratings_destroy",
        responses={204: None, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def delete(self, request: Request, pk: int) -> Response:
        if not services.rating_delete(user=request.user, rating_id=pk):
            raise NotFound("No such rating of yours.")
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- favorites ------------------------------------------------------------------------


class FavoriteListView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = OwnPagination

    @extend_schema(
        tags=["movies"],
        summary="My favorites",
        operation_id="movies_favorites_list",
        parameters=PAGE_PARAMETERS,
        responses={200: s.FavoriteSerializer(many=True), 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.favorites_of(request.user), request, view=self)
        return paginator.get_paginated_response(s.FavoriteSerializer(page, many=True).data)

    @extend_schema(
        tags=["movies"],
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
        payload = s.FavoriteWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        favorite, created = services.favorite_add(
            user=request.user, movie_id=payload.validated_data["movie"]
        )
        favorite = selectors.favorites_of(request.user).get(pk=favorite.pk)
        return Response(
            s.FavoriteSerializer(favorite).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class FavoriteDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["movies"],
        summary="Remove a favorite",
        description="Another user's favorite is a 404.",
        operation_id="movies_favorites_destroy",
        responses={204: None, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def delete(self, request: Request, pk: int) -> Response:
        if not services.favorite_delete(user=request.user, favorite_id=pk):
            raise NotFound("No such favorite of yours.")
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- preferences ----------------------------------------------------------------------


class PreferenceView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["movies"],
        summary="My genre preferences",
        operation_id="movies_preferences_retrieve",
        responses={200: s.PreferenceSerializer, 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        return Response(selectors.preference_of(request.user))

    @extend_schema(
        tags=["movies"],
        summary="Set my genre preferences",
        description="Replaces both lists (genre slugs from `/genres/`). Favorite genres "
        "steer recommendations (and are all a new user's come from); disliked ones are "
        "pushed down. An unknown genre, or one in both lists, is a 400 naming the field.",
        operation_id="movies_preferences_update",
        request=s.PreferenceWriteSerializer,
        responses={200: s.PreferenceSerializer, 400: BAD_REQUEST, 401: UNAUTHENTICATED},
    )
    def put(self, request: Request) -> Response:
        payload = s.PreferenceWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.preference_set(user=request.user, **payload.validated_data)
        return Response(selectors.preference_of(request.user))


# --- recommendations ------------------------------------------------------------------


class RecommendationListView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["movies"],
        summary="My recommendations",
        description="Movies you have not rated or favorited, best first, each with a "
        "`score`, a human `reason` and the model version. Computed once (new users get "
        "personal picks from their first rating, no retraining; users with no ratings get "
        "their favorite genres' or the most popular movies), then served from the cache "
        "until you rate, favorite or change preferences, or a new model is trained.",
        operation_id="movies_recommendations_list",
        parameters=[s.RecommendationQuerySerializer],
        responses={200: s.RecommendationListSerializer, 400: BAD_REQUEST, 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        _reject_unknown(request, {"limit", "genre", "format"})
        query = s.RecommendationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        genre = _genre(query.validated_data.get("genre"))
        items, version = selectors.recommendations_for(
            user=request.user, limit=query.validated_data["limit"], genre=genre
        )
        return Response({"model_version": version, "results": items})


# --- the model (staff) ----------------------------------------------------------------


class RecommenderView(APIView):
    permission_classes = [IsSiteStaff]

    @extend_schema(
        tags=["movies"],
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
        tags=["movies"],
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
