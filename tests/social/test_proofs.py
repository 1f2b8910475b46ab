"""Social's live proof on PostgreSQL and Redis (``/proofs/``): run for real, a post by an
account with 9,999 followers is written into each of their feeds and seen by the reading
followers, one by an account at the fan-out threshold (10,000) into none, yet seen; and
nothing is left behind, in the database or among Redis's feeds."""

from __future__ import annotations

import pytest
from django.conf import settings

from core.identity.models import User
from core.site.proofs import find, run_proof
from social import feed
from social.models import Follow, Post, Profile

pytestmark = pytest.mark.django_db(transaction=True)  # tasks run eagerly (conftest)


def _rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (User, Follow, Post, Profile)}


def _feeds() -> int:
    store = feed.client()
    assert store is not None
    return sum(1 for _ in store.scan_iter(match=feed.key(0)[:-1] + "*", count=5000))


def test_the_fan_out_proof_pushes_below_the_threshold_merges_at_it_and_leaves_nothing():
    assert settings.SOCIAL_FANOUT_MAX_FOLLOWERS == 10_000  # the default the proof shows
    before, feeds_before = _rows(), _feeds()

    result = run_proof(find("fan-out"))

    assert result.held is True, result
    counts = dict(result.counts)
    timings = {key: counts.pop(key) for key in ("author_post_visible_ms", "star_post_visible_ms")}
    assert counts == {
        "followers": 10_000,
        "threshold": 10_000,
        "author_followers": 9_999,
        "star_followers": 10_000,
        "author_follower_count": 9_999,
        "star_follower_count": 10_000,
        "watchers": 4,
        "watchers_saw_author_post": 4,
        "author_post_feeds_written": 9_999,
        "watchers_saw_star_post": 4,
        "star_post_feeds_written": 0,
    }
    assert all(0 <= ms < 5000 for ms in timings.values()), timings
    assert result.details["feed_store"] == "redis"
    assert "cleanup_errors" not in result.details
    assert _rows() == before
    assert _feeds() == feeds_before
