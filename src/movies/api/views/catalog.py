"""The catalog: movies, genres, trending and search (TMDb when configured)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.openapi import CURSOR_PARAMETER, PAGE_SIZE_PARAMETER, ProblemSerializer
from core.http.pagination import KeysetPagination, SequencePagination
from movies import selectors, services, tmdb
from movies.api import serializers as s
from movies.api.views._common import (
    BAD_REQUEST,
    NOT_FOUND,
    PAGE_PARAMETERS,
    _genre,
)
from movies.models import Movie

TMDB_ERRORS = {
    502: OpenApiResponse(ProblemSerializer, description="`tmdb_bad_gateway`."),
    503: OpenApiResponse(
        ProblemSerializer, description="`tmdb_not_configured` or `tmdb_unavailable`."
    ),
}
SEARCH_SIZE = 20  # results of a catalog search, as TMDb answers a page of twenty


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


# --- catalog --------------------------------------------------------------------------


class MovieListView(APIView):
    permission_classes = [permissions.AllowAny]
    pagination_class = MoviePagination

    @extend_schema(
        summary="Browse the catalog",
        description="MovieLens movies (enriched from TMDb when configured), keyset-paginated: "
        "follow `next` (and `previous` back). `search` matches part of the title "
        "(case-insensitive); `genre` takes a genre's `slug` (as `/genres/` and each movie's "
        "`genres` give it); filters combine. An unknown parameter, genre or a malformed "
        "value is a 400 naming it. Cached for a few minutes; averages and counts change "
        "with every rating.",
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
        responses={200: s.MoviePageSerializer, 400: BAD_REQUEST},
    )
    def get(self, request: Request) -> Response:
        filters = s.MovieFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        paginator.ordering_name(request)  # a bad ordering is a 400 before any query
        data = dict(filters.validated_data)
        genre = _genre(data.pop("genre", None))

        def page(movies: QuerySet[Movie]) -> dict[str, Any]:
            rows = paginator.paginate_queryset(movies, request, view=self)
            return paginator.get_paginated_data([selectors.movie_summary(m) for m in rows])

        return Response(
            selectors.movie_page(
                origin=request.build_absolute_uri("/"),
                query=dict(request.query_params.lists()),
                page=page,
                genre=genre,
                **data,
            )
        )


class MovieDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
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
        summary="Genres",
        description="Every genre with its number of movies, by name. Its `slug` is what "
        "`?genre=` takes. About twenty: usually one page (`next` and `previous` null).",
        operation_id="movies_genres_list",
        parameters=[CURSOR_PARAMETER, PAGE_SIZE_PARAMETER],
        responses={200: s.GenreListSerializer},
    )
    def get(self, request: Request) -> Response:
        paginator = SequencePagination()
        genres = paginator.paginate_sequence(selectors.genre_list_cached(), request)
        return paginator.get_paginated_response(genres)


class TrendingView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Trending movies",
        description="`source=nexus` (default): the most rated or favorited on Nexus over the "
        "last week, topped up with the all-time most rated; cached ten minutes. "
        "`source=tmdb`: TMDb's weekly trending (cached hours, with TMDb's attribution); "
        "without a token, Nexus's own trending (`source: nexus`) with a `notice` saying "
        "why, as search does; during a TMDb outage a 503 `tmdb_unavailable` (asked for "
        "TMDb explicitly, the client learns it is down). Twenty movies, `page_size` at a "
        "time.",
        operation_id="movies_trending_list",
        parameters=[
            OpenApiParameter("source", str, enum=["nexus", "tmdb"]),
            CURSOR_PARAMETER,
            PAGE_SIZE_PARAMETER,
        ],
        responses={200: s.TrendingSerializer, 400: BAD_REQUEST, **TMDB_ERRORS},
    )
    def get(self, request: Request) -> Response:
        source = request.query_params.get("source", "nexus")
        if source not in ("nexus", "tmdb"):
            raise ValidationError({"source": ["Use nexus or tmdb."]}, code="invalid_choice")
        paginator = SequencePagination()
        paginator.get_page_size(request)  # a bad page size is a 400 before TMDb is asked
        if source == "nexus":
            return _page(paginator, request, selectors.trending())
        notice = "TMDb is not configured; showing what is trending on Nexus."
        if not tmdb.configured():
            return _page(paginator, request, {**selectors.trending(), "notice": notice})
        try:
            data = tmdb.get_client().trending("week")
        except tmdb.TMDbError as exc:
            raise services.tmdb_problem(exc) from exc
        body = {"source": "tmdb", "window_days": 7, "results": _tmdb_results(data)}
        return _page(paginator, request, {**body, **s.attribution()})


def _page(paginator: SequencePagination, request: Request, body: dict[str, Any]) -> Response:
    """A page of a list computed whole (``results``), with its other keys as extras."""
    extras = {key: value for key, value in body.items() if key != "results"}
    rows = paginator.paginate_sequence(body["results"], request)
    return paginator.get_paginated_response(rows, **extras)


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
        summary="Search movies (TMDb when configured)",
        description="With TMDb configured: TMDb's movie search (cached hours, with TMDb's "
        "attribution), each result linked to the catalog's movie when matched. Without it, "
        "or while TMDb is unavailable, the catalog's title search (`source: movielens`, "
        "with a `notice` saying why). The best twenty, `page_size` at a time.",
        operation_id="movies_search_list",
        parameters=[
            OpenApiParameter("q", str, required=True, description="Words of the title."),
            CURSOR_PARAMETER,
            PAGE_SIZE_PARAMETER,
        ],
        responses={200: s.SearchSerializer, 400: BAD_REQUEST, 502: TMDB_ERRORS[502]},
    )
    def get(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip()
        if not query or len(query) > 100:
            raise ValidationError({"q": ["Between 1 and 100 characters."]}, code="invalid")
        paginator = SequencePagination()
        paginator.get_page_size(request)  # a bad page size is a 400 before TMDb is asked
        notice = "TMDb is not configured; searching the MovieLens catalog."
        if tmdb.configured():
            try:
                data = tmdb.get_client().search_movies(query)
                body = {"source": "tmdb", "results": _tmdb_results(data)}
                return _page(paginator, request, {**body, **s.attribution()})
            except tmdb.Unavailable as exc:
                notice = f"TMDb is unavailable ({exc}); searching the MovieLens catalog."
            except tmdb.NotFound:
                return _page(
                    paginator, request, {"source": "tmdb", "results": [], **s.attribution()}
                )
            except tmdb.TMDbError as exc:
                raise services.tmdb_problem(exc) from exc
        movies = selectors.movie_search_list(search=query, limit=SEARCH_SIZE)
        results = [selectors.movie_summary(movie) for movie in movies]
        return _page(
            paginator, request, {"source": "movielens", "notice": notice, "results": results}
        )
