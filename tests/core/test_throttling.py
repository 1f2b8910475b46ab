"""The sliding-window throttle on the real Redis, including under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import RequestFactory
from rest_framework.request import Request

from core.http.throttling import AuthIPThrottle


def make_throttle(rate: str, now: float) -> AuthIPThrottle:
    throttle = AuthIPThrottle()
    throttle.rate = rate
    throttle.num_requests, throttle.duration = throttle.parse_rate(rate)
    throttle.timer = lambda: now
    return throttle


def request_from(ip: str) -> Request:
    return Request(RequestFactory().post("/api/v1/auth/token/", REMOTE_ADDR=ip))


def test_allows_exactly_the_limit_then_refuses_with_a_wait():
    now = 1_000_000 * 60 + 10.0  # 10 s into a minute window
    throttles = [make_throttle("3/min", now) for _ in range(4)]
    outcomes = [throttle.allow_request(request_from("10.0.0.1"), None) for throttle in throttles]
    refused = throttles[-1]

    assert outcomes == [True, True, True, False]
    wait = refused.wait()
    # Retry-After is a promise: one second early is refused, on time is let through.
    early = make_throttle("3/min", now + wait - 1)
    assert early.allow_request(request_from("10.0.0.1"), None) is False
    assert make_throttle("3/min", now + wait).allow_request(request_from("10.0.0.1"), None)
    # Another address has its own budget.
    assert make_throttle("3/min", now).allow_request(request_from("10.0.0.2"), None)


def test_refused_requests_do_not_extend_the_wait():
    now = 3_000_000 * 60 + 30.0
    for _ in range(2):
        make_throttle("2/min", now).allow_request(request_from("10.0.0.4"), None)
    first = make_throttle("2/min", now)
    assert first.allow_request(request_from("10.0.0.4"), None) is False
    for _ in range(10):  # a client hammering while refused
        make_throttle("2/min", now + 1).allow_request(request_from("10.0.0.4"), None)

    later = make_throttle("2/min", now + first.wait())
    assert later.allow_request(request_from("10.0.0.4"), None) is True


def test_previous_window_weighs_in_and_decays():
    start = 2_000_000 * 60.0
    for _ in range(4):  # 4 requests at the very end of the previous window (limit 4)
        make_throttle("4/min", start - 1).allow_request(request_from("10.0.0.3"), None)

    early = make_throttle("4/min", start + 6)  # 10% in: previous weighs 0.9 * 4 = 3.6
    assert early.allow_request(request_from("10.0.0.3"), None) is False
    late = make_throttle("4/min", start + 45)  # 75% in: previous weighs 1.0
    assert late.allow_request(request_from("10.0.0.3"), None) is True


@pytest.mark.django_db(transaction=True)
def test_concurrent_logins_cannot_exceed_the_limit(monkeypatch):
    """20 simultaneous attempts from one address against a limit of 5: exactly 5
    get through. DRF's list-based throttle lets racing requests overwrite each
    other's history and admits more."""
    monkeypatch.setattr(
        AuthIPThrottle, "THROTTLE_RATES", {**AuthIPThrottle.THROTTLE_RATES, "auth": "5/min"}
    )
    from rest_framework.test import APIClient

    def attempt(_: int) -> int:
        try:
            response = APIClient().post(
                "/api/v1/auth/token/", {"username": "nobody", "password": "wrong"}, format="json"
            )
            return response.status_code
        finally:
            connections.close_all()  # each thread opened its own connection

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(attempt, range(20)))

    assert statuses.count(401) == 5  # let through, and refused for bad credentials
    assert statuses.count(429) == 15
