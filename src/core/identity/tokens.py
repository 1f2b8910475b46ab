"""JWT classes whose claims are checked before anything uses them.

simplejwt verifies the signature and then trusts the claims' types: a correctly
signed token with ``user_id: "abc"`` (or a list), ``exp: 10**20`` or a list as
``jti`` reaches the database or ``datetime`` and ends in a 500. A token signed
with our key should only ever carry what we issue, so anything else is refused
as an invalid token (a 401 everywhere: REST, refresh, logout and GraphQL).

Only a genuine token of the class's own type that has outlived its lifetime raises
``ExpiredTokenError`` (``token_expired`` to clients, who refresh); everything else
raises a plain ``TokenError`` (``token_not_valid``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings

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
