"""The embedded default behind `make run` must not rot: a fresh SQLite file,
migrate, seed (twice: idempotent), then the real ASGI server answers (the ``embedded``
fixture, tests/core/conftest.py, shared with tests/core/test_embedded_races.py)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


def _get(url: str, data: bytes | None = None, token: str = "") -> tuple[int, str, bytes]:
    headers = {"Content-Type": "application/json"} if data else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def test_landing_page_is_served(embedded):
    base, *_ = embedded
    status, content_type, body = _get(base + "/")

    assert status == 200
    assert content_type.startswith("text/html")
    for domain in ("Shop", "Social feed", "Movies", "Job board", "Live polls"):
        assert domain.encode() in body
    assert b"demo_customer" in body  # demo mode shows the demo accounts


def test_openapi_schema_is_served(embedded):
    base, *_ = embedded
    status, _, body = _get(base + "/api/schema/?format=json")

    assert status == 200
    schema = json.loads(body)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/auth/token/" in schema["paths"]


def test_ready_without_any_service(embedded):
    base, database, _ = embedded
    status, _, body = _get(base + "/health/ready/")

    assert status == 200
    checks = json.loads(body)["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["cache"]["status"] == "ok"
    assert checks["broker"]["status"] == "skipped"  # eager Celery
    assert database.exists()


def test_demo_account_logs_in_and_the_welcome_flow_runs_eagerly(embedded):
    base, _, server_log = embedded
    status, _, body = _get(
        base + "/api/v1/auth/token/",
        json.dumps({"username": "demo_customer", "password": "nexus-customer-demo"}).encode(),
    )
    assert status == 200
    assert set(json.loads(body)) == {"access", "refresh"}

    status, _, body = _get(
        base + "/api/v1/auth/register/",
        json.dumps(
            {"username": "newbie", "email": "newbie@example.test", "password": "a-fine-passphrase"}
        ).encode(),
    )
    assert status == 201, body

    # The welcome notification was made by an event handler, after commit, eagerly.
    _, _, body = _get(
        base + "/api/v1/auth/token/",
        json.dumps({"username": "newbie", "password": "a-fine-passphrase"}).encode(),
    )
    status, _, body = _get(base + "/api/v1/auth/notifications/", token=json.loads(body)["access"])
    assert status == 200
    assert [item["kind"] for item in json.loads(body)["results"]] == ["welcome"]
    # ...and its email went out through the eager Celery task (console backend).
    log = server_log.read_text()
    assert "Subject: Welcome to Nexus" in log
    assert "To: newbie@example.test" in log


def test_the_readme_typo_tolerant_job_search_finds_python_jobs(embedded):
    """README, Jobs: ``?q=pythn+developer`` corrects the typo on SQLite too."""
    base, *_ = embedded
    status, _, body = _get(base + "/api/v1/jobs/jobs/?q=pythn+developer")

    assert status == 200
    found = json.loads(body)
    assert found["corrected"] == {"pythn": "python"}
    titles = [job["title"] for job in found["results"]]
    assert titles
    assert all("python" in title.lower() for title in titles[:4]), titles  # title first
    assert all("<mark>" in (job["snippet"] or "") for job in found["results"])


def test_the_readme_product_search_is_full_text_on_sqlite(embedded):
    """README, Shop: ``?search=frying+pan&ordering=relevance``, stemmed as on
    PostgreSQL ("pans" finds the frying pans too)."""
    base, *_ = embedded
    names = {}
    for search in ("frying+pan", "frying+pans"):
        status, _, body = _get(f"{base}/api/v1/shop/products/?search={search}&ordering=relevance")
        assert status == 200
        names[search] = [product["name"] for product in json.loads(body)["results"]]

    assert names["frying+pan"]
    assert all("frying pan" in name.lower() for name in names["frying+pan"])
    assert names["frying+pans"] == names["frying+pan"]


def _demo_customer_token(base: str) -> str:
    status, _, body = _get(
        base + "/api/v1/auth/token/",
        json.dumps({"username": "demo_customer", "password": "nexus-customer-demo"}).encode(),
    )
    assert status == 200, body
    return json.loads(body)["access"]


def test_the_seeded_catalog_serves_a_movie(embedded):
    """The seed loaded MovieLens: a search finds The Matrix and its detail serves it."""
    base, *_ = embedded
    status, _, body = _get(base + "/api/v1/movies/movies/?search=matrix&ordering=year")
    assert status == 200, body
    found = [m for m in json.loads(body)["results"] if m["title"] == "The Matrix"]
    assert [m["year"] for m in found] == [1999]

    status, _, body = _get(f"{base}/api/v1/movies/movies/{found[0]['id']}/")

    assert status == 200, body
    movie = json.loads(body)
    assert (movie["id"], movie["title"], movie["year"]) == (found[0]["id"], "The Matrix", 1999)
    assert "sci-fi" in [genre["slug"] for genre in movie["genres"]]
    assert movie["rating_count"] > 0  # MovieLens' raters rated it


def test_the_demo_customer_gets_personal_recommendations_of_real_movies(embedded):
    """The seed rated a few films for demo_customer and trained the model: their list
    is the model's, personal, and every entry is a movie the catalog serves."""
    base, *_ = embedded
    token = _demo_customer_token(base)
    status, _, body = _get(base + "/api/v1/movies/ratings/", token=token)
    assert status == 200, body
    rated = {rating["movie"]["id"] for rating in json.loads(body)["results"]}
    assert len(rated) == 4  # movies.demo.DEMO_TASTE's scored titles

    status, _, body = _get(base + "/api/v1/movies/recommendations/?page_size=10", token=token)

    assert status == 200, body
    listing = json.loads(body)
    results = listing["results"]
    assert len(results) == 10
    assert isinstance(listing["model_version"], int)  # trained by the seed
    assert {r["movie"]["id"] for r in results}.isdisjoint(rated)
    assert "rated" in {r["reason_type"] for r in results}, results
    first = results[0]["movie"]
    status, _, body = _get(f"{base}/api/v1/movies/movies/{first['id']}/", token=token)
    assert status == 200, body
    assert (json.loads(body)["title"], json.loads(body)["year"]) == (first["title"], first["year"])
