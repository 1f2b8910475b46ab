"""Movies test data: a small catalog with two taste clusters of historical raters
(sci-fi fans and comedy fans), built the way the importer builds it. API clients are
in tests.helpers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from movies.importer import movie_aggregates_refresh
from movies.models import Genre, Movie, Rater, Rating
from tests.core.factories import UserFactory

BASE = "/api/v1/movies/"
MOVIES = BASE + "movies/"
GENRES = BASE + "genres/"
RATINGS = BASE + "ratings/"
FAVORITES = BASE + "favorites/"
PREFERENCES = BASE + "preferences/"
RECOMMENDATIONS = BASE + "recommendations/"
TRENDING = BASE + "trending/"
SEARCH = BASE + "search/"
RECOMMENDER = BASE + "recommender/"
TRAIN = BASE + "recommender/train/"


def customer(**kwargs: Any):
    return UserFactory(**kwargs)


def staff(**kwargs: Any):
    return UserFactory(is_staff=True, **kwargs)


def make_genre(name: str) -> Genre:
    return Genre.objects.get_or_create(
        name=name, defaults={"slug": name.lower().replace(" ", "-")}
    )[0]


def make_movie(title: str, year: int = 2000, genres: tuple[str, ...] = ()) -> Movie:
    movie = Movie.objects.create(title=title, year=year)
    movie.genres.set([make_genre(name) for name in genres])
    return movie


class Catalog:
    """10 sci-fi movies, 10 comedies, 4 dramas; 30 raters: 15 love sci-fi, 15 comedy;
    each also rates one to four dramas 3.0."""

    def __init__(self) -> None:
        self.scifi = [make_movie(f"Space Saga {n}", 1980 + n, ("Sci-Fi",)) for n in range(10)]
        self.comedy = [make_movie(f"Laugh Riot {n}", 1990 + n, ("Comedy",)) for n in range(10)]
        self.drama = [make_movie(f"Quiet Tears {n}", 2000 + n, ("Drama",)) for n in range(4)]
        now = timezone.now()
        rows = []
        for r in range(30):
            rater = Rater.objects.create(movielens_id=1000 + r)
            loved = self.scifi if r < 15 else self.comedy
            # Each rater rates 7 of their genre's 10 movies (rotating) and some dramas.
            for n in range(7):
                rows.append(
                    (rater, loved[(r + n) % 10], Decimal("5.0") if n % 2 else Decimal("4.5"))
                )
            for movie in self.drama[: 1 + r % 4]:
                rows.append((rater, movie, Decimal("3.0")))
        Rating.objects.bulk_create(
            [
                Rating(rater=rater, movie=movie, score=score, created_at=now, updated_at=now)
                for rater, movie, score in rows
            ]
        )
        movie_aggregates_refresh()

    @property
    def all(self) -> list[Movie]:
        return [*self.scifi, *self.comedy, *self.drama]
