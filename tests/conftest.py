"""Suite-wide fixtures. The suite runs against the real PostgreSQL, Redis and
RabbitMQ (see config/settings/test.py); `make test` checks they are up first."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters and cached reads live in Redis: start every test empty."""
    cache.clear()
    yield
    cache.clear()


# Debian's chromium here and in .ci/run; NEXUS_CHROMIUM points elsewhere (GitHub's
# Ubuntu runners ship Google Chrome at /usr/bin/google-chrome).
CHROMIUM = os.environ.get("NEXUS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_INSTALL = "apt-get install -y chromium chromium-driver"


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """The system Chromium that browser tests drive. Missing, it fails the run under
    CI (which installs it, see .ci/run) and skips the test elsewhere; both say how
    to install it."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"Chromium is not installed at {CHROMIUM}; install it with: {CHROMIUM_INSTALL}"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    from tests.core.factories import UserFactory

    return UserFactory()


@pytest.fixture
def auth_client(user) -> APIClient:
    """An APIClient carrying a real bearer token for ``user``."""
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client
