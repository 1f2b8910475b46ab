"""The catalog: filters, ordering, keyset pages, the detail, genres, trending, and a
fixed number of queries whatever the page size."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from movies.models import Movie
from tests.helpers import client_for
from tests.helpers.pages import ids, walk
from tests.movies.factories import (
    FAVORITES,
    GENRES,
    MOVIES,
    RATINGS,
    RECOMMENDATIONS,
    SEARCH,
    TRENDING,
    customer,
    make_movie,
)

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [m["title"] for m in response.json()["results"]]


def test_search_genre_and_years_combine(catalog):
    client = client_for()

    assert _titles(client.get(MOVIES, {"search": "saga 3"})) == ["Space Saga 3"]
    titles = _titles(
        client.get(
            MOVIES, {"genre": "sci-fi", "year_min": 1985, "year_max": 1987, "ordering": "year"}
        )
    )
    assert titles == ["Space Saga 5", "Space Saga 6", "Space Saga 7"]
    assert _titles(client.get(MOVIES, {"year": 2001})) == ["Quiet Tears 1"]


def test_orderings_and_keyset_pages(catalog):
    client = client_for()

    first = client.get(MOVIES, {"ordering": "title", "page_size": 10}).json()
    second = client.get(first["next"]).json()

    names = [m["title"] for m in first["results"] + second["results"]]
    assert names == sorted(names)
    assert len(set(names)) == 20
    by_count = client.get(MOVIES, {"ordering": "-rating_count", "page_size": 1}).json()
    assert by_count["results"][0]["title"] == "Quiet Tears 0"  # rated by all 30
    assert by_count["results"][0]["rating_count"] == 30
    by_rating = client.get(MOVIES, {"ordering": "-rating", "page_size": 5}).json()["results"]
    assert [m["rating_avg"] for m in by_rating] == sorted(
        [m["rating_avg"] for m in by_rating], reverse=True
    )


@pytest.mark.parametrize("ordering", ["title", "-year", "-rating", "rating_count"])
def test_every_ordering_pages_forward_and_back_through_the_same_movies(catalog, ordering):
    pages = walk(client_for(), f"http://testserver{MOVIES}?ordering={ordering}&page_size=7")

    assert [len(page["results"]) for page in pages] == [7, 7, 7, 3]  # 24 movies
    assert len(set(ids(pages))) == 24


def test_the_genre_filter_takes_the_slug_each_movie_s_genres_return(catalog):
    client = client_for()
    genres = client.get(GENRES).json()["results"]
    slug_of = {genre["name"]: genre["slug"] for genre in genres}

    for name, slug in slug_of.items():
        movies = client.get(MOVIES, {"genre": slug, "page_size": 100}).json()["results"]
        assert movies, name
        assert all({"slug": slug, "name": name} in movie["genres"] for movie in movies)
    assert len(client.get(MOVIES, {"genre": "drama", "page_size": 100}).json()["results"]) == 4


def test_trending_pages_forward_and_back(catalog):
    pages = walk(client_for(), f"http://testserver{TRENDING}?page_size=6")

    assert [len(page["results"]) for page in pages] == [6, 6, 6, 2]
    assert {page["source"] for page in pages} == {"nexus"}
    assert {page["window_days"] for page in pages} == {7}
    assert ids(pages) == ids([client_for().get(TRENDING).json()])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"genre": "westerns"}, "genre"),
        ({"year": "old"}, "year"),
        ({"year_min": 1990, "year_max": 1980}, "year_max"),
        ({"ordering": "price"}, "ordering"),
        ({"colour": "red"}, "colour"),
        ({"page_size": 101}, "page_size"),
    ],
)
def test_bad_list_parameters_are_400_naming_them(catalog, params, field):
    response = client_for().get(MOVIES, params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_cached_page_keeps_each_origins_next_link(catalog):
    client = client_for()
    params = {"ordering": "title", "page_size": 1}

    first = client.get(MOVIES, params).json()["next"]
    other_host = client.get(MOVIES, params, HTTP_HOST="localhost").json()["next"]
    secure = client.get(MOVIES, params, secure=True).json()["next"]

    assert first.startswith("http://testserver/")
    assert other_host.startswith("http://localhost/")
    assert secure.startswith("https://testserver/")


def test_detail_shows_aggregates_my_rating_favorite_and_similar(trained):
    from movies.models import Movie

    movie = Movie.objects.get(pk=trained.scifi[0].pk)
    user = customer()
    client = client_for(user)
    rating = client.post(RATINGS, {"movie": movie.pk, "score": "4.0"}, format="json").json()
    favorite = client.post(FAVORITES, {"movie": movie.pk}, format="json").json()

    body = client.get(f"{MOVIES}{movie.pk}/").json()
    anonymous = client_for().get(f"{MOVIES}{movie.pk}/").json()

    assert body["title"] == "Space Saga 0"
    assert body["genres"] == [{"slug": "sci-fi", "name": "Sci-Fi"}]
    assert body["rating_count"] == movie.rating_count + 1
    assert body["my_rating"] == {"id": rating["id"], "score": "4.0"}
    assert body["favorite"] == {"id": favorite["id"]}
    assert body["similar"][0]["title"].startswith("Space Saga")
    assert (anonymous["my_rating"], anonymous["favorite"]) == (None, None)
    assert client_for().get(f"{MOVIES}999999/").status_code == 404


def test_genres_list_counts_movies_in_one_page_of_the_list_envelope(catalog):
    body = client_for().get(GENRES).json()

    assert (body["next"], body["previous"]) == (None, None)
    assert [(g["name"], g["slug"], g["movie_count"]) for g in body["results"]] == [
        ("Comedy", "comedy", 10),
        ("Drama", "drama", 4),
        ("Sci-Fi", "sci-fi", 10),
    ]


def test_trending_puts_recent_nexus_activity_first_then_all_time_popular(catalog):
    client = client_for(customer())
    client.post(RATINGS, {"movie": catalog.comedy[9].pk, "score": "4.0"}, format="json")
    client_for(customer()).post(FAVORITES, {"movie": catalog.comedy[9].pk}, format="json")

    body = client_for().get(TRENDING).json()

    assert body["source"] == "nexus"
    assert body["results"][0]["title"] == "Laugh Riot 9"
    assert body["results"][0]["recent_activity"] == 2
    assert body["results"][1]["title"] == "Quiet Tears 0"  # then the most rated
    assert len(body["results"]) == 20


def _count(client, url, params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries), response


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (MOVIES, {"ordering": "title"}),
        (MOVIES, {"genre": "sci-fi", "search": "a", "ordering": "-rating"}),
    ],
)
def test_movie_list_queries_do_not_grow_with_the_page(catalog, url, params):
    client = client_for()
    cache.clear()
    small, small_response = _count(client, url, {**params, "page_size": 1})
    cache.clear()
    large, large_response = _count(client, url, {**params, "page_size": 100})
    cached, _ = _count(client, url, {**params, "page_size": 100})

    assert len(small_response.json()["results"]) == 1
    assert len(large_response.json()["results"]) > 1
    assert small == large <= 3  # (genre lookup), page, genres prefetch
    assert cached <= 1


def test_own_lists_queries_do_not_grow_with_the_page(catalog):
    user = customer()
    client = client_for(user)
    for movie in catalog.all[:12]:
        client.post(RATINGS, {"movie": movie.pk, "score": "3.0"}, format="json")
        client.post(FAVORITES, {"movie": movie.pk}, format="json")

    for url in (RATINGS, FAVORITES):
        small, _ = _count(client, url, {"page_size": 1})
        large, response = _count(client, url, {"page_size": 100})
        assert len(response.json()["results"]) == 12
        assert small == large == 1  # the page (the token's user is cached since the posts)


def test_recommendation_list_queries_do_not_grow_with_the_limit(trained):
    client = client_for(customer())
    client.get(RECOMMENDATIONS)  # this process loads the model artefact once
    cache.clear()
    small, _ = _count(client, RECOMMENDATIONS, {"page_size": 1})
    cache.clear()
    large, response = _count(client, RECOMMENDATIONS, {"page_size": 50})

    assert len(response.json()["results"]) == 24  # every movie: none rated yet
    assert small == large <= 10


def test_the_catalogs_own_search_lists_the_most_rated_first_at_most_twenty(settings):
    settings.TMDB_API_TOKEN = ""
    movies = [make_movie(f"Night Train {n}", 1990 + n, ("Drama", "Crime")) for n in range(22)]
    make_movie("Day Train")
    for n, movie in enumerate(movies):
        Movie.objects.filter(pk=movie.pk).update(rating_count=n % 5)

    with CaptureQueriesContext(connection) as queries:
        response = client_for().get(SEARCH, {"q": "night TRAIN"})

    assert response.status_code == 200, response.content
    results = response.json()["results"]
    expected = sorted(movies, key=lambda movie: (-(movies.index(movie) % 5), movie.pk))[:20]
    assert [m["id"] for m in results] == [movie.pk for movie in expected]
    assert results[0]["genres"] == [
        {"slug": "crime", "name": "Crime"},
        {"slug": "drama", "name": "Drama"},
    ]
    assert len(queries) == 2  # the movies, and their genres
    pages = walk(client_for(), f"http://testserver{SEARCH}?q=night+TRAIN&page_size=8")
    assert [len(page["results"]) for page in pages] == [8, 8, 4]
    assert ids(pages) == [movie.pk for movie in expected]
    assert {(page["source"], page["notice"]) for page in pages} == {
        ("movielens", "TMDb is not configured; searching the MovieLens catalog.")
    }
