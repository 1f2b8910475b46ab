"""Accounts and profiles."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.identity.models import User
from core.identity.services import TokenPair, user_register, user_tokens_issue
from social.models import BIO_MAX_LENGTH, Profile
from social.services._common import _require_user, _text, _url

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def user_create(*, username: Any, email: Any, password: Any) -> tuple[User, TokenPair]:
    """GraphQL ``createUser``: the same rules as REST registration (core), and the same
    signed-in session: the new user and a token pair. The fields are the client's raw
    input: ``user_register`` checks them, whatever their type, all at once."""
    user = user_register(username=username, email=email, password=password)
    return user, user_tokens_issue(user=user)


def profile_ensure(*, user_id: int) -> None:
    """Create an empty profile if the user has none (on the first write that needs one)."""
    Profile.objects.bulk_create([Profile(user_id=user_id)], ignore_conflicts=True)


def profile_update(
    *, user: User | AnonymousUser, bio: Any = None, profile_picture: Any = None
) -> Profile:
    """``bio`` and ``profile_picture`` are the client's raw input (None: keep it), checked
    here: a value of the wrong type is a field error."""
    user = _require_user(user)
    changes: dict[str, str] = {}
    errors: dict[str, Any] = {}
    checks: tuple[tuple[str, Any, Callable[[Any], str]], ...] = (
        ("bio", bio, lambda v: _text("bio", v, max_length=BIO_MAX_LENGTH, required=False)),
        ("profile_picture", profile_picture, lambda v: _url("profile_picture", v)),
    )
    for field, value, check in checks:
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
