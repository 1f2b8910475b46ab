"""Cache-aside helpers on the real Redis (one round trip for a warm read), on the
in-process cache of ``make run``, and degradation when Redis is gone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from core.cache.versioned import _bump, cached, entry_key, invalidate, namespace_version, peek
from core.identity.models import User
from tests.core.factories import PASSWORD, UserFactory
from tests.core.redis_commands import redis_commands

ROOT = Path(__file__).resolve().parents[2]
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

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
    old_version = namespace_version("catalog")

    with django_capture_on_commit_callbacks(execute=True):
        invalidate("catalog")
    loader.value = "v2"

    assert namespace_version("catalog") != old_version
    assert peek("catalog", ["page", 1], default="miss") == "miss"  # the old entry is a miss
    assert cached("catalog", ["page", 1], loader) == "v2"
    assert loader.calls == 2
    assert cached("other", ["page", 1], Loader("x")) == "x"  # other namespaces untouched


@pytest.mark.django_db
def test_invalidate_does_nothing_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    loader = Loader("v1")
    cached("catalog", ["page", 1], loader)
    version = namespace_version("catalog")

    with django_capture_on_commit_callbacks(execute=False):
        invalidate("catalog")  # callbacks captured but never run: a rollback

    assert namespace_version("catalog") == version
    assert cached("catalog", ["page", 1], loader) == "v1"
    assert loader.calls == 1


def test_a_warm_read_is_one_round_trip_to_redis():
    loader = Loader({"answer": 42})
    with redis_commands() as first:
        cached("rt", ["a"], loader)  # the namespace's first read: no version yet
    _bump("rt")  # a version that moved on: the entry is a miss
    with redis_commands() as miss:
        cached("rt", ["a"], loader)
    with redis_commands() as warm:
        assert cached("rt", ["a"], loader) == {"answer": 42}

    assert warm == ["MGET"]  # the namespace's version and the entry, together
    assert miss == ["MGET", "SET"]
    assert first == ["MGET", "SET", "SET"]  # start the version (SET NX), store the entry
    assert loader.calls == 2


def invalidate_elsewhere(namespace: str) -> None:
    """Bump ``namespace`` from another process, as a writer on another host would."""
    code = (
        "import django; django.setup(); from core.cache.versioned import _bump; "
        f"assert _bump({namespace!r})"
    )
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)


def test_a_bump_in_another_process_makes_every_entry_a_miss_at_once():
    pages = {part: Loader(f"old {part}") for part in ("a", "b")}
    for part, loader in pages.items():
        cached("shared", [part], loader)

    invalidate_elsewhere("shared")
    for loader in pages.values():
        loader.value = loader.value.replace("old", "new")

    assert [cached("shared", [part], pages[part]) for part in pages] == ["new a", "new b"]
    assert [loader.calls for loader in pages.values()] == [2, 2]
    assert cached("shared", ["a"], pages["a"]) == "new a"  # and cached again
    assert pages["a"].calls == 2


def test_an_entry_loaded_before_a_bump_is_never_served_after_it():
    """A read that loaded the old rows while a writer bumped stores them under the
    version it read first: the next read misses."""
    loader = Loader("stale")

    def load_while_a_writer_commits():
        _bump("racy")
        return loader()

    cached("racy", ["x"], Loader("first"))
    assert cached("racy", ["x"], Loader("unused")) == "first"
    _bump("racy")
    assert cached("racy", ["x"], load_while_a_writer_commits) == "stale"
    loader.value = "fresh"

    assert cached("racy", ["x"], loader) == "fresh"


def test_a_lost_version_starts_above_every_old_entry():
    """Should Redis lose a namespace's version (evicted, flushed) but keep its entries,
    the new version is none of theirs: they are misses."""
    cached("evicted", ["x"], Loader("old"))
    cache.delete("nsver:evicted")

    assert cached("evicted", ["x"], Loader("new")) == "new"


class TestInProcessCache:
    """``make run``: the in-process cache, the same semantics."""

    @pytest.fixture(autouse=True)
    def _locmem(self, settings):
        settings.CACHES = LOCMEM

    @pytest.mark.django_db
    def test_cached_then_invalidated(self, django_capture_on_commit_callbacks):
        loader = Loader("v1")
        assert cached("local", ["a"], loader) == "v1"
        assert cached("local", ["a"], loader) == "v1"
        with django_capture_on_commit_callbacks(execute=True):
            invalidate("local")
        loader.value = "v2"

        assert cached("local", ["a"], loader) == "v2"
        assert loader.calls == 2


def test_long_key_parts_are_hashed():
    key = entry_key("search", "q" * 500)
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
        assert register.status_code == 201, register.content
        assert register.json()["user"]["username"] == "offline"
        assert User.objects.filter(username="offline").exists()
        token = client.post(
            "/api/v1/auth/token/", {"username": "offline", "password": PASSWORD}, format="json"
        )
        assert token.status_code == 200, token.content
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
        me = client.get("/api/v1/auth/me/")
        assert (me.status_code, me.json()["username"]) == (200, "offline")
        shop = client.get("/api/v1/shop/")
        assert shop.status_code == 200
        assert shop.json()["domain"] == "shop"
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
    plain = entry_key("ns", "list", "page_size=2")
    odd = entry_key("ns", "list", "search=cast iron\n'quoted'")

    assert plain.endswith(":list:page_size=2")
    assert odd.rsplit(":", 1)[1].isalnum()
    assert " " not in odd
    assert "\n" not in odd
