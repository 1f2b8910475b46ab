"""A feed rebuilt from the tables reads a bounded window (the newest few rows of each
account it follows give a floor; only rows after it are read) and holds exactly the
entries a full read gives: the same posts, at the same times, in the same order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.identity.models import User
from social import feed, feed_sql, home_feed
from social.models import Block, Follow, Post, Share
from tests.social import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(settings):
    """A reader following 12 accounts of 6 posts each (times interleaved), some of them
    shared by several followed accounts among the newest; a window of 10 entries."""
    settings.SOCIAL_FEED_MAX_ITEMS = 10
    reader, stranger = f.user("reader"), f.user("stranger")
    accounts = [f.user(f"account{i}") for i in range(12)]
    Follow.objects.bulk_create(
        Follow(follower=reader, followee=account, created_at=f.BASE) for account in accounts
    )
    posts = Post.objects.bulk_create(
        Post(author=author, content="p", created_at=at, updated_at=at)
        for n, (author, at) in enumerate(
            (account, f.BASE + timedelta(minutes=7 * i + 13 * j))
            for i, account in enumerate(accounts)
            for j in range(6)
        )
        if n % 5  # not every slot
    )
    theirs = [f.post(stranger, f"stranger {i}") for i in range(3)]
    Share.objects.bulk_create(
        Share(user=account, post=post, created_at=f.BASE + timedelta(minutes=140 + i))
        for i, (account, post) in enumerate(
            (account, post) for post in theirs for account in accounts[:4]
        )
    )
    assert len(posts) > 50
    return reader


def _full_read(viewer_id: int, limit: int) -> list[feed.Entry]:
    """The feed as the ORM computes it, every row of every source (SQLite's path)."""
    return feed_sql._entries_orm(viewer_id, limit=limit, before=None, after=None, over=None)


def test_a_rebuild_holds_exactly_the_newest_entries_of_a_full_read(
    reader, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the window sufficed
        rebuilt = home_feed.feed_rebuild_entries(viewer_id=reader.pk)

    assert len(rebuilt) == 10
    assert rebuilt == _full_read(reader.pk, 10)


def test_hidden_posts_in_the_window_leave_the_rebuild_exact(reader, django_assert_num_queries):
    stranger = User.objects.get(username="stranger")
    Block.objects.create(blocker=reader, blocked=stranger, created_at=f.BASE)

    with django_assert_num_queries(2):  # the window came short: read again, in full
        rebuilt = home_feed.feed_rebuild_entries(viewer_id=reader.pk)

    assert rebuilt == _full_read(reader.pk, 10)
    assert not {entry.post_id for entry in rebuilt} & set(
        Post.objects.filter(author__username="stranger").values_list("pk", flat=True)
    )


def test_the_first_pages_are_the_same_from_the_rebuilt_feed_and_the_database(reader, settings):
    rebuilt = home_feed.feed_page(viewer_id=reader.pk, first=5, after=None)
    second = home_feed.feed_page(viewer_id=reader.pk, first=5, after=rebuilt.next_cursor)
    settings.SOCIAL_FEED_REDIS_URL = ""  # no feed store: the database's pages
    database = home_feed.feed_page(viewer_id=reader.pk, first=5, after=None)
    database_second = home_feed.feed_page(viewer_id=reader.pk, first=5, after=database.next_cursor)

    assert rebuilt.source == "rebuilt"
    assert database.source == "database"
    assert [i.entry for i in rebuilt.items + second.items] == [
        i.entry for i in database.items + database_second.items
    ]
    assert [i.entry for i in rebuilt.items + second.items] == _full_read(reader.pk, 10)
