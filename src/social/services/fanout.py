"""Feed fan-out, retraction and rebuilds (called by tasks), and notifications
collapsed per post and kind."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.identity.models import User
from core.notifications.services import notification_create
from social import feed, home_feed, selectors
from social.models import Block, Follow, Mute, Notice, Post

# --- fan-out (called by tasks) ------------------------------------------------------------


def feed_fan_out(*, post_id: int, source_id: int, score: int) -> int:
    """Push a post (or a share of it by ``source_id``) into the built feeds of the
    source's followers, minus those who muted or blocked the source or the author.
    Accounts at or above ``SOCIAL_FANOUT_MAX_FOLLOWERS`` reach only their own feed:
    followers merge them in at read time. Returns the feeds written."""
    post = Post.objects.filter(pk=post_id).values("author_id").first()
    if post is None:
        return 0
    author_id = post["author_id"]
    written = feed.push([source_id], post_id, score)
    profile = selectors.profile_get(user_id=source_id)
    if profile.follower_count >= settings.SOCIAL_FANOUT_MAX_FOLLOWERS:
        return written
    people = {source_id, author_id}
    followers = (
        Follow.objects.filter(followee_id=source_id)
        .exclude(follower_id__in=Mute.objects.filter(muted_id__in=people).values("muter_id"))
        .exclude(follower_id__in=Block.objects.filter(blocked_id__in=people).values("blocker_id"))
        .exclude(follower_id__in=Block.objects.filter(blocker_id__in=people).values("blocked_id"))
        .order_by()
        .values_list("follower_id", flat=True)
    )
    batch: list[int] = []
    for follower_id in followers.iterator(chunk_size=settings.SOCIAL_FANOUT_BATCH):
        batch.append(follower_id)
        if len(batch) >= settings.SOCIAL_FANOUT_BATCH:
            written += feed.push(batch, post_id, score)
            batch = []
    written += feed.push(batch, post_id, score)
    return written


def feed_retract(*, post_id: int, source_ids: list[int]) -> None:
    """Remove a deleted post from the feeds it was pushed to (readers skip it anyway)."""
    followers = set(
        Follow.objects.filter(followee_id__in=source_ids).values_list("follower_id", flat=True)
    )
    feed.remove(followers | set(source_ids), [post_id])


def feeds_rebuild_returning(*, since_minutes: int = 60, limit: int = 1000) -> int:
    """Rebuild the cold feeds of users who signed in recently (Mastodon's
    RegenerationWorker), so a returning user's first page comes from Redis."""
    since = timezone.now() - timedelta(minutes=since_minutes)
    rebuilt = 0
    for user_id in User.objects.filter(last_login__gte=since).values_list("pk", flat=True)[:limit]:
        try:
            if feed.read(user_id, before=None, count=1) is None:
                feed.store(user_id, home_feed.feed_rebuild_entries(viewer_id=user_id))
                rebuilt += 1
        except feed.Unavailable:
            break
    return rebuilt


# --- notifications, collapsed -----------------------------------------------------------

NOTICE_TEXT = {
    "like": ("liked your post", "likes"),
    "comment": ("commented on your post", "comments"),
    "share": ("shared your post", "shares"),
    "follow": ("followed you", "new followers"),
}


def _notice(*, recipient_id: int, kind: str, post_id: int, actor: User) -> None:
    """Count an interaction into the recipient's pending notice for this post and kind;
    ``notices_flush`` turns each into one notification when its window closes."""
    if recipient_id == actor.pk:
        return
    now = timezone.now()
    updated = Notice.objects.filter(user_id=recipient_id, kind=kind, post_id=post_id).update(
        count=F("count") + 1, last_actor=actor.username
    )
    if not updated:
        Notice.objects.bulk_create(
            [
                Notice(
                    user_id=recipient_id,
                    kind=kind,
                    post_id=post_id,
                    count=1,
                    last_actor=actor.username,
                    first_at=now,
                )
            ],
            ignore_conflicts=True,
        )


def notices_flush(*, older_than_seconds: int | None = None) -> int:
    """One notification per pending notice whose window has closed. Returns how many."""
    window = (
        settings.SOCIAL_NOTIFY_WINDOW_SECONDS if older_than_seconds is None else older_than_seconds
    )
    cutoff = timezone.now() - timedelta(seconds=window)
    sent = 0
    with transaction.atomic():
        notices = list(
            Notice.objects.select_for_update(skip_locked=True).filter(first_at__lte=cutoff)[:500]
        )
        for notice in notices:
            one, many = NOTICE_TEXT[notice.kind]
            if notice.count == 1:
                title = f"{notice.last_actor} {one}"
            else:
                title = f"{notice.last_actor} and {notice.count - 1} others: {notice.count} {many}"
            notification_create(
                user_id=notice.user_id,
                kind=f"social.{notice.kind}",
                title=title[:200],
                data={"post_id": notice.post_id or None, "count": notice.count},
                email=notice.kind == "follow" or notice.count > 1,
            )
            sent += 1
        Notice.objects.filter(pk__in=[n.pk for n in notices]).delete()
    return sent
