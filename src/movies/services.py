"""Every movies write: ratings, favorites, preferences, training the recommender, TMDb
enrichment and the MovieLens import. REST, admin, tasks and the demo seed come here.

Movie aggregates (rating count, sum, average, favorites) move by conditional F()
updates in the same transaction as the row they count, so they stay exact under
concurrency. A user's cached recommendation list is dropped after commit whenever
their ratings, favorites or preferences change.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Case, F, FloatField, Max, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from core.cache import versioned as core_cache
from core.http.catalogue import ProblemError
from core.http.validation import field_error
from core.tasking.outbox import enqueue_on_commit
from movies import error_codes, tmdb
from movies.cache_keys import CATALOG_NAMESPACE, MODEL_VERSION_KEY, recommendations_namespace
from movies.models import SCORES, Favorite, Genre, Movie, Preference, Rating, RecommenderModel
from movies.recommender import Params, Recommender

if TYPE_CHECKING:
    from core.identity.models import User

logger = logging.getLogger(__name__)

MODELS_KEPT = 3


def _user_changed(user_id: int) -> None:
    core_cache.invalidate(recommendations_namespace(user_id))


def _movie(movie_id: int, field: str = "movie") -> Movie:
    movie = Movie.objects.filter(pk=movie_id).only("id").first()
    if movie is None:
        raise field_error(field, f"No movie with id {movie_id}.", "does_not_exist")
    return movie


def _aggregate_add(movie_id: int, *, count: int, delta: Decimal) -> None:
    """rating_count += count, rating_sum += delta, and the average from the new values
    (one UPDATE: PostgreSQL evaluates every SET against the old row)."""
    new_count = F("rating_count") + count
    new_sum = F("rating_sum") + delta
    Movie.objects.filter(pk=movie_id).update(
        rating_count=new_count,
        rating_sum=new_sum,
        rating_avg=Case(
            When(rating_count__lte=-count, then=Value(0.0)),
            default=Cast(new_sum, FloatField()) / Cast(new_count, FloatField()),
            output_field=FloatField(),
        ),
    )


# --- ratings --------------------------------------------------------------------------


def validate_score(score: Decimal) -> Decimal:
    if score not in SCORES:
        raise field_error(
            "score", "A score is 0.5 to 5.0 in steps of 0.5 (0.5, 1.0, ..., 5.0).", "invalid_score"
        )
    return Decimal(score).quantize(Decimal("0.1"))


def rating_set(*, user: User, movie_id: int, score: Decimal) -> tuple[Rating, bool]:
    """Rate a movie, or change the rating already given (one per user and movie).
    Returns the rating and whether it was created."""
    score = validate_score(score)
    for _ in range(2):
        try:
            with transaction.atomic():
                movie = _movie(movie_id)
                now = timezone.now()
                existing = (
                    Rating.objects.select_for_update().filter(user=user, movie_id=movie.pk).first()
                )
                if existing is not None:
                    delta = score - existing.score
                    if delta:
                        existing.score = score
                        existing.updated_at = now
                        existing.save(update_fields=["score", "updated_at"])
                        _aggregate_add(movie.pk, count=0, delta=delta)
                        _user_changed(user.pk)
                    return existing, False
                rating = Rating.objects.create(
                    user=user, movie_id=movie.pk, score=score, created_at=now, updated_at=now
                )
                _aggregate_add(movie.pk, count=1, delta=score)
                _user_changed(user.pk)
                return rating, True
        except IntegrityError:  # a concurrent first rating won: update it instead
            continue
    raise RuntimeError("rating_set: lost two races in a row")  # pragma: no cover


@transaction.atomic
def rating_delete(*, user: User, rating_id: int) -> bool:
    """Delete one of the user's ratings; False when it is not theirs or gone."""
    rating = Rating.objects.select_for_update().filter(pk=rating_id, user=user).first()
    if rating is None:
        return False
    rating.delete()
    _aggregate_add(rating.movie_id, count=-1, delta=-rating.score)
    _user_changed(user.pk)
    return True


# --- favorites ------------------------------------------------------------------------


def favorite_add(*, user: User, movie_id: int) -> tuple[Favorite, bool]:
    """Favorite a movie; idempotent (a second call returns the same favorite)."""
    for _ in range(2):
        try:
            with transaction.atomic():
                movie = _movie(movie_id)
                existing = Favorite.objects.filter(user=user, movie_id=movie.pk).first()
                if existing is not None:
                    return existing, False
                favorite = Favorite.objects.create(user=user, movie_id=movie.pk)
                Movie.objects.filter(pk=movie.pk).update(favorite_count=F("favorite_count") + 1)
                _user_changed(user.pk)
                return favorite, True
        except IntegrityError:
            continue
    return Favorite.objects.get(user=user, movie_id=movie_id), False


@transaction.atomic
def favorite_delete(*, user: User, favorite_id: int) -> bool:
    favorite = Favorite.objects.select_for_update().filter(pk=favorite_id, user=user).first()
    if favorite is None:
        return False
    favorite.delete()
    Movie.objects.filter(pk=favorite.movie_id, favorite_count__gt=0).update(
        favorite_count=F("favorite_count") - 1
    )
    _user_changed(user.pk)
    return True


# --- preferences ----------------------------------------------------------------------


def _genres(slugs: list[str], field: str) -> list[Genre]:
    unique = list(dict.fromkeys(slugs))
    found = {genre.slug: genre for genre in Genre.objects.filter(slug__in=unique)}
    unknown = [slug for slug in unique if slug not in found]
    if unknown:
        raise field_error(field, f"Unknown genre: {', '.join(unknown)[:200]}.", "does_not_exist")
    return [found[slug] for slug in unique]


@transaction.atomic
def preference_set(
    *, user: User, favorite_genres: list[str], disliked_genres: list[str]
) -> Preference:
    liked = _genres(favorite_genres, "favorite_genres")
    disliked = _genres(disliked_genres, "disliked_genres")
    both = {g.slug for g in liked} & {g.slug for g in disliked}
    if both:
        raise field_error(
            "disliked_genres", f"A genre cannot be both liked and disliked: {', '.join(both)}."
        )
    preference, _ = Preference.objects.select_for_update().get_or_create(user=user)
    preference.favorite_genres.set(liked)
    preference.disliked_genres.set(disliked)
    preference.save(update_fields=["updated_at"])
    _user_changed(user.pk)
    return preference


# --- the recommender ------------------------------------------------------------------


@dataclass(frozen=True)
class TrainReport:
    version: int
    items: int
    ratings: int
    users: int
    seconds: float


def training_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, list[int]]]:
    """(user keys, movie ids, scores, genres of every movie): MovieLens raters and Nexus
    users together, raters as even keys and users as odd ones."""
    rows = np.array(
        list(Rating.objects.values_list("rater_id", "user_id", "movie_id", "score")), dtype=object
    )
    if len(rows):
        raters = np.where(rows[:, 0] == None, -1, rows[:, 0]).astype(np.int64)  # noqa: E711
        users_ = np.where(rows[:, 1] == None, -1, rows[:, 1]).astype(np.int64)  # noqa: E711
        keys = np.where(raters >= 0, raters * 2, users_ * 2 + 1)
        items = rows[:, 2].astype(np.int64)
        scores = rows[:, 3].astype(np.float32)
    else:
        keys = items = np.zeros(0, dtype=np.int64)
        scores = np.zeros(0, dtype=np.float32)
    item_genres: dict[int, list[int]] = {
        pk: [] for pk in Movie.objects.values_list("id", flat=True)
    }
    for movie_id, genre_id in Movie.genres.through.objects.values_list("movie_id", "genre_id"):
        item_genres.setdefault(movie_id, []).append(genre_id)
    return keys, items, scores, item_genres


def model_train(*, params: Params | None = None) -> TrainReport:
    """Fit on every rating, store the artefact as the next version (every process
    loads it from the database), keep the last few versions."""
    params = params or Params()
    started = time.perf_counter()
    keys, items, scores, item_genres = training_data()
    model = Recommender.fit(
        users=keys, items=items, scores=scores, item_genres=item_genres, params=params
    )
    blob = model.dumps()
    seconds = time.perf_counter() - started
    with transaction.atomic():
        # Serialise concurrent trainings on the newest row's lock (or none yet).
        latest = RecommenderModel.objects.select_for_update().order_by("-version").first()
        version = (latest.version if latest else 0) + 1
        RecommenderModel.objects.create(
            version=version,
            algorithm=params.algorithm,
            params=params.as_dict(),
            artefact=blob,
            items=len(model.item_ids),
            ratings=len(items),
            users=len(np.unique(keys)) if len(keys) else 0,
            train_seconds=round(seconds, 3),
        )
        stale = RecommenderModel.objects.order_by("-version").values_list("id", flat=True)[
            MODELS_KEPT:
        ]
        RecommenderModel.objects.filter(id__in=list(stale)).delete()
        transaction.on_commit(lambda: cache.set(MODEL_VERSION_KEY, version, timeout=300))
    logger.info("recommender v%s trained in %.2fs on %s ratings", version, seconds, len(items))
    return TrainReport(
        version=version,
        items=len(model.item_ids),
        ratings=len(items),
        users=len(np.unique(keys)) if len(keys) else 0,
        seconds=seconds,
    )


def model_train_request() -> None:
    """Staff asked for a training run: a task after commit."""
    enqueue_on_commit("movies.tasks.recommender_train_task")


def latest_version() -> int | None:
    value = RecommenderModel.objects.aggregate(v=Max("version"))["v"]
    return int(value) if value is not None else None


# --- TMDb enrichment ------------------------------------------------------------------


def tmdb_problem(exc: tmdb.TMDbError) -> ProblemError:
    """A TMDb failure as the problem the API answers (never a 500)."""
    if isinstance(exc, tmdb.NotConfigured):
        return ProblemError(
            error_codes.TMDB_NOT_CONFIGURED,
            "TMDb is not configured on this deployment (no TMDB_API_TOKEN).",
        )
    if isinstance(exc, tmdb.Unavailable):
        return ProblemError(error_codes.TMDB_UNAVAILABLE, str(exc), retry_after=exc.retry_after)
    return ProblemError(error_codes.TMDB_BAD_GATEWAY, str(exc)[:300])


def movie_enrich(*, movie_id: int) -> bool:
    """Look the movie up on TMDb by title and year and keep a confident match (overview,
    poster, TMDb id and the match's confidence). True when a match was stored."""
    movie = Movie.objects.filter(pk=movie_id).first()
    if movie is None or not tmdb.configured():
        return False
    client = tmdb.get_client()
    try:
        found = client.search_movies(tmdb.normalise_title(movie.title), year=movie.year)
    except tmdb.NotFound:
        found = {"results": []}
    match = tmdb.best_match(movie.title, movie.year, list(found.get("results") or []))
    now = timezone.now()
    with transaction.atomic():
        if (
            match is None
            or Movie.objects.filter(tmdb_id=match.tmdb_id).exclude(pk=movie.pk).exists()
        ):
            Movie.objects.filter(pk=movie.pk).update(tmdb_checked_at=now)
            return False
        Movie.objects.filter(pk=movie.pk).update(
            tmdb_id=match.tmdb_id,
            tmdb_match_confidence=match.confidence,
            overview=match.overview[:5000],
            poster_path=match.poster_path[:200],
            tmdb_checked_at=now,
        )
        core_cache.invalidate(CATALOG_NAMESPACE)
    return True


def movies_enrich_batch(*, limit: int = 100) -> int:
    """Enrich the most-rated movies not looked up yet; stops at the first outage."""
    if not tmdb.configured():
        return 0
    ids = list(
        Movie.objects.filter(tmdb_checked_at__isnull=True)
        .order_by("-rating_count", "id")
        .values_list("id", flat=True)[:limit]
    )
    matched = 0
    for movie_id in ids:
        try:
            matched += movie_enrich(movie_id=movie_id)
        except (tmdb.Unavailable, tmdb.Rejected) as exc:
            logger.warning("TMDb enrichment paused: %s", exc)
            break
    return matched
