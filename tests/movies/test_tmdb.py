"""The TMDb client against a mocked transport (respx), with bodies shaped like TMDb's
documented responses: success, cache hit, single-flight, 429 + Retry-After, 5xx
retries, the circuit breaker, 401/404, a missing token, and what the API answers."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import respx

from movies import services, tmdb
from movies.models import Movie
from tests.helpers import client_for
from tests.helpers.pages import walk
from tests.movies.factories import MOVIES, SEARCH, TRENDING, make_movie

API = "https://api.themoviedb.org/3"
MATRIX = {
    "adult": False,
    "backdrop_path": "/fNG7i7RqMErkcqhohV2a6cV1Ehy.jpg",
    "genre_ids": [28, 878],
    "id": 603,
    "original_language": "en",
    "original_title": "The Matrix",
    "overview": "Set in the 22nd century, The Matrix tells the story of a computer hacker...",
    "popularity": 84.012,
    "poster_path": "/f89U3ADr1oiB1s9GkdPOEpXUk5H.jpg",
    "release_date": "1999-03-31",
    "title": "The Matrix",
    "video": False,
    "vote_average": 8.2,
    "vote_count": 24551,
}
SEARCH_BODY = {"page": 1, "results": [MATRIX], "total_pages": 1, "total_results": 1}
TRENDING_BODY = {
    "page": 1,
    "results": [{**MATRIX, "media_type": "movie"}],
    "total_pages": 500,
    "total_results": 10000,
}
UNAUTHORIZED = {
    "status_code": 7,
    "status_message": "Invalid API key: You must be granted a valid key.",
    "success": False,
}
NOT_FOUND = {
    "status_code": 34,
    "status_message": "The resource you requested could not be found.",
    "success": False,
}
pytestmark = pytest.mark.django_db

RATE_LIMITED = {
    "status_code": 25,
    "status_message": "Your request count (41) is over the allowed limit of (40).",
    "success": False,
}


@pytest.fixture
def client(settings):
    """The process's client with a token; sleeps are recorded, not slept."""
    settings.TMDB_API_TOKEN = "test-token"
    settings.TMDB_RATE_LIMIT_PER_SECOND = 1000
    client = tmdb.get_client()
    client.slept = []
    client.sleep = client.slept.append
    return client


@respx.mock
def test_search_sends_the_bearer_token_and_returns_tmdbs_body(client):
    route = respx.get(f"{API}/search/movie").mock(
        return_value=httpx.Response(200, json=SEARCH_BODY)
    )

    body = client.search_movies("the matrix", year=1999)

    assert body == SEARCH_BODY
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer test-token"
    assert dict(request.url.params) == {
        "query": "the matrix",
        "page": "1",
        "include_adult": "false",
        "year": "1999",
    }


@respx.mock
def test_a_second_call_is_a_cache_hit(client):
    route = respx.get(f"{API}/movie/603").mock(return_value=httpx.Response(200, json=MATRIX))

    assert client.movie(603) == MATRIX
    assert client.movie(603) == MATRIX

    assert route.call_count == 1


@respx.mock
def test_concurrent_misses_make_one_upstream_call(client):
    def slow(request):
        time.sleep(0.3)
        return httpx.Response(200, json=TRENDING_BODY)

    route = respx.get(f"{API}/trending/movie/week").mock(side_effect=slow)
    results, errors = [], []

    def fetch():
        try:
            results.append(client.trending("week"))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert results == [TRENDING_BODY] * 8
    assert route.call_count == 1


@respx.mock
def test_429_waits_for_retry_after_then_succeeds(client):
    route = respx.get(f"{API}/movie/603").mock(
        side_effect=[
            httpx.Response(429, json=RATE_LIMITED, headers={"Retry-After": "2"}),
            httpx.Response(200, json=MATRIX),
        ]
    )

    assert client.movie(603) == MATRIX

    assert route.call_count == 2
    assert client.slept == [2.0]


@respx.mock
def test_429_with_a_long_retry_after_gives_up_with_it(client):
    respx.get(f"{API}/movie/603").mock(
        return_value=httpx.Response(429, json=RATE_LIMITED, headers={"Retry-After": "120"})
    )

    with pytest.raises(tmdb.Unavailable) as raised:
        client.movie(603)

    assert raised.value.retry_after == 121
    assert client.slept == []


@respx.mock
def test_5xx_and_network_errors_are_retried_with_backoff(client):
    route = respx.get(f"{API}/movie/603").mock(
        side_effect=[
            httpx.Response(503, json={"status_code": 11, "status_message": "Internal error."}),
            httpx.ConnectError("connection refused"),
            httpx.Response(200, json=MATRIX),
        ]
    )

    assert client.movie(603) == MATRIX

    assert route.call_count == 3
    # Exponential (0.25 s, then 0.5 s) with +-50% jitter.
    first, second = client.slept
    assert 0.125 <= first <= 0.375
    assert 0.25 <= second <= 0.75


@respx.mock
def test_5xx_after_the_retries_is_a_503_problem_not_a_500(client, catalog):
    route = respx.get(f"{API}/trending/movie/week").mock(return_value=httpx.Response(500))

    response = client_for().get(TRENDING, {"source": "tmdb"})

    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "tmdb_unavailable"
    assert int(response["Retry-After"]) >= 1
    assert route.call_count == 3  # one try and two retries


@respx.mock
def test_the_circuit_opens_after_repeated_failures_and_answers_fast(client):
    route = respx.get(url__regex=rf"{API}/movie/\d+").mock(return_value=httpx.Response(502))
    for movie_id in range(client.breaker_threshold):
        with pytest.raises(tmdb.Unavailable):
            client.movie(movie_id + 1)
    calls = route.call_count

    started = time.perf_counter()
    with pytest.raises(tmdb.Unavailable, match="circuit open"):
        client.movie(999)

    assert route.call_count == calls  # TMDb was not called
    assert time.perf_counter() - started < 0.05
    assert client.circuit_remaining() > 0
    with pytest.raises(ConnectionError, match="circuit open"):
        tmdb.readiness_probe()


@respx.mock
def test_an_open_circuit_still_serves_cached_answers(client):
    respx.get(f"{API}/movie/603").mock(return_value=httpx.Response(200, json=MATRIX))
    client.movie(603)
    respx.get(url__regex=rf"{API}/movie/\d+").mock(return_value=httpx.Response(500))
    for movie_id in range(client.breaker_threshold):
        with pytest.raises(tmdb.Unavailable):
            client.movie(1000 + movie_id)

    assert client.movie(603) == MATRIX


@respx.mock
def test_401_is_a_502_problem_and_404_is_not_found(client, catalog):
    respx.get(f"{API}/trending/movie/week").mock(
        return_value=httpx.Response(401, json=UNAUTHORIZED)
    )
    respx.get(f"{API}/movie/1").mock(return_value=httpx.Response(404, json=NOT_FOUND))

    response = client_for().get(TRENDING, {"source": "tmdb"})

    assert response.status_code == 502
    assert response.json()["code"] == "tmdb_bad_gateway"
    assert "Invalid API key" in response.json()["detail"]
    with pytest.raises(tmdb.NotFound):
        client.movie(1)
    with pytest.raises(tmdb.NotFound):  # cached for an hour: no second call
        client.movie(1)


def test_the_outbound_rate_limit_is_shared_through_the_cache(settings):
    settings.TMDB_API_TOKEN = "test-token"
    slept: list[float] = []
    first = tmdb.TMDbClient(token="t", rate_per_second=2, sleep=slept.append, clock=lambda: 5000.25)
    second = tmdb.TMDbClient(
        token="t", rate_per_second=2, sleep=slept.append, clock=lambda: 5000.25
    )

    first._throttle()
    second._throttle()  # another process: the same counter
    with pytest.raises(tmdb.Unavailable, match="rate limit"):
        first._throttle()

    assert slept == [0.75, 0.75, 0.75]  # it waited for the next second each time


def test_without_a_token_the_app_says_so(settings, catalog):
    settings.TMDB_API_TOKEN = ""

    trending = client_for().get(TRENDING, {"source": "tmdb"})
    search = client_for().get(SEARCH, {"q": "saga"})
    ready = client_for().get("/health/ready/")

    assert trending.status_code == 200
    assert trending.json()["source"] == "nexus"
    assert "not configured" in trending.json()["notice"]
    assert search.status_code == 200
    assert search.json()["source"] == "movielens"
    assert "not configured" in search.json()["notice"]
    assert {m["title"] for m in search.json()["results"]} == {f"Space Saga {n}" for n in range(10)}
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
    assert ready.json()["checks"]["tmdb"]["status"] == "skipped"
    assert ready.json()["checks"]["tmdb"]["detail"].startswith("not configured")
    with pytest.raises(tmdb.NotConfigured):
        tmdb.get_client().movie(603)


@respx.mock
def test_search_falls_back_to_movielens_while_tmdb_is_down(client, catalog):
    respx.get(f"{API}/search/movie").mock(side_effect=httpx.ConnectTimeout("timed out"))

    response = client_for().get(SEARCH, {"q": "laugh"})

    assert response.status_code == 200
    assert response.json()["source"] == "movielens"
    assert "unavailable" in response.json()["notice"]
    assert len(response.json()["results"]) == 10


@respx.mock
def test_search_through_tmdb_links_matched_movies_and_shows_attribution(client):
    movie = make_movie("The Matrix", 1999)
    Movie.objects.filter(pk=movie.pk).update(tmdb_id=603)
    respx.get(f"{API}/search/movie").mock(return_value=httpx.Response(200, json=SEARCH_BODY))

    body = client_for().get(SEARCH, {"q": "matrix"}).json()

    assert body["source"] == "tmdb"
    assert body["attribution"] == tmdb.ATTRIBUTION
    assert (body["next"], body["previous"]) == (None, None)
    assert body["results"] == [
        {
            "tmdb_id": 603,
            "title": "The Matrix",
            "year": 1999,
            "overview": MATRIX["overview"],
            "poster_url": "https://image.tmdb.org/t/p/w342/f89U3ADr1oiB1s9GkdPOEpXUk5H.jpg",
            "movie": movie.pk,
        }
    ]


@respx.mock
def test_tmdb_trending_pages_both_ways_and_every_page_keeps_the_attribution(client):
    week = [{**MATRIX, "id": 600 + n, "title": f"Film {n}"} for n in range(5)]
    respx.get(f"{API}/trending/movie/week").mock(
        return_value=httpx.Response(200, json={**TRENDING_BODY, "results": week})
    )

    pages = walk(client_for(), f"http://testserver{TRENDING}?source=tmdb&page_size=2")

    assert [[m["tmdb_id"] for m in page["results"]] for page in pages] == [
        [600, 601],
        [602, 603],
        [604],
    ]
    assert {(p["source"], p["window_days"], p["attribution"]) for p in pages} == {
        ("tmdb", 7, tmdb.ATTRIBUTION)
    }


@respx.mock
def test_enrichment_keeps_a_confident_match_with_its_confidence(client):
    matrix = make_movie("The Matrix", 1999)
    wrong_year = make_movie("The Matrix", 2003)
    respx.get(f"{API}/search/movie").mock(return_value=httpx.Response(200, json=SEARCH_BODY))

    assert services.movie_enrich(movie_id=matrix.pk) is True
    assert services.movie_enrich(movie_id=wrong_year.pk) is False

    matrix.refresh_from_db()
    wrong_year.refresh_from_db()
    assert (matrix.tmdb_id, matrix.tmdb_match_confidence) == (603, 1.0)
    assert matrix.poster_path == MATRIX["poster_path"]
    assert wrong_year.tmdb_id is None
    assert wrong_year.tmdb_checked_at is not None
    detail = client_for().get(f"{MOVIES}{matrix.pk}/").json()
    assert detail["overview"] == MATRIX["overview"]
    assert detail["attribution"] == tmdb.ATTRIBUTION
    assert client_for().get(f"{MOVIES}{wrong_year.pk}/").json()["attribution"] is None


@pytest.mark.parametrize(
    ("ours", "theirs", "accepted"),
    [
        ("Matrix, The", "The Matrix", True),
        ("Amélie", "Amelie", True),
        ("Star Wars: Episode IV - A New Hope", "Star Wars", False),
        ("Toy Story", "Toy Story 2", False),
        ("Seven (a.k.a. Se7en)", "Seven", True),
    ],
)
def test_title_matching_needs_a_similarity_of_at_least_the_threshold(ours, theirs, accepted):
    result = {**MATRIX, "title": theirs, "original_title": theirs, "release_date": "1999-01-01"}

    assert (tmdb.best_match(ours, 1999, [result]) is not None) is accepted
    assert tmdb.best_match(ours, 2000, [result]) is None  # the year must be exact
