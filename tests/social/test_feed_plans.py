"""The home feed read from PostgreSQL (Redis down: ``social.feed_sql``) is index reads
at scale: the planner's own plans (nothing disabled) for the queries the REST feed
sends, for a reader following 300 of 3,000 accounts, on 45,000 posts, 5,600 shares
and 15,300 follows made in one statement and analyzed."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from tests.helpers import client_for
from tests.helpers.plans import plan, scans, seed, sent
from tests.social import factories as f

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plans"),
]

FEED = "http://testserver/api/v1/social/feed/"
PEOPLE = 3_000
POSTS_EACH = 15
FOLLOWED_EVERY = 10  # the reader follows one account in ten: 300

# One statement: the accounts; the reader's follows and five of everyone else's; each
# account's posts, an hour apart per account and interleaved across accounts; one post
# in eight shared by the next account.
SEED_SQL = """
WITH people AS (
    INSERT INTO core_user (password, last_login, is_superuser, username, first_name,
        last_name, email, is_staff, is_active, date_joined)
    SELECT '!', NULL, false, 'feed-' || n, '', '', 'feed-' || n || '@example.com',
           false, true, now()
    FROM generate_series(1, %(people)s) AS n
    RETURNING id
), numbered AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM people
), follows AS (
    INSERT INTO social_follow (follower_id, followee_id, created_at)
    SELECT %(reader)s, id, now() FROM numbered WHERE n %% %(every)s = 0
    UNION ALL
    SELECT a.id, b.id, now()
    FROM numbered a CROSS JOIN generate_series(1, 5) AS k
    JOIN numbered b ON b.n = 1 + (a.n + k * 37) %% %(people)s
), posts AS (
    INSERT INTO social_post (author_id, content, media_url, created_at, updated_at,
        like_count, comment_count, share_count)
    SELECT u.id, 'post ' || k, '', now() - ((k * 3600 + u.n) || ' seconds')::interval,
           now(), 0, 0, 0
    FROM numbered u CROSS JOIN generate_series(1, %(posts_each)s) AS k
    RETURNING id, author_id, created_at
)
INSERT INTO social_share (user_id, post_id, comment, created_at)
SELECT sharer.id, p.id, '', p.created_at + interval '1 minute'
FROM posts p JOIN numbered author ON author.id = p.author_id
JOIN numbered sharer ON sharer.n = 1 + author.n %% %(people)s
WHERE p.id %% 8 = 0
"""

# How the feed's query may read each big table (the indexes that lead with the
# account, or a post's primary key), and the index it must use at least once.
READS = {
    "social_post": (
        re.compile(r"social_post_author_\w+|social_post_pkey"),
        # an author's posts: by (author, time), or by the foreign key's index (an
        # author's 15 posts read whole and sorted where a page may take 80)
        re.compile(r"social_post_author_\w+"),
    ),
    "social_share": (
        re.compile(r"social_share_user_time|social_share_user_id_\w+"),
        None,  # a sharer's few shares: by either index, sorted or not
    ),
    "social_follow": (re.compile(r"social_follow_once|social_follow_follower_id_\w+"), None),
}


@pytest.fixture
def reader(settings):
    reader = f.user("reader")
    seed(
        SEED_SQL,
        {
            "people": PEOPLE,
            "reader": reader.pk,
            "every": FOLLOWED_EVERY,
            "posts_each": POSTS_EACH,
        },
        analyze=["core_user", "social_follow", "social_post", "social_share"],
    )
    settings.SOCIAL_FEED_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    return reader


def test_the_feed_from_the_database_seeks_each_followed_accounts_newest(reader):
    """Redis down, the first page (the bounded window), the next one (older than a
    position) and the one before it (newer than a position) are each one query that
    reads the reader's follows by index and each followed account's newest posts and
    shares through the (author, time) and (sharer, time) indexes: a few rows per
    account, not a sequential scan of 45,000 posts."""
    client = client_for(reader)
    pages: list[dict] = []

    def get(link: str) -> None:
        response = client.get(link)
        assert response.status_code == 200, response.content
        pages.append(response.json())

    queries = sent(lambda: get(f"{FEED}?page_size=20"), "WITH sources AS")
    queries += sent(lambda: get(pages[0]["next"]), "WITH sources AS")
    queries += sent(lambda: get(pages[1]["previous"]), "WITH sources AS")

    assert [len(page["results"]) for page in pages] == [20, 20, 20]
    assert pages[2]["results"] == pages[0]["results"]
    assert len(queries) == 3  # one feed query a page: the window held the first page
    wrong = {}
    for n, sql in enumerate(queries):
        shown = plan(sql)
        for table, (allowed, needed) in READS.items():
            read = scans(shown, table)
            by_index = bool(read) and all(allowed.fullmatch(scan) for scan in read)
            if not by_index or (needed and not any(needed.fullmatch(scan) for scan in read)):
                wrong[(n, table)] = read
    assert wrong == {}
