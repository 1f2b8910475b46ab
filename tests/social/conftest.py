"""Fixtures shared by the social tests: tasks run in-process after commit (so a
post's fan-out happens when its transaction commits), writes are not throttled
unless a test says so, and ``gql`` posts a document to /graphql/."""

from __future__ import annotations

import pytest

from core.http.throttling import SlidingWindowThrottle


@pytest.fixture(autouse=True)
def _eager_everywhere(eager):
    """Every social test runs its tasks in-process (the fan-out after commit)."""


@pytest.fixture
def write_rate(monkeypatch):
    def set_rate(rate: str) -> None:
        monkeypatch.setattr(
            SlidingWindowThrottle,
            "THROTTLE_RATES",
            {**SlidingWindowThrottle.THROTTLE_RATES, "social_write": rate},
        )

    return set_rate


@pytest.fixture(autouse=True)
def _unthrottled(write_rate):
    write_rate("100000/min")


@pytest.fixture
def gql(client, django_capture_on_commit_callbacks):
    """``gql(query, user=None, **variables)`` -> the JSON body; on-commit work runs."""
    from tests.social.factories import graphql

    def run(query: str, user=None, **variables):
        with django_capture_on_commit_callbacks(execute=True):
            return graphql(client, query, user=user, variables=variables or None)

    return run
