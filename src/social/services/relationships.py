"""Relationships: follow, block and mute, and their undoing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.identity.models import User
from social import feed, selectors
from social.models import Block, Follow, Mute, Profile
from social.services._common import _forbidden, _require_user
from social.services.accounts import profile_ensure
from social.services.fanout import _notice

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def _other(user: User | AnonymousUser, username: str) -> tuple[User, User]:
    """The signed-in user acting, and the other account, named by ``username``."""
    me = _require_user(user)
    if not isinstance(username, str) or not username.strip():
        raise ValidationError({"username": ValidationError("Enter a username.", code="blank")})
    other = selectors.user_get(username=username.strip())
    if other.pk == me.pk:
        raise ValidationError(
            {"username": ValidationError("That is your own account.", code="self")}
        )
    return me, other


def _unfollow_rows(follower_id: int, followee_id: int) -> bool:
    deleted, _ = Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).delete()
    if deleted:
        Profile.objects.filter(user_id=follower_id, following_count__gt=0).update(
            following_count=F("following_count") - 1
        )
        Profile.objects.filter(user_id=followee_id, follower_count__gt=0).update(
            follower_count=F("follower_count") - 1
        )
        _on_threshold_crossed(followee_id, now_at=settings.SOCIAL_FANOUT_MAX_FOLLOWERS - 1)
    return bool(deleted)


def _on_threshold_crossed(followee_id: int, *, now_at: int) -> None:
    """If the followee's follower count is now ``now_at`` (just up to the fan-out
    threshold, or just below it), it became a celebrity or stopped being one: each of
    its followers' feeds, with their cached followed celebrities, is rebuilt on its next
    read (posts it wrote while on the other side come in by the right path)."""
    count = (
        Profile.objects.filter(user_id=followee_id).values_list("follower_count", flat=True).first()
    )
    if count != now_at:
        return
    followers = list(
        Follow.objects.filter(followee_id=followee_id).values_list("follower_id", flat=True)
    )
    _feeds_invalidate_on_commit(*followers)


def _feeds_invalidate_on_commit(*user_ids: int) -> None:
    # The next read rebuilds them from the tables: entries leave exactly, and a new
    # follow's recent posts come in (Mastodon's merge/unmerge, done by one rebuild).
    transaction.on_commit(lambda: feed.invalidate(user_ids))


def follow_create(*, user: User | AnonymousUser, username: str) -> User:
    user, other = _other(user, username)
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
            _on_threshold_crossed(other.pk, now_at=settings.SOCIAL_FANOUT_MAX_FOLLOWERS)
            _notice(recipient_id=other.pk, kind="follow", post_id=0, actor=user)
            _feeds_invalidate_on_commit(user.pk)
    return other


def follow_delete(*, user: User | AnonymousUser, username: str) -> User:
    user, other = _other(user, username)
    with transaction.atomic():
        if _unfollow_rows(user.pk, other.pk):
            _feeds_invalidate_on_commit(user.pk)
    return other


def block_create(*, user: User | AnonymousUser, username: str) -> User:
    """Block: both follows end; neither sees nor touches the other's posts."""
    user, other = _other(user, username)
    with transaction.atomic():
        Block.objects.get_or_create(
            blocker=user, blocked=other, defaults={"created_at": timezone.now()}
        )
        _unfollow_rows(user.pk, other.pk)
        _unfollow_rows(other.pk, user.pk)
        _feeds_invalidate_on_commit(user.pk, other.pk)
    return other


def block_delete(*, user: User | AnonymousUser, username: str) -> User:
    user, other = _other(user, username)
    with transaction.atomic():
        if Block.objects.filter(blocker=user, blocked=other).delete()[0]:
            _feeds_invalidate_on_commit(user.pk, other.pk)
    return other


def mute_create(*, user: User | AnonymousUser, username: str) -> User:
    """Mute: their posts and shares leave the muter's feed; they are not told."""
    user, other = _other(user, username)
    with transaction.atomic():
        _, created = Mute.objects.get_or_create(
            muter=user, muted=other, defaults={"created_at": timezone.now()}
        )
        if created:
            _feeds_invalidate_on_commit(user.pk)
    return other


def mute_delete(*, user: User | AnonymousUser, username: str) -> User:
    user, other = _other(user, username)
    with transaction.atomic():
        if Mute.objects.filter(muter=user, muted=other).delete()[0]:
            _feeds_invalidate_on_commit(user.pk)
    return other
