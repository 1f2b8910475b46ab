"""A social fan-out that runs while the feed store (Redis) is hung: the post could
neither be written into the followers' feeds nor could those feeds be dropped for a
rebuild. Returning quietly would lose it for good once Redis comes back with its data;
the fan-out raises instead, and Celery's own retry (``autoretry_for`` with backoff, on
a real worker) delivers the post once Redis answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from social import feed, home_feed
from social.services import posts
from tests.core.workers import Worker, start_workers
from tests.faults.figures import record
from tests.faults.redis_server import RedisServer
from tests.faults.waits import wait_until
from tests.social import factories as f

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

COOLDOWN = 0.5  # the breaker's, in this process and the worker's
FAN_OUT = "social.tasks.feed_fan_out_task"


@pytest.fixture
def feed_store(tmp_path, settings) -> Iterator[RedisServer]:
    from core.cache.breaker import reset_breakers

    server = RedisServer(tmp_path).start()
    settings.SOCIAL_FEED_REDIS_URL = server.url
    settings.REDIS_BREAKER_SECONDS = COOLDOWN
    reset_breakers()
    yield server
    server.stop()
    reset_breakers()


@pytest.fixture
def worker(feed_store, django_db_setup) -> Iterator[Worker]:
    """A Celery worker (tests/core/workers.py) whose feed store is ``feed_store``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOCIAL_FEED_REDIS_URL", feed_store.url)
        patch.setenv("REDIS_BREAKER_SECONDS", str(COOLDOWN))
        (started,) = start_workers(("fanout",))
    yield started
    started.kill()  # a throwaway worker, idle by now: no clean shutdown needed


def in_feed(user_id: int) -> list[int]:
    page = feed.read(user_id, before=None, count=50)
    assert page is not None, "the feed is no longer built"
    return [entry.post_id for entry in page[0]]


def fan_out_lines(worker: Worker, outcome: str) -> list[str]:
    return [line for line in worker.lines if f"{FAN_OUT}[" in line and outcome in line]


def test_a_fan_out_during_a_redis_hang_is_retried_by_celery_not_lost(feed_store, worker):
    bob = f.user()
    followers = [f.user(), f.user()]
    for follower in followers:
        f.follow(follower, bob)
        page = home_feed.feed_page(viewer_id=follower.pk, first=10, after=None)
        assert page.source == "rebuilt"  # built in Redis: fan-out writes into it

    feed_store.hang()
    try:
        # Its fan-out task goes through the outbox and the broker to the worker, and fails.
        post = posts.post_create(author=bob, content="Posted while Redis hangs.")
        failed = wait_until(lambda: bool(fan_out_lines(worker, " retry: Retry in")), timeout=20)
    finally:
        feed_store.resume()
    assert failed, "the fan-out did not fail while Redis hung:\n" + worker.output()[-3000:]

    # Celery runs the task again after its backoff; once Redis answers, it delivers.
    assert wait_until(lambda: all(post.pk in in_feed(u.pk) for u in followers), timeout=30), (
        worker.output()[-3000:]
    )
    retries = fan_out_lines(worker, " retry: Retry in")
    succeeded = fan_out_lines(worker, " succeeded in ")
    record(
        "Redis hung during a social fan-out (real worker)",
        tasks=1,
        lost=0,
        duplicated=len(succeeded) - 1,
        note=f"the fan-out raised; Celery retried it {len(retries)} time(s) with backoff; "
        "the post reached each follower's feed once",
    )
    assert "Unavailable" in retries[0]  # the feed store's error, retried by autoretry_for
    assert len(succeeded) == 1
    assert succeeded[0].rstrip().endswith(": 2")  # it wrote both followers' feeds
    for follower in followers:
        assert in_feed(follower.pk).count(post.pk) == 1
        page = home_feed.feed_page(viewer_id=follower.pk, first=10, after=None)
        assert page.source == "redis"  # what the fan-out wrote, not a rebuild
        assert [item.post.pk for item in page.items].count(post.pk) == 1
