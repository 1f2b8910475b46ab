"""Typed GraphQL errors: every refusal carries ``extensions.code`` (UNAUTHENTICATED,
FORBIDDEN, NOT_FOUND, BAD_USER_INPUT with ``field``, THROTTLED with ``retryAfter``),
the codes Apollo-style clients switch on. Services raise core's ProblemError and
Django's ValidationError; this module translates them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from graphql import GraphQLError

from core.http.catalogue import ProblemError

T = TypeVar("T")

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
BAD_USER_INPUT = "BAD_USER_INPUT"
THROTTLED = "THROTTLED"

_BY_STATUS = {401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 429: THROTTLED}


def error(message: str, code: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


def unauthenticated() -> GraphQLError:
    return error("Sign in first: send `Authorization: Bearer <access token>`.", UNAUTHENTICATED)


def bad_input(field: str, message: str) -> GraphQLError:
    return error(message, BAD_USER_INPUT, field=field)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def translate(exc: Exception) -> GraphQLError:
    if isinstance(exc, GraphQLError):
        return exc
    if isinstance(exc, ProblemError):
        code = _BY_STATUS.get(exc.problem.status, BAD_USER_INPUT)
        extra = {"retryAfter": exc.retry_after} if exc.retry_after else {}
        return error(exc.detail, code, **extra)
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.message_dict.items()))
            return error(errors[0], BAD_USER_INPUT, field=_camel(field))
        return error(exc.messages[0], BAD_USER_INPUT)
    raise exc


def guarded(call: Callable[[], T]) -> T:
    """Run a service call, raising its refusal as a typed GraphQL error."""
    try:
        return call()
    except (ProblemError, ValidationError) as exc:
        raise translate(exc) from None
