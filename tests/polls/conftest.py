"""Fixtures shared by the polls tests."""

from __future__ import annotations

import pytest

from core.http.throttling import SlidingWindowThrottle


@pytest.fixture
def vote_rates(monkeypatch):
    """Set the vote throttle's rates for one test: ``vote_rates(user=..., ip=...)``.

    The throttles read ``THROTTLE_RATES`` (DRF binds it at import time, so the
    ``settings`` fixture would not reach it); as in ``tests/core/test_throttling.py``
    the class attribute is patched."""

    def set_rates(*, user: str = "100000/min", ip: str = "100000/min") -> None:
        monkeypatch.setattr(
            SlidingWindowThrottle,
            "THROTTLE_RATES",
            {**SlidingWindowThrottle.THROTTLE_RATES, "poll_vote": user, "poll_vote_ip": ip},
        )

    return set_rates


@pytest.fixture
def unthrottled(vote_rates):
    """Votes not limited: races and bulk voting from one address."""
    vote_rates()
