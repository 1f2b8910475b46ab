"""Social feed tables. Users are referenced through settings.AUTH_USER_MODEL.

Counts shown on every post (likes, comments, shares) and on every profile
(followers, following) are denormalised and kept exact by services with atomic
``F()`` updates in the same transaction as the row they count; the feed itself
lives in Redis (``social.feed``) and is rebuilt from these tables on demand.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

POST_MAX_LENGTH = 5000
COMMENT_MAX_LENGTH = 2000
SHARE_COMMENT_MAX_LENGTH = 500
BIO_MAX_LENGTH = 500
URL_MAX_LENGTH = 500

http_url = URLValidator(schemes=["http", "https"])


class Profile(models.Model):
    """Public profile. Absent for users nobody registered through the API (the admin,
    ``createsuperuser``, the demo seed): readers see an empty one, the first write
    creates it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="social_profile",
    )
    bio = models.CharField(max_length=BIO_MAX_LENGTH, blank=True, default="")
    profile_picture = models.CharField(
        max_length=URL_MAX_LENGTH, blank=True, default="", validators=[http_url]
    )
    follower_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The hybrid feed asks "which accounts I follow are above the fan-out threshold".
            models.Index(fields=["follower_count"], name="social_profile_followers"),
        ]

    def __str__(self) -> str:
        return f"profile of {self.user_id}"


class Post(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_posts"
    )
    content = models.TextField()
    media_url = models.CharField(
        max_length=URL_MAX_LENGTH, blank=True, default="", validators=[http_url]
    )
    created_at = models.DateTimeField(db_index=False)
    updated_at = models.DateTimeField()
    like_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    share_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # An author's posts newest first: profiles and the LATERAL top-N feed fallback.
            models.Index(
                F("author"), F("created_at").desc(), F("id").desc(), name="social_post_author_time"
            ),
            # Trending and the global listing.
            models.Index(F("created_at").desc(), F("id").desc(), name="social_post_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    LessThanOrEqual(Length("content"), POST_MAX_LENGTH),
                    GreaterThanOrEqual(Length("content"), 1),
                ),
                name="social_post_content_length",
            ),
        ]

    def __str__(self) -> str:
        return f"post {self.pk} by {self.author_id}"


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_comments"
    )
    text = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(F("post"), F("created_at"), F("id"), name="social_comment_post_time"),
            models.Index(fields=["author"], name="social_comment_author"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    LessThanOrEqual(Length("text"), COMMENT_MAX_LENGTH),
                    GreaterThanOrEqual(Length("text"), 1),
                ),
                name="social_comment_text_length",
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on post {self.post_id}"


class Like(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_likes"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="social_like_once"),
        ]
        indexes = [models.Index(fields=["post", "created_at"], name="social_like_post_time")]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.post_id}"


class Share(models.Model):
    """A repost, optionally with a comment. One per user and post."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_shares"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="shares")
    comment = models.CharField(max_length=SHARE_COMMENT_MAX_LENGTH, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="social_share_once"),
        ]
        indexes = [
            models.Index(
                F("user"), F("created_at").desc(), F("id").desc(), name="social_share_user_time"
            ),
            models.Index(fields=["post", "created_at"], name="social_share_post_time"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} shared {self.post_id}"


class Follow(models.Model):
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_following"
    )
    followee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_followers"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="social_follow_once"),
            models.CheckConstraint(
                condition=~Q(follower=F("followee")), name="social_follow_not_self"
            ),
        ]
        indexes = [
            # Fan-out reads a followee's followers; the unique index serves the other way.
            models.Index(fields=["followee", "follower"], name="social_follow_followee"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followee_id}"


class BlockQuerySet(models.QuerySet["Block"]):
    def between(self, a: Any, b: Any) -> BlockQuerySet:
        """Blocks either way between two accounts (ids, or ``OuterRef``s to them): either
        one hides each one's posts and comments from the other (as Mastodon does)."""
        return self.filter(Q(blocker_id=a, blocked_id=b) | Q(blocker_id=b, blocked_id=a))


class Block(models.Model):
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_blocking"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_blocked_by"
    )
    created_at = models.DateTimeField()

    objects = BlockQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="social_block_once"),
            models.CheckConstraint(
                condition=~Q(blocker=F("blocked")), name="social_block_not_self"
            ),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"], name="social_block_blocked")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Mute(models.Model):
    muter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_muting"
    )
    muted = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_muted_by"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["muter", "muted"], name="social_mute_once"),
            models.CheckConstraint(condition=~Q(muter=F("muted")), name="social_mute_not_self"),
        ]
        indexes = [models.Index(fields=["muted", "muter"], name="social_mute_muted")]

    def __str__(self) -> str:
        return f"{self.muter_id} mutes {self.muted_id}"


class Notice(models.Model):
    """Collapsing state for notifications: one pending digest per recipient and kind,
    so a hundred likes become one notification (sent when the window closes)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)
    # 0 for notices about the account itself (new followers).
    post_id = models.BigIntegerField(default=0)
    count = models.PositiveIntegerField(default=0)
    last_actor = models.CharField(max_length=150, blank=True, default="")
    first_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "post_id"], name="social_notice_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} x{self.count} for {self.user_id}"
