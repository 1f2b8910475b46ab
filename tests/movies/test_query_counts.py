"""No N+1 in the lists computed whole: genres, trending and the catalog's own search
cost the same number of queries on a small catalog and on one with many more rows in
the answer (and none once cached). The movie list, the own lists and recommendations
are counted in test_catalog.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from movies import services
from movies.models import Movie
from tests.helpers import client_for
from tests.movies.factories import GENRES, SEARCH, TRENDING, customer, make_movie

pytestmark = pytest.mark.django_db


def _count(url: str, params: dict | None = None) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client_for().get(url, params)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


def _uncached(url: str, params: dict | None = None) -> tuple[int, dict]:
    cache.clear()
    return _count(url, params)


def test_the_genre_list_costs_the_same_for_3_genres_and_for_23(catalog):
    small, few = _uncached(GENRES, {"page_size": 50})
    for n in range(20):
        make_movie(f"Extra {n}", 2010, (f"Genre {n:02}", f"Genre {(n + 1) % 20:02}"))
    large, many = _uncached(GENRES, {"page_size": 50})
    cached, again = _count(GENRES, {"page_size": 50})

    assert len(few["results"]) == 3
    assert len(many["results"]) == 23
    assert {g["movie_count"] for g in many["results"] if g["name"].startswith("Genre")} == {2}
    assert small == large == 1  # the genres with their counts, in one query
    assert (cached, again) == (0, many)


def _rate_recently(movies: list[Movie]) -> None:
    user = customer()
    for movie in movies:
        services.rating_set(user=user, movie_id=movie.pk, score=Decimal("4.0"))


def test_trending_costs_the_same_with_1_or_15_recently_active_movies(catalog):
    _rate_recently(catalog.comedy[:1])
    small, few = _uncached(TRENDING, {"page_size": 20})
    _rate_recently([*catalog.scifi, *catalog.comedy[1:5]])  # 15 recently active in all
    large, many = _uncached(TRENDING, {"page_size": 20})
    cached, _ = _count(TRENDING, {"page_size": 20})

    assert [m["recent_activity"] for m in few["results"]].count(0) == 19
    assert [m["recent_activity"] > 0 for m in many["results"]] == [True] * 15 + [False] * 5
    assert len({g["slug"] for m in many["results"] for g in m["genres"]}) == 3
    # recent ratings, recent favorites, the all-time top-up, the movies, their genres
    assert small == large <= 5
    assert cached == 0


def test_the_catalogs_search_costs_the_same_for_1_match_and_for_20(settings, catalog):
    settings.TMDB_API_TOKEN = ""
    small, few = _uncached(SEARCH, {"q": "night train", "page_size": 20})  # none yet
    make_movie("Night Train 0", 1990, ("Drama",))
    one_count, one = _uncached(SEARCH, {"q": "night train", "page_size": 20})
    for n in range(1, 25):
        make_movie(f"Night Train {n}", 1990 + n, ("Drama", f"Noir {n % 4}"))
    large, many = _uncached(SEARCH, {"q": "night train", "page_size": 20})

    assert (few["results"], len(one["results"]), len(many["results"])) == ([], 1, 20)
    assert len({g["slug"] for m in many["results"] for g in m["genres"]}) == 5
    assert one_count == large == 2  # the movies, their genres
    assert small <= large
