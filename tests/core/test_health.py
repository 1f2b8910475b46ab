from __future__ import annotations

import pytest
from django.db import connections

from tests.core.brokers import broker_down


@pytest.mark.django_db
def test_live_touches_nothing_and_answers(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_names_each_dependency_with_status_and_latency(client):
    response = client.get("/health/ready/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {"database", "cache", "broker"} <= set(body["checks"])
    for name in ("database", "cache", "broker"):
        assert body["checks"][name]["status"] == "ok"
    for check in body["checks"].values():
        assert check["latency_ms"] >= 0
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_ready_with_the_broker_down_is_degraded_not_failing(client):
    with broker_down():
        response = client.get("/health/ready/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["broker"]["status"] == "down"
    assert body["checks"]["broker"]["detail"]


@pytest.mark.django_db
def test_ready_is_503_when_the_database_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OSError("connection refused")

    # Break only the health probe's connection use; the database itself stays up.
    monkeypatch.setattr(connections["default"], "cursor", broken_cursor)
    response = client.get("/health/ready/")

    assert response.status_code == 503
    assert response.json()["checks"]["database"]["status"] == "down"
    assert response.json()["status"] == "down"


@pytest.fixture
def registered(monkeypatch):
    """Register checks for one test; the registry is restored afterwards."""
    from core.site import health

    monkeypatch.setattr(health, "CHECKS", dict(health.CHECKS))
    monkeypatch.setattr(health, "REQUIRED", set(health.REQUIRED))
    return health.register_check


@pytest.mark.django_db
def test_a_registered_check_that_is_not_configured_is_skipped_and_ready(client, registered):
    registered("payments", lambda: "not configured: no API key", required=True)

    response = client.get("/health/ready/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["payments"]["status"] == "skipped"
    assert body["checks"]["payments"]["detail"] == "not configured: no API key"


@pytest.mark.django_db
def test_an_optional_registered_check_that_is_down_degrades_but_stays_ready(client, registered):
    def down() -> None:
        raise ConnectionError("upstream unreachable")

    registered("upstream", down)

    response = client.get("/health/ready/")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["upstream"] == {
        "status": "down",
        "latency_ms": response.json()["checks"]["upstream"]["latency_ms"],
        "detail": "ConnectionError: upstream unreachable",
    }


@pytest.mark.django_db
def test_a_required_registered_check_that_is_down_makes_the_service_unready(client, registered):
    def down() -> None:
        raise ConnectionError("search index unreachable")

    registered("search", down, required=True)

    response = client.get("/health/ready/")

    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["checks"]["search"]["status"] == "down"
