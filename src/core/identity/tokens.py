"""JWT classes whose claims are checked before anything uses them.

simplejwt verifies the signature and then trusts the claims' types: a correctly
signed token with ``user_id: "abc"`` (or a list), ``exp: 10**20`` or a list as
``jti`` reaches the database or ``datetime`` and ends in a 500. A token signed
with our key should only ever carry what we issue, so anything else is refused
as an invalid token (a 401 everywhere: REST, refresh, logout and GraphQL).

Only a genuine token of the class's own type that has outlived its lifetime raises
``ExpiredTokenError`` (``token_expired`` to clients, who refresh); everything else
raises a plain ``TokenError`` (``token_not_valid``).

A refresh token is spent (by a refresh or a logout) with ``RefreshToken.spend``: one
INSERT into the blacklist that its unique constraint guards, so of any number of
concurrent spends of one token exactly one succeeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

MAX_ID = 2**63 - 1
# Seconds since the epoch up to the year 9999: datetime can represent all of them.
MAX_TIMESTAMP = 253_402_300_799
MAX_JTI_LENGTH = 255  # OutstandingToken.jti's column


def parse_user_id(value: object) -> int | None:
    """The user id claim as a database id, or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and 1 <= value <= MAX_ID:
        return value
    return None


def check_claims(payload: dict[str, Any]) -> None:
    """Raise TokenError unless every claim we rely on has the type and range we issue."""
    for claim in ("exp", "iat", "nbf"):
        if claim in payload:
            value = payload[claim]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TokenError(f"Token claim '{claim}' is not a timestamp")
            if not 0 <= value <= MAX_TIMESTAMP:
                raise TokenError(f"Token claim '{claim}' is out of range")
    jti = payload.get(api_settings.JTI_CLAIM)
    if jti is not None and (not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH):
        raise TokenError("Token id is malformed")
    token_type = payload.get(api_settings.TOKEN_TYPE_CLAIM)
    if token_type is not None and not isinstance(token_type, str):
        raise TokenError("Token type is malformed")
    if api_settings.USER_ID_CLAIM in payload and (
        parse_user_id(payload[api_settings.USER_ID_CLAIM]) is None
    ):
        raise TokenError("Token user id is malformed")


if TYPE_CHECKING:
    # What the mixin is mixed into, so ``super().verify()`` and ``payload`` are typed.
    _TokenBase = tokens.Token
else:
    _TokenBase = object


class CheckedClaimsMixin(_TokenBase):
    def __init__(self, token: Any = None, verify: bool = True) -> None:
        try:
            super().__init__(token, verify)
        except ExpiredTokenError:
            # PyJWT checks the signature before the expiry, so the token is ours; but an
            # expired token of another type (a refresh token sent as an access token) is
            # misused, not merely old.
            claims = self.get_token_backend().decode(token, verify=False)
            if claims.get(api_settings.TOKEN_TYPE_CLAIM) != self.token_type:
                raise TokenError("Token has wrong type") from None
            raise

    def verify(self) -> None:
        check_claims(self.payload)
        try:
            super().verify()
        except (ValueError, TypeError, OverflowError, OSError) as exc:
            raise TokenError("Token claims are malformed") from exc


class AccessToken(CheckedClaimsMixin, tokens.AccessToken):
    pass


# mypy checks simplejwt's own bases again in any class with two: its
# BlacklistMixin["RefreshToken"].for_user returns simplejwt's RefreshToken, where
# Token.for_user returns the class it is called on.
class RefreshToken(CheckedClaimsMixin, tokens.RefreshToken):  # type: ignore[misc]  # simplejwt's for_user clash
    access_token_class = AccessToken

    def spend(self) -> None:
        """Blacklist this token, or raise ``TokenError`` if it already is, however many
        requests spend it at once.

        simplejwt's ``blacklist()`` is a ``get_or_create``: a read, then an insert only if
        nothing was found, so concurrent refreshes of one token all "blacklist" it and all
        get a new pair. Here the INSERT itself decides: the blacklist has one row per
        token (a unique constraint), so the first spend inserts it and every other one,
        concurrent or later, fails on the constraint (PostgreSQL makes a concurrent insert
        wait for the first one's transaction, and fail if it commits)."""
        jti = self.payload[api_settings.JTI_CLAIM]
        outstanding = OutstandingToken.objects.filter(jti=jti).first()
        if outstanding is None:
            # Issued before it was recorded (for_user records every token we issue).
            outstanding, _ = OutstandingToken.objects.get_or_create(
                jti=jti,
                defaults={
                    "user_id": self._existing_user_id(),
                    "created_at": self.current_time,
                    "token": str(self),
                    "expires_at": datetime_from_epoch(self.payload["exp"]),
                },
            )
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction goes on
                BlacklistedToken.objects.create(token=outstanding)
        except IntegrityError:
            raise TokenError("Token is blacklisted") from None

    def _existing_user_id(self) -> int | None:
        from django.contrib.auth import get_user_model

        user_id = parse_user_id(self.payload.get(api_settings.USER_ID_CLAIM))
        if user_id is None or not get_user_model().objects.filter(pk=user_id).exists():
            return None
        return user_id
