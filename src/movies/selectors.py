"""Movies reads, shaped for the API: a fixed number of queries whatever the page size.

The recommender model is loaded from the database once per process and version
(``current_model``); which version is current comes from the cache (one Redis GET),
falling back to the database. A user's list is computed once and cached
(``core.cache.versioned``, a namespace per user, stored with the model version that
ranked it): serving a cached list is one round trip, the model version read in the same
``MGET`` as the list, and touches neither the model nor the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from core.cache.versioned import cached, lookup_beside, namespace_version, query_part, store
from movies import tmdb
from movies.cache_keys import (
    CATALOG_NAMESPACE,
    MODEL_VERSION_KEY,
    SHAPE,
    recommendations_namespace,
    recommendations_parts,
)
from movies.models import Favorite, Genre, Movie, Preference, Rating, RecommenderModel
from movies.recommender import Profile, Recommender

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from core.identity.models import User

MAX_RECOMMENDATIONS = 50
TRENDING_WINDOW_DAYS = 7
TRENDING_SIZE = 20
TRENDING_TTL = 600

_models: dict[int, Recommender] = {}
_models_lock = threading.Lock()


# --- the model ------------------------------------------------------------------------


def current_version() -> int | None:
    version = cache.get(MODEL_VERSION_KEY)
    if version is None:
        row = RecommenderModel.objects.order_by("-version").values_list("version", flat=True)[:1]
        version = next(iter(row), None)
        if version is not None:
            cache.set(MODEL_VERSION_KEY, version, timeout=300)
    return int(version) if version is not None else None


def current_model() -> tuple[int | None, Recommender | None]:
    """The newest model, from this process's memory when it has loaded that version."""
    version = current_version()
    if version is None:
        return None, None
    model = _models.get(version)
    if model is None:
        with _models_lock:
            model = _models.get(version)
            if model is None:
                blob = (
                    RecommenderModel.objects.filter(version=version)
                    .values_list("artefact", flat=True)
                    .first()
                )
                if blob is None:  # deleted meanwhile: the newest one then
                    cache.delete(MODEL_VERSION_KEY)
                    return None, None
                model = Recommender.loads(bytes(blob))
                _models.clear()  # keep one version per process
                _models[version] = model
    return version, model


def model_info() -> dict[str, Any] | None:
    info = (
        RecommenderModel.objects.order_by("-version")
        .values(
            "version",
            "algorithm",
            "params",
            "items",
            "ratings",
            "users",
            "train_seconds",
            "trained_at",
        )
        .first()
    )
    return dict(info) if info is not None else None


# --- catalog --------------------------------------------------------------------------


def poster_url(poster_path: str) -> str | None:
    return f"{tmdb.IMAGE_BASE}{poster_path}" if poster_path else None


def movie_list(
    *,
    search: str = "",
    genre: Genre | None = None,
    year: int | None = None,
    year_min: int | None = None,
    year_max: int | None = None,
) -> QuerySet[Movie]:
    movies = Movie.objects.prefetch_related(
        Prefetch("genres", queryset=Genre.objects.order_by("name"))
    )
    if search:
        movies = movies.filter(title__icontains=search)
    if genre is not None:
        movies = movies.filter(genres=genre)
    if year is not None:
        movies = movies.filter(year=year)
    if year_min is not None:
        movies = movies.filter(year__gte=year_min)
    if year_max is not None:
        movies = movies.filter(year__lte=year_max)
    return movies


CATALOG_TTL = 300


def movie_page(
    *,
    origin: str,
    query: Mapping[str, Sequence[str]],
    page: Callable[[QuerySet[Movie]], dict[str, Any]],
    search: str = "",
    genre: Genre | None = None,
    year: int | None = None,
    year_min: int | None = None,
    year_max: int | None = None,
) -> dict[str, Any]:
    """A page of ``movie_list``, cached a few minutes. ``page`` cuts and shapes it (the
    entrypoint's pagination and its absolute ``next`` link), so the key is the origin
    and every query parameter as sent (``next`` repeats them)."""

    def load() -> dict[str, Any]:
        movies = movie_list(
            search=search, genre=genre, year=year, year_min=year_min, year_max=year_max
        )
        return page(movies)

    parts = ["list", SHAPE, origin, query_part(query)]
    return cached(CATALOG_NAMESPACE, parts, load, timeout=CATALOG_TTL)


def genre_list_cached() -> list[dict[str, Any]]:
    """``genre_list``, cached with the catalog (a rating or an import refreshes both)."""
    return cached(CATALOG_NAMESPACE, ["genres"], genre_list)


def movie_search_list(*, search: str, limit: int) -> list[Movie]:
    """The most rated ``limit`` movies whose title contains ``search`` (the catalog's
    own search when TMDb is not there): two queries."""
    return list(movie_list(search=search).order_by("-rating_count", "id")[:limit])


def movies_by_tmdb_ids(ids: list[int]) -> dict[int, int]:
    """TMDb id -> catalog id for the movies matched to those TMDb ids."""
    rows = Movie.objects.filter(tmdb_id__in=ids).values_list("tmdb_id", "id")
    return {tmdb_id: pk for tmdb_id, pk in rows if tmdb_id is not None}


def genre_list() -> list[dict[str, Any]]:
    return list(
        Genre.objects.annotate(movie_count=Count("movies"))
        .order_by("name")
        .values("id", "name", "slug", "movie_count")
    )


def genre_by_slug(slug: str) -> Genre | None:
    return Genre.objects.filter(slug=slug).first()


def movie_get(movie_id: int) -> Movie | None:
    return (
        Movie.objects.prefetch_related(Prefetch("genres", queryset=Genre.objects.order_by("name")))
        .filter(pk=movie_id)
        .first()
    )


def movie_summaries(ids: list[int]) -> dict[int, dict[str, Any]]:
    """Movies by id as the API shows them in lists (two queries)."""
    movies = Movie.objects.filter(pk__in=ids).prefetch_related(
        Prefetch("genres", queryset=Genre.objects.order_by("name"))
    )
    return {movie.pk: movie_summary(movie) for movie in movies}


def movie_summary(movie: Movie) -> dict[str, Any]:
    return {
        "id": movie.pk,
        "title": movie.title,
        "year": movie.year,
        "genres": [{"slug": genre.slug, "name": genre.name} for genre in movie.genres.all()],
        "rating_avg": round(movie.rating_avg, 2),
        "rating_count": movie.rating_count,
        "favorite_count": movie.favorite_count,
        "tmdb_id": movie.tmdb_id,
        "poster_url": poster_url(movie.poster_path),
    }


def viewer_state(*, user: User | AnonymousUser, movie_id: int) -> dict[str, Any]:
    """The viewer's own rating and favorite for a movie (anonymous: none)."""
    if not user.is_authenticated:
        return {"my_rating": None, "favorite": None}
    rating = Rating.objects.filter(user=user, movie_id=movie_id).values("id", "score").first()
    favorite = Favorite.objects.filter(user=user, movie_id=movie_id).values("id").first()
    return {
        "my_rating": {"id": rating["id"], "score": str(rating["score"])} if rating else None,
        "favorite": {"id": favorite["id"]} if favorite else None,
    }


def similar_movies(movie_id: int, *, n: int = 10) -> list[dict[str, Any]]:
    _version, model = current_model()
    if model is None:
        return []
    neighbours = model.similar(movie_id, n=n)
    titles = dict(
        Movie.objects.filter(pk__in=[item for item, _ in neighbours]).values_list("id", "title")
    )
    return [
        {"id": item, "title": titles[item], "similarity": round(similarity, 4)}
        for item, similarity in neighbours
        if item in titles
    ]


# --- own data -------------------------------------------------------------------------


def ratings_of(user: User) -> QuerySet[Rating]:
    return Rating.objects.filter(user=user).select_related("movie")


def favorites_of(user: User) -> QuerySet[Favorite]:
    return Favorite.objects.filter(user=user).select_related("movie")


def rating_get(*, user: User, rating_id: int) -> Rating:
    """One of the user's ratings with its movie; DoesNotExist for anyone else's."""
    return ratings_of(user).get(pk=rating_id)


def favorite_get(*, user: User, favorite_id: int) -> Favorite:
    """One of the user's favorites with its movie; DoesNotExist for anyone else's."""
    return favorites_of(user).get(pk=favorite_id)


def preference_of(user: User) -> dict[str, list[dict[str, str]]]:
    preference = (
        Preference.objects.filter(user=user)
        .prefetch_related("favorite_genres", "disliked_genres")
        .first()
    )
    if preference is None:
        return {"favorite_genres": [], "disliked_genres": []}

    def shape(genres: Iterable[Genre]) -> list[dict[str, str]]:
        return [{"slug": g.slug, "name": g.name} for g in sorted(genres, key=lambda g: g.name)]

    return {
        "favorite_genres": shape(preference.favorite_genres.all()),
        "disliked_genres": shape(preference.disliked_genres.all()),
    }


# --- trending -------------------------------------------------------------------------


def trending() -> dict[str, Any]:
    """Most rated or favorited by Nexus users over the last week, topped up with the
    all-time most rated. Cached ten minutes."""
    return cached("movies.trending", ["nexus", SHAPE], _trending, timeout=TRENDING_TTL)


def _trending() -> dict[str, Any]:
    since = timezone.now() - timedelta(days=TRENDING_WINDOW_DAYS)
    recent: dict[int, int] = {}
    for movie_id, n in (
        Rating.objects.filter(user__isnull=False, updated_at__gte=since)
        .values_list("movie_id")
        .annotate(n=Count("id"))
        .values_list("movie_id", "n")
    ):
        recent[movie_id] = recent.get(movie_id, 0) + n
    for movie_id, n in (
        Favorite.objects.filter(created_at__gte=since)
        .values_list("movie_id")
        .annotate(n=Count("id"))
        .values_list("movie_id", "n")
    ):
        recent[movie_id] = recent.get(movie_id, 0) + n
    ranked = sorted(recent.items(), key=lambda pair: (-pair[1], pair[0]))[:TRENDING_SIZE]
    ids = [movie_id for movie_id, _ in ranked]
    if len(ids) < TRENDING_SIZE:
        ids += list(
            Movie.objects.exclude(pk__in=ids)
            .order_by("-rating_count", "id")
            .values_list("id", flat=True)[: TRENDING_SIZE - len(ids)]
        )
    summaries = movie_summaries(ids)
    activity = dict(ranked)
    return {
        "source": "nexus",
        "window_days": TRENDING_WINDOW_DAYS,
        "results": [
            {**summaries[pk], "recent_activity": activity.get(pk, 0)}
            for pk in ids
            if pk in summaries
        ],
    }


# --- recommendations ------------------------------------------------------------------


def recommendations_for(
    *, user: User, genre: Genre | None = None
) -> tuple[list[dict[str, Any]], int | None]:
    """The user's list, best first, ``MAX_RECOMMENDATIONS`` at most (computed once, then
    from the cache), and the model version that ranked it.

    A warm read is one round trip: the user's namespace version, the cached entry
    (``(model version, list)``) and the current model version, in one ``MGET``. A list
    ranked by another model than the current one is a miss, so a new model takes over
    every list at once; so does a rating (it bumps the user's namespace)."""
    namespace = recommendations_namespace(user.pk)
    parts = recommendations_parts(genre.slug if genre else None)
    entry, namespace_at, raw_version = lookup_beside(namespace, parts, MODEL_VERSION_KEY)
    # The model version's key expires (300 s): then the database says, and sets it again.
    version = int(raw_version) if raw_version is not None else current_version()
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == version:
        ranked: list[dict[str, Any]] = entry[1]
        return ranked, version
    if namespace_at is None:
        namespace_at = namespace_version(namespace)  # the user's first list: start one
    version, items = _recommendations(user, genre)
    store(
        namespace,
        parts,
        namespace_at,
        (version, items),
        timeout=settings.MOVIES_RECOMMENDATIONS_TTL,
    )
    return items, version


def profile_of(user: User) -> tuple[Profile, dict[int, str]]:
    """What the model needs about a user, and the titles of what they rated or favorited
    (for the reasons): three queries."""
    profile = Profile()
    titles: dict[int, str] = {}
    for movie_id, score, title in Rating.objects.filter(user=user).values_list(
        "movie_id", "score", "movie__title"
    ):
        profile.ratings[movie_id] = float(score)
        titles[movie_id] = title
    for movie_id, title in Favorite.objects.filter(user=user).values_list(
        "movie_id", "movie__title"
    ):
        profile.favorites.add(movie_id)
        titles[movie_id] = title
    through = Preference.favorite_genres.through
    disliked_through = Preference.disliked_genres.through
    preference = Preference.objects.filter(user=user).values_list("id", flat=True).first()
    if preference is not None:
        profile.liked_genres = set(
            through.objects.filter(preference_id=preference).values_list("genre_id", flat=True)
        )
        profile.disliked_genres = set(
            disliked_through.objects.filter(preference_id=preference).values_list(
                "genre_id", flat=True
            )
        )
    return profile, titles


def _reason_text(
    reason: tuple[str, int | None, float | None], titles: dict[int, str], genres: dict[int, str]
) -> tuple[str, str]:
    kind, ref, score = reason
    if kind == "rated" and ref in titles:
        return kind, f"because you rated {titles[ref]} {score:.1f}"
    if kind == "favorited" and ref in titles:
        return kind, f"because you favorited {titles[ref]}"
    if kind == "genre" and ref in genres:
        return kind, f"popular in {genres[ref]}, one of your favorite genres"
    if ref in genres:
        return "popular", f"popular in {genres[ref]}"
    return "popular", "popular with viewers"


def _recommendations(user: User, genre: Genre | None) -> tuple[int | None, list[dict[str, Any]]]:
    """The list and the model version that ranked it (None: no model yet, the most
    rated)."""
    version, model = current_model()
    profile, titles = profile_of(user)
    allowed = set(genre.movies.values_list("id", flat=True)) if genre else None
    if model is not None:
        picks = model.recommend(profile, n=MAX_RECOMMENDATIONS, allowed=allowed)
        rows = [(pick.item_id, pick.score, pick.reason) for pick in picks]
    else:  # no model trained yet: the most rated
        movies = Movie.objects.exclude(pk__in=profile.seen).order_by("-rating_count", "id")
        if allowed is not None:
            movies = movies.filter(pk__in=allowed)
        rows = [
            (pk, 0.0, ("popular", genre.pk if genre else None, None))
            for pk in movies.values_list("id", flat=True)[:MAX_RECOMMENDATIONS]
        ]
    genres = dict(Genre.objects.values_list("id", "name"))
    summaries = movie_summaries([pk for pk, _, _ in rows])
    results = []
    for pk, score, reason in rows:
        if pk not in summaries:
            continue
        if genre is not None and reason[0] == "popular":
            reason = ("popular", genre.pk, None)
        kind, text = _reason_text(reason, titles, genres)
        results.append(
            {
                "movie": summaries[pk],
                "score": round(float(score), 4),
                "reason": text,
                "reason_type": kind,
                "model_version": version,
            }
        )
    return version, results
