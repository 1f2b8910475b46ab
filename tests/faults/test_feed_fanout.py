"""A social fan-out that runs while the feed store (Redis) is hung: the post could
neither be written into the followers' feeds nor could those feeds be dropped for a
rebuild. Returning quietly would lose it for good once Redis comes back with its data;
the fan-out raises instead, its task retries, and the retry delivers the post."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from social import feed, home_feed
from social.services import fanout
from social.tasks import feed_fan_out_task
from tests.faults.figures import record
from tests.faults.redis_server import RedisServer
from tests.social import factories as f

pytestmark = [pytest.mark.services, pytest.mark.django_db]

COOLDOWN = 0.5


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


def in_feed(user_id: int) -> list[int]:
    page = feed.read(user_id, before=None, count=50)
    assert page is not None, "the feed is no longer built"
    return [entry.post_id for entry in page[0]]


def test_a_fan_out_during_a_redis_hang_is_retried_not_lost(feed_store):
    alice, bob = f.user(), f.user()
    f.follow(alice, bob)
    assert home_feed.feed_page(viewer_id=alice.pk, first=10, after=None).source == "rebuilt"
    post = f.post(bob, "Posted while Redis hangs.")
    score = feed.to_ms(post.created_at)

    feed_store.hang()
    try:
        with pytest.raises(feed.Unavailable):
            fanout.feed_fan_out(post_id=post.pk, source_id=bob.pk, score=score)
    finally:
        feed_store.resume()
    time.sleep(COOLDOWN + 0.1)  # the breaker lets Redis back in
    assert post.pk not in in_feed(alice.pk)  # Redis kept alice's feed, without the post
    # The task retries on this error (with backoff); here, the retry once Redis answers.
    assert feed.Unavailable in feed_fan_out_task.autoretry_for
    fanout.feed_fan_out(post_id=post.pk, source_id=bob.pk, score=score)
    assert in_feed(alice.pk)[0] == post.pk
    record(
        "Redis hung during a social fan-out",
        tasks=1,
        note="the fan-out raises, its task retries; the post reaches the follower's feed",
    )
