"""Bearer-token authentication shared by REST and GraphQL.

simplejwt's, with two more guarantees: any token that does not authenticate is
a 401, never a 500 (the token classes, core.identity.tokens, check the claims' types;
this checks the user id before it reaches the database), and a genuine access token
that has only expired is ``token_expired``, apart from the forged, malformed and
misused ones (``token_not_valid``): the client refreshes rather than signs in again.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import ExpiredTokenError, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from core.identity.models import User
from core.identity.tokens import parse_user_id

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
        user = super().get_user(validated_token)
        assert isinstance(user, User)  # simplejwt loads get_user_model(): core.User
        return user
