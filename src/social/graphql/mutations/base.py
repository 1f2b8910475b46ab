"""What every social mutation does before its service runs: refuse anonymous callers
(UNAUTHENTICATED), count the write against the caller's ``social_write`` limit (the
same sliding-window counter as the REST mirror; THROTTLED with ``retryAfter``), and
turn service refusals into typed errors."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene
from rest_framework.throttling import BaseThrottle

from core.http.throttling import AuthIPThrottle, ScopedUserThrottle
from social.graphql import errors


class _WriteScope:
    throttle_scope = "social_write"


def _check(throttle: BaseThrottle, request: Any, view: Any) -> None:
    if not throttle.allow_request(request, view):
        wait = max(1, int((throttle.wait() or 1) + 0.999))
        raise errors.error(
            f"Too many writes. Expected available in {wait} seconds.",
            errors.THROTTLED,
            retryAfter=wait,
        )


def throttle_write(request: Any) -> None:
    _check(ScopedUserThrottle(), request, _WriteScope)


def throttle_signup(request: Any) -> None:
    _check(AuthIPThrottle(), request, None)


def id_arg(description: str) -> graphene.ID:
    return graphene.ID(required=True, description=description)


def to_id(value: Any, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise errors.bad_input(field, f"`{field}` must be a numeric id.") from None
    if not 1 <= number <= 2**63 - 1:
        raise errors.bad_input(field, f"`{field}` is out of range.")
    return number


class SocialMutation(graphene.Mutation):
    requires_auth: ClassVar[bool] = True

    class Meta:
        abstract = True

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **kwargs: Any) -> Any:
        request = info.context
        if cls.requires_auth:
            if not request.user.is_authenticated:
                raise errors.unauthenticated()
            throttle_write(request)
        return errors.guarded(lambda: cls.perform(info, request.user, **kwargs))

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, user: Any, **kwargs: Any) -> Any:
        raise NotImplementedError
