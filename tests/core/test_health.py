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
    assert set(body["checks"]) == {"database", "cache", "broker"}
    for check in body["checks"].values():
        assert check["status"] == "ok"
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
