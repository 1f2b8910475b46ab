"""Every social write. GraphQL mutations, REST views, the admin, tasks and the demo
seed all come through here.

Counters (likes, comments, shares, followers) change with ``F()`` updates in the
same transaction as the row they count, and only when that row was really added
or removed, so repeated or concurrent likes keep them exact. Feed maintenance and
notifications happen after commit (``enqueue_on_commit``).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.cache import versioned as core_cache
from core.http.catalogue import ProblemError, lookup_problem
from core.identity import roles
from core.identity.services import user_register
from core.notifications.services import notification_create
from core.tasking.outbox import enqueue_on_commit
from social import feed, selectors
from social.models import (
    BIO_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    POST_MAX_LENGTH,
    SHARE_COMMENT_MAX_LENGTH,
    URL_MAX_LENGTH,
    Block,
    Comment,
    Follow,
    Like,
    Mute,
    Notice,
    Post,
    Profile,
    Share,
    http_url,
)

logger = logging.getLogger(__name__)
User = get_user_model()

FAN_OUT_TASK = "social.tasks.feed_fan_out_task"
RETRACT_TASK = "social.tasks.feed_retract_task"


def _forbidden(detail: str) -> ProblemError:
    return ProblemError(lookup_problem("permission_denied"), detail)  # type: ignore[arg-type]


def _unauthenticated() -> ProblemError:
    return ProblemError(
        lookup_problem("not_authenticated"),  # type: ignore[arg-type]
        "Sign in first: send `Authorization: Bearer <access token>`.",
    )


def _require_user(user: Any) -> None:
    if user is None or not user.is_authenticated:
        raise _unauthenticated()


def _text(field: str, value: Any, *, max_length: int, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: ValidationError("Enter text.", code="invalid")})
    value = value.strip()
    if "\x00" in value:
        raise ValidationError(
            {
                field: ValidationError(
                    "Null characters are not allowed.", code="null_characters_not_allowed"
                )
            }
        )
    if required and not value:
        raise ValidationError(
            {field: ValidationError("This field may not be blank.", code="blank")}
        )
    if len(value) > max_length:
        raise ValidationError(
            {
                field: ValidationError(
                    f"Ensure this field has no more than {max_length} characters.",
                    code="max_length",
                )
            }
        )
    return value


def _url(field: str, value: Any) -> str:
    value = _text(field, value, max_length=URL_MAX_LENGTH, required=False)
    if value:
        try:
            http_url(value)
        except ValidationError:
            raise ValidationError(
                {field: ValidationError("Enter a valid http(s) URL.", code="invalid")}
            ) from None
    return value


# --- accounts and profiles ----------------------------------------------------------------


def user_create(*, username: Any, email: Any, password: Any) -> Any:
    """GraphQL ``createUser``: the same rules as REST registration (core)."""
    return user_register(username=username, email=email, password=password)


def profile_ensure(*, user_id: int) -> None:
    """Create an empty profile if the user has none (on the first write that needs one)."""
    Profile.objects.bulk_create([Profile(user_id=user_id)], ignore_conflicts=True)


def profile_update(*, user: Any, bio: Any = None, profile_picture: Any = None) -> Profile:
    _require_user(user)
    changes: dict[str, str] = {}
    errors: dict[str, Any] = {}
    for field, check in (
        ("bio", lambda v: _text("bio", v, max_length=BIO_MAX_LENGTH, required=False)),
        ("profile_picture", lambda v: _url("profile_picture", v)),
    ):
        value = bio if field == "bio" else profile_picture
        if value is None:
            continue
        try:
            changes[field] = check(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        profile_ensure(user_id=user.pk)
        if changes:
            Profile.objects.filter(user_id=user.pk).update(**changes, updated_at=timezone.now())
    return Profile.objects.get(user_id=user.pk)


# --- posts -------------------------------------------------------------------------------


def _post_for_write(*, post_id: Any, user: Any) -> Post:
    """A post the user may see (else NOT_FOUND), locked for the write."""
    post = (
        selectors.visible_posts(viewer_id=user.pk)
        .select_for_update(of=("self",))
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise selectors.not_found("Post")
    return post


def post_create(*, author: Any, content: Any, media_url: Any = None) -> Post:
    _require_user(author)
    errors: dict[str, Any] = {}
    try:
        content = _text("content", content, max_length=POST_MAX_LENGTH)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        media_url = _url("media_url", media_url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        post = Post.objects.create(
            author=author, content=content, media_url=media_url, created_at=now, updated_at=now
        )
        enqueue_on_commit(FAN_OUT_TASK, post.pk, author.pk, feed.to_ms(now))
    return post


def post_update(*, user: Any, post_id: Any, content: Any) -> Post:
    _require_user(user)
    content = _text("content", content, max_length=POST_MAX_LENGTH)
    with transaction.atomic():
        post = _post_for_write(post_id=post_id, user=user)
        if post.author_id != user.pk:
            raise _forbidden("Only the author may edit a post.")
        post.content = content
        post.updated_at = timezone.now()
        post.save(update_fields=["content", "updated_at"])
    return post


def post_delete(*, user: Any, post_id: Any) -> None:
    """The author, or a moderator, deletes a post; it leaves every feed."""
    _require_user(user)
    with transaction.atomic():
        post = _post_for_write(post_id=post_id, user=user)
        if post.author_id != user.pk and not roles.is_moderator(user):
            raise _forbidden("Only the author or a moderator may delete a post.")
        author_id = post.author_id
        sharers = list(Share.objects.filter(post=post).values_list("user_id", flat=True))
        post.delete()
        enqueue_on_commit(RETRACT_TASK, post_id, [author_id, *sharers])
        core_cache.invalidate(selectors.TRENDING_NAMESPACE)


def _ensure_may_interact(user: Any, post: Post) -> None:
    if selectors.is_blocked_between(user.pk, post.author_id):
        raise selectors.not_found("Post")


def post_like(*, user: Any, post_id: Any) -> Post:
    """Like once; liking again changes nothing."""
    _require_user(user)
    with transaction.atomic():
        post = selectors.post_get(post_id=post_id, viewer_id=user.pk)
        try:
            with transaction.atomic():
                _, created = Like.objects.get_or_create(
                    user=user, post=post, defaults={"created_at": timezone.now()}
                )
        except IntegrityError:  # the post vanished meanwhile
            raise selectors.not_found("Post") from None
        if created:
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
            _notice(recipient_id=post.author_id, kind="like", post_id=post.pk, actor=user)
    post.refresh_from_db(fields=["like_count", "comment_count", "share_count"])
    return post


def post_unlike(*, user: Any, post_id: Any) -> Post:
    """Remove the like if there is one; unliking again changes nothing."""
    _require_user(user)
    with transaction.atomic():
        post = selectors.post_get(post_id=post_id, viewer_id=user.pk)
        deleted, _ = Like.objects.filter(user=user, post=post).delete()
        if deleted:
            Post.objects.filter(pk=post.pk, like_count__gt=0).update(like_count=F("like_count") - 1)
    post.refresh_from_db(fields=["like_count", "comment_count", "share_count"])
    return post


def post_share(*, user: Any, post_id: Any, comment: Any = None) -> Post:
    """Repost into one's followers' feeds; sharing again changes nothing."""
    _require_user(user)
    comment = _text("comment", comment, max_length=SHARE_COMMENT_MAX_LENGTH, required=False)
    with transaction.atomic():
        post = selectors.post_get(post_id=post_id, viewer_id=user.pk)
        now = timezone.now()
        try:
            with transaction.atomic():
                _, created = Share.objects.get_or_create(
                    user=user, post=post, defaults={"comment": comment, "created_at": now}
                )
        except IntegrityError:
            raise selectors.not_found("Post") from None
        if created:
            Post.objects.filter(pk=post.pk).update(share_count=F("share_count") + 1)
            _notice(recipient_id=post.author_id, kind="share", post_id=post.pk, actor=user)
            enqueue_on_commit(FAN_OUT_TASK, post.pk, user.pk, feed.to_ms(now))
    post.refresh_from_db(fields=["like_count", "comment_count", "share_count"])
    return post


# --- comments -----------------------------------------------------------------------------


def comment_create(*, user: Any, post_id: Any, text: Any) -> Comment:
    _require_user(user)
    text = _text("text", text, max_length=COMMENT_MAX_LENGTH)
    with transaction.atomic():
        post = selectors.post_get(post_id=post_id, viewer_id=user.pk)
        comment = Comment.objects.create(
            post=post, author=user, text=text, created_at=timezone.now()
        )
        Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
        _notice(recipient_id=post.author_id, kind="comment", post_id=post.pk, actor=user)
    return comment


def comment_delete(*, user: Any, comment_id: Any) -> None:
    _require_user(user)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
        if comment is None:
            raise selectors.not_found("Comment")
        if comment.author_id != user.pk and not roles.is_moderator(user):
            raise _forbidden("Only the author or a moderator may delete a comment.")
        post_id = comment.post_id
        comment.delete()
        Post.objects.filter(pk=post_id, comment_count__gt=0).update(
            comment_count=F("comment_count") - 1
        )


# --- relationships ------------------------------------------------------------------------


def _other(user: Any, username: Any) -> Any:
    _require_user(user)
    if not isinstance(username, str) or not username.strip():
        raise ValidationError({"username": ValidationError("Enter a username.", code="blank")})
    other = selectors.user_get(username=username.strip())
    if other.pk == user.pk:
        raise ValidationError(
            {"username": ValidationError("That is your own account.", code="self")}
        )
    return other


def _unfollow_rows(follower_id: int, followee_id: int) -> bool:
    deleted, _ = Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).delete()
    if deleted:
        Profile.objects.filter(user_id=follower_id, following_count__gt=0).update(
            following_count=F("following_count") - 1
        )
        Profile.objects.filter(user_id=followee_id, follower_count__gt=0).update(
            follower_count=F("follower_count") - 1
        )
    return bool(deleted)


def _feeds_invalidate_on_commit(*user_ids: int) -> None:
    # The next read rebuilds them from the tables: entries leave exactly, and a new
    # follow's recent posts come in (Mastodon's merge/unmerge, done by one rebuild).
    transaction.on_commit(lambda: feed.invalidate(user_ids))


def follow_create(*, user: Any, username: Any) -> Any:
    other = _other(user, username)
    if selectors.is_blocked_between(user.pk, other.pk):
        raise _forbidden("You cannot follow this account.")
    with transaction.atomic():
        profile_ensure(user_id=user.pk)
        profile_ensure(user_id=other.pk)
        try:
            with transaction.atomic():
                _, created = Follow.objects.get_or_create(
                    follower=user, followee=other, defaults={"created_at": timezone.now()}
                )
        except IntegrityError:
            raise selectors.not_found("User") from None
        if created:
            Profile.objects.filter(user_id=user.pk).update(following_count=F("following_count") + 1)
            Profile.objects.filter(user_id=other.pk).update(follower_count=F("follower_count") + 1)
            _notice(recipient_id=other.pk, kind="follow", post_id=0, actor=user)
            _feeds_invalidate_on_commit(user.pk)
    return other


def follow_delete(*, user: Any, username: Any) -> Any:
    other = _other(user, username)
    with transaction.atomic():
        if _unfollow_rows(user.pk, other.pk):
            _feeds_invalidate_on_commit(user.pk)
    return other


def block_create(*, user: Any, username: Any) -> Any:
    """Block: both follows end; neither sees nor touches the other's posts."""
    other = _other(user, username)
    with transaction.atomic():
        Block.objects.get_or_create(
            blocker=user, blocked=other, defaults={"created_at": timezone.now()}
        )
        _unfollow_rows(user.pk, other.pk)
        _unfollow_rows(other.pk, user.pk)
        _feeds_invalidate_on_commit(user.pk, other.pk)
    return other


def block_delete(*, user: Any, username: Any) -> Any:
    other = _other(user, username)
    with transaction.atomic():
        if Block.objects.filter(blocker=user, blocked=other).delete()[0]:
            _feeds_invalidate_on_commit(user.pk, other.pk)
    return other


def mute_create(*, user: Any, username: Any) -> Any:
    """Mute: their posts and shares leave the muter's feed; they are not told."""
    other = _other(user, username)
    with transaction.atomic():
        _, created = Mute.objects.get_or_create(
            muter=user, muted=other, defaults={"created_at": timezone.now()}
        )
        if created:
            _feeds_invalidate_on_commit(user.pk)
    return other


def mute_delete(*, user: Any, username: Any) -> Any:
    other = _other(user, username)
    with transaction.atomic():
        if Mute.objects.filter(muter=user, muted=other).delete()[0]:
            _feeds_invalidate_on_commit(user.pk)
    return other


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
                feed.store(user_id, selectors.feed_rebuild_entries(viewer_id=user_id))
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


def _notice(*, recipient_id: int, kind: str, post_id: int, actor: Any) -> None:
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
