"""Suite-wide fixtures. The suite runs against the real PostgreSQL, Redis and
RabbitMQ (see config/settings/test.py); `make test` checks they are up first."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters and cached reads live in Redis: start every test empty."""
    cache.clear()
    yield
    cache.clear()


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
