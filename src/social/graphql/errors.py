"""Typed GraphQL errors: every refusal carries ``extensions.code`` (UNAUTHENTICATED,
FORBIDDEN, NOT_FOUND, BAD_USER_INPUT with ``field`` (the first bad argument) and, when a
service checked the arguments, ``errors`` (each bad one's ``{message, code}`` list, as
REST's ``validation_error``), THROTTLED with ``retryAfter``),
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
            return _field_errors(exc)
        return error(exc.messages[0], BAD_USER_INPUT)
    raise exc


def _field_errors(exc: ValidationError) -> GraphQLError:
    """One error for every bad field: ``field`` names the first (its message is the
    error's, when it is the only one) and ``errors`` maps each argument to its
    ``{message, code}`` list, as REST's ``validation_error`` does."""
    errors = {
        _camel(field): [
            {"message": message, "code": item.code or "invalid"}
            for item in items
            for message in item.messages
        ]
        for field, items in exc.error_dict.items()
    }
    first = next(iter(errors))
    message = (
        errors[first][0]["message"]
        if len(errors) == 1
        else f"Invalid input in: {', '.join(sorted(errors))}."
    )
    return error(message, BAD_USER_INPUT, field=first, errors=errors)


def guarded(call: Callable[[], T]) -> T:
    """Run a service call, raising its refusal as a typed GraphQL error."""
    try:
        return call()
    except (ProblemError, ValidationError) as exc:
        raise translate(exc) from None
