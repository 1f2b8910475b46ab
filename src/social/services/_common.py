"""What every social write shares: refusals (not signed in, forbidden) and the
checks of free text and URLs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from core.http.catalogue import ProblemError
from core.identity.models import User
from core.identity.roles import Actor
from social import error_codes
from social.models import URL_MAX_LENGTH, http_url


def _forbidden(detail: str) -> ProblemError:
    return ProblemError(error_codes.PERMISSION_DENIED, detail)


def _unauthenticated() -> ProblemError:
    return ProblemError(
        error_codes.NOT_AUTHENTICATED,
        "Sign in first: send `Authorization: Bearer <access token>`.",
    )


def _require_user(user: Actor) -> User:
    """The signed-in user acting; anyone else is a ``not_authenticated`` problem."""
    if user is None or not user.is_authenticated:
        raise _unauthenticated()
    return user


def _text(field: str, value: Any, *, max_length: int, required: bool = True) -> str:
    """``value`` as the client sent it (any JSON value): a string, stripped and checked,
    or a ``ValidationError`` on ``field``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: ValidationError("Enter text.", code="invalid")})
    text = value.strip()
    if "\x00" in text:
        raise ValidationError(
            {
                field: ValidationError(
                    "Null characters are not allowed.", code="null_characters_not_allowed"
                )
            }
        )
    if required and not text:
        raise ValidationError(
            {field: ValidationError("This field may not be blank.", code="blank")}
        )
    if len(text) > max_length:
        raise ValidationError(
            {
                field: ValidationError(
                    f"Ensure this field has no more than {max_length} characters.",
                    code="max_length",
                )
            }
        )
    return text


def _url(field: str, value: Any) -> str:
    text = _text(field, value, max_length=URL_MAX_LENGTH, required=False)
    if text:
        try:
            http_url(text)
        except ValidationError:
            raise ValidationError(
                {field: ValidationError("Enter a valid http(s) URL.", code="invalid")}
            ) from None
    return text
