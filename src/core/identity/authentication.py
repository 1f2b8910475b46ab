"""Bearer-token authentication shared by REST and GraphQL.

simplejwt's, with one more guarantee: any token that does not authenticate is
a 401, never a 500. The token classes (core.identity.tokens) check the claims' types;
this checks the user id before it reaches the database.
"""

from __future__ import annotations

from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from core.identity.models import User
from core.identity.tokens import parse_user_id


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]  # simplejwt's is a TypeVar no argument binds
        user_id = parse_user_id(validated_token.get(api_settings.USER_ID_CLAIM))
        if user_id is None:
            raise InvalidToken("Token contained no recognizable user identification")
        user = super().get_user(validated_token)
        assert isinstance(user, User)  # simplejwt loads get_user_model(): core.User
        return user
