"""Bench-only URLconf: every product URL, plus the raw-SQL ceiling of the home feed
that bench/social_run.py measures next to the API in the same run.

The ceiling is a minimal Django view (no DRF, no GraphQL, no feed in Redis): the same
JWT authentication and throttles as the API (bench/ceilings.py), the fan-out-on-read
query in one raw SQL statement (the LATERAL top-20 per followed account of DESIGN.md,
joined to the post, its author, the viewer's like and the newest share) with the
feed's filters (no followee the viewer mutes, no post by an author the viewer mutes or
who is blocked either way, as ``social.feed.FEED_SQL``), the same fields per entry as
the REST feed, encoded with ``json.dumps``. It sits behind the same middleware as the
API.
"""

from __future__ import annotations

import json

from ceilings import checked
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as product_urlpatterns

PAGE_SIZE = 20

CEILING_SQL = """
WITH sources AS (
    SELECT f.followee_id AS uid FROM social_follow f
    WHERE f.follower_id = %(viewer)s
      AND NOT EXISTS (SELECT 1 FROM social_mute m
                      WHERE m.muter_id = %(viewer)s AND m.muted_id = f.followee_id)
    UNION ALL SELECT %(viewer)s
), entries AS (
    SELECT p.id AS post_id, p.created_at AS at
    FROM sources s CROSS JOIN LATERAL (
        SELECT id, created_at FROM social_post WHERE author_id = s.uid
        ORDER BY created_at DESC, id DESC LIMIT %(limit)s) p
    UNION ALL
    SELECT sh.post_id, sh.created_at
    FROM sources s CROSS JOIN LATERAL (
        SELECT post_id, created_at FROM social_share WHERE user_id = s.uid
        ORDER BY created_at DESC, id DESC LIMIT %(limit)s) sh
), top AS (
    SELECT e.post_id, max(e.at) AS at
    FROM entries e JOIN social_post vp ON vp.id = e.post_id
    WHERE NOT EXISTS (SELECT 1 FROM social_mute m
                      WHERE m.muter_id = %(viewer)s AND m.muted_id = vp.author_id)
      AND NOT EXISTS (SELECT 1 FROM social_block b
                      WHERE (b.blocker_id = vp.author_id AND b.blocked_id = %(viewer)s)
                         OR (b.blocker_id = %(viewer)s AND b.blocked_id = vp.author_id))
    GROUP BY e.post_id
    ORDER BY at DESC, e.post_id DESC LIMIT %(limit)s
)
SELECT p.id, p.content, p.media_url, p.created_at, p.updated_at, p.like_count,
       p.comment_count, p.share_count, u.id, u.username,
       EXISTS (SELECT 1 FROM social_like l WHERE l.post_id = p.id AND l.user_id = %(viewer)s),
       sh.user_id, su.username, sh.created_at,
       CASE WHEN sh.user_id IS NULL THEN 0 ELSE (
           SELECT count(*) FROM social_share x
           WHERE x.post_id = p.id AND x.user_id IN (SELECT uid FROM sources)) END
FROM top t
JOIN social_post p ON p.id = t.post_id
JOIN core_user u ON u.id = p.author_id
LEFT JOIN LATERAL (
    SELECT user_id, created_at FROM social_share x
    WHERE x.post_id = p.id AND x.created_at = t.at AND x.created_at > p.created_at
    ORDER BY x.created_at DESC LIMIT 1) sh ON true
LEFT JOIN core_user su ON su.id = sh.user_id
ORDER BY t.at DESC, p.id DESC
"""


def _iso(value) -> str | None:  # type: ignore[no-untyped-def]
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def feed_ceiling(request: HttpRequest) -> HttpResponse:
    user, refused = checked(request)
    if refused is not None:
        return refused
    viewer = user.pk
    with connection.cursor() as cursor:
        cursor.execute(CEILING_SQL, {"viewer": viewer, "limit": PAGE_SIZE})
        rows = cursor.fetchall()
    results = [
        {
            "post": {
                "id": row[0],
                "content": row[1],
                "media_url": row[2] or None,
                "author": {"id": row[8], "username": row[9]},
                "created_at": _iso(row[3]),
                "updated_at": _iso(row[4]),
                "like_count": row[5],
                "comment_count": row[6],
                "share_count": row[7],
                "viewer_has_liked": row[10],
            },
            "shared_by": {"id": row[11], "username": row[12]} if row[11] else None,
            "shared_at": _iso(row[13]),
            "shared_by_count": row[14],
        }
        for row in rows
    ]
    return HttpResponse(
        json.dumps({"results": results, "next": None, "previous": None}),
        content_type="application/json",
    )


urlpatterns = [
    path("bench/social/raw/feed/", feed_ceiling),
    *product_urlpatterns,
]
