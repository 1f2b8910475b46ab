"""Bearer-token authentication shared by REST and GraphQL.

simplejwt's, with two more guarantees: any token that does not authenticate is
a 401, never a 500 (the token classes, core.identity.tokens, check the claims' types;
this checks the user id before it reaches the database), and a genuine access token
that has only expired is ``token_expired``, apart from the forged, malformed and
misused ones (``token_not_valid``): the client refreshes rather than signs in again.

The token's user is not read from the database on every request. Its columns, the
password aside, and its role names (its groups, ``core.identity.roles``) are cached
(``core.cache.versioned``, one namespace per user, one round trip on a warm read) and the
request gets a ``User`` built from them, its password deferred (read from the database
only if something asks for it) and its roles known (``role_names``, ``User.roles``: no
query). Every save and delete of a user, and every change to its groups (either side of
the relation, a group renamed or deleted), bumps that user's namespace, at once and
again after the commit (``forget_user``, connected to the signals in ``register``), so
what is checked per request stays exactly what simplejwt checks on the row: the user
exists (``user_not_found``), is active (``user_inactive``) and, when
``CHECK_REVOKE_TOKEN`` is on, still has the password the token was issued for
(``password_changed``); and a role taken away is gone on the next request. A change that
bypasses the signals (``QuerySet.update()``, ``bulk_create`` of memberships, raw SQL)
calls ``forget_user(pk)`` itself; otherwise it is seen within ``USER_CACHE_SECONDS``.
With the cache down, each request reads the row and the roles, as before.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from django.contrib.auth.models import Group
from django.db import router
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils.translation import gettext, gettext_lazy
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import (
    AuthenticationFailed,
    ExpiredTokenError,
    InvalidToken,
    TokenError,
)
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password

from core.cache.versioned import cached, invalidate_now
from core.identity.models import User
from core.identity.tokens import parse_user_id

# How long a user's cached columns may serve when no save or delete has bumped them: the
# bound on a change made behind the model's back (QuerySet.update(), raw SQL) or a bump
# lost to a cache outage.
USER_CACHE_SECONDS = 60

ACCESS_EXPIRED = "The access token has expired; refresh it."
REFRESH_EXPIRED = "The refresh token has expired; sign in again."


class TokenExpired(InvalidToken):
    """A 401 ``token_expired``: the token is ours and of the right type, only too old."""

    default_detail = gettext_lazy(ACCESS_EXPIRED)
    default_code = "token_expired"


class JWTAuthentication(authentication.JWTAuthentication):
    def get_validated_token(self, raw_token: bytes) -> Token:
        # simplejwt's loop, which reports an expired token as any other invalid one.
        messages: list[dict[str, Any]] = []
        expired = False
        for token_class in api_settings.AUTH_TOKEN_CLASSES:
            try:
                token = token_class(raw_token)
                assert isinstance(token, Token)  # AUTH_TOKEN_CLASSES are Token classes
                return token
            except TokenError as exc:
                expired = expired or isinstance(exc, ExpiredTokenError)
                messages.append(
                    {
                        "token_class": token_class.__name__,
                        "token_type": token_class.token_type,
                        "message": exc.args[0],
                    }
                )
        if expired:
            raise TokenExpired(ACCESS_EXPIRED)
        raise InvalidToken(
            {"detail": "Given token not valid for any token type", "messages": messages}
        )

    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]  # simplejwt's is a TypeVar no argument binds
        user_id = parse_user_id(validated_token.get(api_settings.USER_ID_CLAIM))
        if user_id is None:
            raise InvalidToken("Token contained no recognizable user identification")
        user = token_user(user_id)
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(gettext("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != getattr(user, "_nexus_password_fingerprint", None):
            raise AuthenticationFailed(
                gettext("The user's password has been changed."), code="password_changed"
            )
        return user


# --- the token's user, from the cache --------------------------------------------------


@cache
def _cached_fields() -> tuple[str, ...]:
    """The columns kept in the cache, in the model's order: all but the password."""
    return tuple(
        field.attname for field in User._meta.concrete_fields if field.attname != "password"
    )


def user_namespace(user_id: int) -> str:
    return f"identity.user.{user_id}"


@cache
def _columns_tag() -> str:
    """The columns' names, hashed: a migration that adds one changes the key."""
    return hashlib.blake2b(",".join(_cached_fields()).encode(), digest_size=6).hexdigest()


def _parts() -> list[object]:
    # The columns, whether the password's fingerprint is kept (CHECK_REVOKE_TOKEN), and
    # the entry's layout (the columns, the fingerprint, the role names).
    return [
        "columns",
        _columns_tag(),
        "fp" if api_settings.CHECK_REVOKE_TOKEN else "-",
        "roles",
    ]


def token_user(user_id: int) -> User:
    """The user ``user_id`` (``user_not_found`` if there is none) with its role names:
    from its cached columns, its password deferred; on a miss, the row and its groups'
    names (then cached)."""
    loaded: list[User] = []

    def load() -> tuple[object, ...]:
        user = User.objects.filter(pk=user_id).first()
        if user is None:  # not cached: a user created later would be found
            raise AuthenticationFailed(gettext("User not found"), code="user_not_found")
        loaded.append(user)
        fingerprint = (
            get_md5_hash_password(user.password) if api_settings.CHECK_REVOKE_TOKEN else None
        )
        roles = tuple(sorted(user.groups.values_list("name", flat=True)))
        return (*(getattr(user, name) for name in _cached_fields()), fingerprint, roles)

    row = cached(user_namespace(user_id), _parts(), load, timeout=USER_CACHE_SECONDS)
    names = _cached_fields()
    columns, (fingerprint, roles) = row[: len(names)], row[len(names) :]
    user = loaded[0] if loaded else User.from_db(router.db_for_read(User), names, columns)
    user._nexus_password_fingerprint = fingerprint if isinstance(fingerprint, str) else None
    assert isinstance(roles, tuple)  # the names, as load() stored them
    user._nexus_role_names = frozenset(roles)
    return user


def forget_user(user_id: int) -> None:
    """Drop the user's cached columns, now and once the transaction commits: the next
    request with one of its tokens reads the row."""
    invalidate_now(user_namespace(user_id))


def _user_changed(sender: type[User], instance: User, **kwargs: Any) -> None:
    # A user just created has nothing cached (ids are never reused: a deleted user's
    # namespace was bumped when it went).
    if instance.pk is not None and not kwargs.get("created", False):
        forget_user(instance.pk)


def _forget_members(group: Group) -> None:
    for user_id in group.user_set.values_list("pk", flat=True):
        forget_user(user_id)


def _memberships_changed(
    sender: type[Any], instance: User | Group, action: str, reverse: bool, **kwargs: Any
) -> None:
    """``user.groups.add/remove/set/clear`` (``instance`` a user) and
    ``group.user_set....`` (``reverse``: ``instance`` a group, ``pk_set`` user ids)."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            assert isinstance(instance, User)
            instance.__dict__.pop("_nexus_role_names", None)  # this object's roles too
            forget_user(instance.pk)
        return
    assert isinstance(instance, Group)
    if action == "pre_clear":  # the members are about to go: forget them while known
        _forget_members(instance)
    elif action in ("post_add", "post_remove"):
        for user_id in kwargs.get("pk_set") or ():
            forget_user(user_id)


def _group_changed(sender: type[Group], instance: Group, **kwargs: Any) -> None:
    # A group renamed or about to be deleted: its members' role names change.
    if instance.pk is not None and not kwargs.get("created", False):
        _forget_members(instance)


def register() -> None:
    """Forget a user's cached columns whenever the model saves or deletes it, or its
    groups change (called from ``CoreConfig.ready``)."""
    post_save.connect(_user_changed, sender=User, dispatch_uid="core.identity.user_saved")
    post_delete.connect(_user_changed, sender=User, dispatch_uid="core.identity.user_deleted")
    m2m_changed.connect(
        _memberships_changed,
        sender=User.groups.through,
        dispatch_uid="core.identity.user_groups_changed",
    )
    post_save.connect(_group_changed, sender=Group, dispatch_uid="core.identity.group_saved")
    pre_delete.connect(_group_changed, sender=Group, dispatch_uid="core.identity.group_deleted")
