"""``/api/v1/auth/``: register, obtain, refresh and revoke tokens, read and update the
current user, change the password."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views

from core.http.representation import Representation
from core.http.throttling import AuthIPThrottle
from core.identity import selectors, services
from core.identity.actors import authenticated_user
from core.identity.api import serializers

_AUTH_THROTTLES = [AuthIPThrottle]

# The user as ``me/`` shows it, the serializer's fields built once per process.
_ME = Representation(serializers.UserSerializer)


if TYPE_CHECKING:
    # What the mixin is mixed into, so ``super().finalize_response()`` is typed.
    _ViewBase = APIView
else:
    _ViewBase = object


# Responses that carry tokens or personal data: no cache may keep them
# (``Cache-Control: no-store``), errors included.
class NoStoreMixin(_ViewBase):
    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


@extend_schema(
    summary="Register a user",
    description="Creates an account and signs it in: the new `user` beside a token pair, "
    "the same `access` and `refresh` that `token/` gives. Everyone is a `customer`; `role` "
    "may add `candidate` or `employer`. A 400 names every bad field at once. "
    "Rate-limited per IP.",
    request=serializers.RegisterSerializer,
    responses={201: serializers.RegisteredSerializer},
    examples=[
        OpenApiExample(
            "Employer",
            value={
                "username": "acme",
                "email": "hiring@acme.test",
                "password": "long-and-unusual-42",
                "role": "employer",
            },
            request_only=True,
        )
    ],
)
class RegisterView(NoStoreMixin, APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type[BaseAuthentication]] = []
    throttle_classes = _AUTH_THROTTLES

    def post(self, request: Request) -> Response:
        payload = serializers.RegisterSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = services.user_register(**payload.validated_data)
        pair = services.user_tokens_issue(user=user)
        body = serializers.RegisteredSerializer(
            {
                "user": selectors.user_with_roles(user=user),
                "access": pair.access,
                "refresh": pair.refresh,
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(
    summary="Obtain a token pair",
    description="Exchange username (any case) and password for an `access` token "
    "(short-lived, send as `Authorization: Bearer …`) and a `refresh` token.",
    responses={200: serializers.TokenPairSerializer},
)
class TokenObtainPairView(NoStoreMixin, jwt_views.TokenObtainPairView):
    serializer_class = serializers.TokenObtainPairSerializer
    throttle_classes = _AUTH_THROTTLES
    openapi_problems = (401,)


@extend_schema(
    summary="Refresh the token pair",
    description="Returns a new `access` and a new `refresh`; the refresh token sent is "
    "blacklisted (rotation), so reusing it fails with 401.",
)
class TokenRefreshView(NoStoreMixin, jwt_views.TokenRefreshView):
    serializer_class = serializers.TokenRefreshSerializer
    throttle_classes = _AUTH_THROTTLES
    openapi_problems = (401,)


@extend_schema(
    summary="Log out (blacklist a refresh token)",
    description="The refresh token stops working at once; access tokens expire on their own.",
    responses={200: serializers.LoggedOutSerializer},
)
class TokenBlacklistView(NoStoreMixin, jwt_views.TokenBlacklistView):
    serializer_class = serializers.TokenBlacklistSerializer
    throttle_classes = _AUTH_THROTTLES
    openapi_problems = (401,)


class MeView(NoStoreMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Current user", responses={200: serializers.UserSerializer})
    def get(self, request: Request) -> Response:
        user = selectors.user_with_roles(user=authenticated_user(request))
        return Response(_ME.one(user))

    @extend_schema(
        summary="Update my profile",
        description="Email (unique regardless of case), first and last name.",
        request=serializers.ProfileUpdateSerializer,
        responses={200: serializers.UserSerializer},
    )
    def patch(self, request: Request) -> Response:
        payload = serializers.ProfileUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        user = services.user_update(user=authenticated_user(request), data=payload.validated_data)
        return Response(_ME.one(selectors.user_with_roles(user=user)))


@extend_schema(
    summary="Change my password",
    description="Checks the current password and the password rules, then revokes every "
    "refresh token (other devices are logged out). Returns 204.",
    request=serializers.PasswordChangeSerializer,
    responses={204: None},
)
class PasswordChangeView(NoStoreMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = _AUTH_THROTTLES

    def post(self, request: Request) -> Response:
        payload = serializers.PasswordChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.user_password_change(user=authenticated_user(request), **payload.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
