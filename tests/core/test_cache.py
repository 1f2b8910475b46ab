"""Cache-aside helpers on the real Redis, and degradation when Redis is gone."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from core.cache.versioned import cached, invalidate, make_key
from tests.core.factories import PASSWORD, UserFactory

DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.2,
            "SOCKET_TIMEOUT": 0.2,
        },
    }
}


class Loader:
    def __init__(self, value):
        self.value = value
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.value


def test_cached_loads_once_then_serves_from_redis():
    loader = Loader({"answer": 42})

    first = cached("things", ["a", 1], loader)
    second = cached("things", ["a", 1], loader)

    assert first == second == {"answer": 42}
    assert loader.calls == 1


def test_cached_keeps_a_cached_none_apart_from_a_miss():
    loader = Loader(None)

    assert cached("things", ["none"], loader) is None
    assert cached("things", ["none"], loader) is None
    assert loader.calls == 1


@pytest.mark.django_db
def test_invalidate_bumps_the_namespace_after_commit(django_capture_on_commit_callbacks):
    loader = Loader("v1")
    cached("catalog", ["page", 1], loader)
    old_key = make_key("catalog", "page", 1)

    with django_capture_on_commit_callbacks(execute=True):
        invalidate("catalog")
    loader.value = "v2"

    assert make_key("catalog", "page", 1) != old_key
    assert cached("catalog", ["page", 1], loader) == "v2"
    assert loader.calls == 2
    assert cached("other", ["page", 1], Loader("x")) == "x"  # other namespaces untouched


@pytest.mark.django_db
def test_invalidate_does_nothing_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    cached("catalog", ["page", 1], Loader("v1"))
    key = make_key("catalog", "page", 1)

    with django_capture_on_commit_callbacks(execute=False):
        invalidate("catalog")  # callbacks captured but never run: a rollback

    assert make_key("catalog", "page", 1) == key


def test_long_key_parts_are_hashed():
    key = make_key("search", "q" * 500)
    assert len(key) < 100
    assert "qqqq" not in key


class TestRedisDown:
    @pytest.fixture(autouse=True)
    def _dead_redis(self, settings):
        settings.CACHES = DEAD_REDIS

    def test_cached_falls_back_to_the_loader(self):
        loader = Loader([1, 2, 3])

        assert cached("things", ["x"], loader) == [1, 2, 3]
        assert cached("things", ["x"], loader) == [1, 2, 3]
        assert loader.calls == 2  # nothing could be stored: each read goes to the source
        assert cache.get("anything") is None

    @pytest.mark.django_db
    def test_api_reads_and_writes_still_answer(self):
        client = APIClient()
        # Throttling counts in the cache on every request; a dead Redis must not 500.
        register = client.post(
            "/api/v1/auth/register/",
            {"username": "offline", "email": "offline@example.test", "password": PASSWORD},
            format="json",
        )
        assert register.status_code == 201
        token = client.post(
            "/api/v1/auth/token/", {"username": "offline", "password": PASSWORD}, format="json"
        )
        assert token.status_code == 200
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
        assert client.get("/api/v1/auth/me/").status_code == 200
        assert client.get("/api/v1/shop/").status_code == 200
        assert client.get("/").status_code == 200

    @pytest.mark.django_db
    def test_readiness_reports_the_cache_down_but_stays_ready(self):
        UserFactory()
        response = APIClient().get("/health/ready/")

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "degraded"
        assert body["checks"]["cache"]["status"] == "down"
        assert body["checks"]["database"]["status"] == "ok"


def test_keys_with_user_input_are_hashed_to_plain_characters():
    from core.cache.versioned import make_key

    plain = make_key("ns", "list", "page_size=2")
    odd = make_key("ns", "list", "search=cast iron\n'quoted'")

    assert plain.endswith(":list:page_size=2")
    assert odd.rsplit(":", 1)[1].isalnum()
    assert " " not in odd
    assert "\n" not in odd
