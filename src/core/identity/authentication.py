"""Bearer-token authentication shared by REST and GraphQL.

simplejwt's, with one more guarantee: any token that does not authenticate is
a 401, never a 500. The token classes (core.identity.tokens) check the claims' types;
this checks the user id before it reaches the database.
"""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings

from core.identity.tokens import parse_user_id


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token: Any) -> Any:
        user_id = parse_user_id(validated_token.get(api_settings.USER_ID_CLAIM))
        if user_id is None:
            raise InvalidToken("Token contained no recognizable user identification")
        return super().get_user(validated_token)
