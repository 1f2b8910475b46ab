"""Posts (create, edit, delete, like, share) and their comments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.cache import versioned as core_cache
from core.http.catalogue import ProblemCode, ProblemError
from core.identity import roles
from core.identity.models import User
from core.tasking.outbox import enqueue_on_commit
from social import feed, selectors
from social.models import (
    COMMENT_MAX_LENGTH,
    POST_MAX_LENGTH,
    SHARE_COMMENT_MAX_LENGTH,
    Comment,
    Like,
    Post,
    Share,
)
from social.services._common import _forbidden, _require_user, _text, _url
from social.services.fanout import _notice

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

FAN_OUT_TASK = "social.tasks.feed_fan_out_task"
RETRACT_TASK = "social.tasks.feed_retract_task"


# --- posts -------------------------------------------------------------------------------


def _post_for_write(*, post_id: int, user: User) -> Post:
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


def post_create(*, author: User | AnonymousUser, content: Any, media_url: Any = None) -> Post:
    """``content`` and ``media_url`` are the client's raw input, checked here: a value
    of the wrong type is a field error."""
    author = _require_user(author)
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


def post_update(*, user: User | AnonymousUser, post_id: int, content: Any) -> Post:
    """The author edits a post; ``content`` is the client's raw input, checked here."""
    user = _require_user(user)
    content = _text("content", content, max_length=POST_MAX_LENGTH)
    with transaction.atomic():
        post = _post_for_write(post_id=post_id, user=user)
        if post.author_id != user.pk:
            raise _forbidden("Only the author may edit a post.")
        post.content = content
        post.updated_at = timezone.now()
        post.save(update_fields=["content", "updated_at"])
    return post


def post_delete(*, user: User | AnonymousUser, post_id: int) -> None:
    """The author, or a moderator, deletes a post; it leaves every feed."""
    user = _require_user(user)
    with transaction.atomic():
        post = _post_for_write(post_id=post_id, user=user)
        if post.author_id != user.pk and not roles.is_moderator(user):
            raise _forbidden("Only the author or a moderator may delete a post.")
        author_id = post.author_id
        sharers = list(Share.objects.filter(post=post).values_list("user_id", flat=True))
        post.delete()
        enqueue_on_commit(RETRACT_TASK, post_id, [author_id, *sharers])
        core_cache.invalidate(selectors.TRENDING_NAMESPACE)


# A like racing the same user's unlike: the INSERT meets the other like's row, whose
# unlike deletes it before get_or_create reads it back. Another round settles it.
_LIKE_ATTEMPTS = 5


def _like_once(*, user: User, post: Post) -> bool:
    """Whether this call made the like. An IntegrityError is the post deleted meanwhile
    (its foreign key), or a like that a racing unlike removed between the conflict and the
    read (try again)."""
    for _ in range(_LIKE_ATTEMPTS):
        try:
            with transaction.atomic():
                _, created = Like.objects.get_or_create(
                    user=user, post=post, defaults={"created_at": timezone.now()}
                )
            return created
        except IntegrityError:
            if not Post.objects.filter(pk=post.pk).exists():
                raise selectors.not_found("Post") from None
    raise ProblemError(
        ProblemCode.CONFLICT.problem,
        "This like raced your unlike of the same post several times; send it again.",
    )


def post_like(*, user: User | AnonymousUser, post_id: int) -> Post:
    """Like once; liking again changes nothing."""
    user = _require_user(user)
    with transaction.atomic():
        post = selectors.post_get(post_id=post_id, viewer_id=user.pk)
        created = _like_once(user=user, post=post)
        if created:
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
            _notice(recipient_id=post.author_id, kind="like", post_id=post.pk, actor=user)
    post.refresh_from_db(fields=["like_count", "comment_count", "share_count"])
    return post


def post_unlike(*, user: User | AnonymousUser, post_id: int) -> Post:
    """Remove the like if there is one; unliking again changes nothing."""
    user = _require_user(user)
    with transaction.atomic():
        post = selectors.post_get(post_id=post_id, viewer_id=user.pk)
        deleted, _ = Like.objects.filter(user=user, post=post).delete()
        if deleted:
            Post.objects.filter(pk=post.pk, like_count__gt=0).update(like_count=F("like_count") - 1)
    post.refresh_from_db(fields=["like_count", "comment_count", "share_count"])
    return post


def post_share(*, user: User | AnonymousUser, post_id: int, comment: Any = None) -> Post:
    """Repost into one's followers' feeds; sharing again changes nothing. ``comment`` is
    the client's raw input, checked here."""
    user = _require_user(user)
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


def comment_create(*, user: User | AnonymousUser, post_id: int, text: Any) -> Comment:
    """``text`` is the client's raw input, checked here: the wrong type is a field error."""
    user = _require_user(user)
    text = _text("text", text, max_length=COMMENT_MAX_LENGTH)
    with transaction.atomic():
        post = selectors.post_get(post_id=post_id, viewer_id=user.pk)
        comment = Comment.objects.create(
            post=post, author=user, text=text, created_at=timezone.now()
        )
        Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
        _notice(recipient_id=post.author_id, kind="comment", post_id=post.pk, actor=user)
    return comment


def comment_delete(*, user: User | AnonymousUser, comment_id: int) -> None:
    user = _require_user(user)
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
