"""Serializers of the auth API: registration, the user, profile and password, tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.db.models import CharField
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.fields import SkipField, empty
from rest_framework.settings import api_settings
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.exceptions import ExpiredTokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from core.identity import services, tokens
from core.identity.authentication import REFRESH_EXPIRED, TokenExpired
from core.identity.models import User
from core.identity.roles import SELF_SERVICE_ROLES
from core.identity.validators import MAX_PASSWORD_BYTES


def _max_length(name: str) -> int:
    """The length of one of the user's text columns (both are bounded)."""
    field = User._meta.get_field(name)
    assert isinstance(field, CharField)
    assert field.max_length is not None
    return field.max_length


EMAIL_MAX_LENGTH = _max_length("email")
USERNAME_MAX_LENGTH = _max_length("username")


def password_field(**kwargs: Any) -> serializers.CharField:
    """Passwords are taken as typed (no trimming), at most 4,096 bytes (the service
    checks bytes; this caps characters for the schema)."""
    return serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        max_length=MAX_PASSWORD_BYTES,
        style={"input_type": "password"},
        **kwargs,
    )


class UserSerializer(serializers.ModelSerializer[User]):
    roles = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Role names (groups)."
    )

    class Meta:
        model = User
        fields = (
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "roles",
            "is_staff",
            "date_joined",
        )
        read_only_fields = ("id", "username", "roles", "is_staff", "date_joined")
        extra_kwargs = {
            "is_staff": {"help_text": "Operates the store and the site (catalog, orders, admin)."}
        }


class RegisterSerializer(serializers.Serializer[dict[str, Any]]):
    username = serializers.CharField(
        max_length=USERNAME_MAX_LENGTH,
        help_text="Letters, digits and @/./+/-/_ only, from one writing system; "
        "unique regardless of case.",
    )
    email = serializers.EmailField(
        max_length=EMAIL_MAX_LENGTH, help_text="Unique regardless of case."
    )
    password = password_field(help_text=" ".join(password_validators_help_texts()))
    role = serializers.ChoiceField(
        choices=sorted(SELF_SERVICE_ROLES),
        required=False,
        allow_null=True,
        help_text="Optional extra role; everyone is a customer.",
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        try:
            values: dict[str, Any] = super().to_internal_value(data)
            return values
        except serializers.ValidationError as exc:
            if not isinstance(data, Mapping) or not isinstance(exc.detail, dict):
                raise
            # The service's checks (uniqueness, the password rules, ...) still run on the
            # fields accepted here, so one 400 names every bad field.
            refused = exc.detail
            found = services.user_register_errors(self._accepted(data, refused))
            more = serializers.as_serializer_error(DjangoValidationError(found)) if found else {}
            names = [*self.fields, api_settings.NON_FIELD_ERRORS_KEY]
            merged = {
                name: refused.get(name) or more[name]
                for name in names
                if name in refused or name in more
            }
            raise serializers.ValidationError(merged) from exc

    def _accepted(self, data: Mapping[str, Any], refused: Mapping[str, Any]) -> dict[str, Any]:
        """The fields that pass this serializer's own checks, with their values."""
        accepted: dict[str, Any] = {}
        for name, field in self.fields.items():
            primitive = field.get_value(data)
            if name in refused or primitive is empty:
                continue
            try:
                accepted[name] = field.run_validation(primitive)
            except (serializers.ValidationError, DjangoValidationError, SkipField):
                continue
        return accepted


class RegisteredSerializer(serializers.Serializer[dict[str, Any]]):
    user = UserSerializer(help_text="The new account, as `me/` returns it.")
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Exchange at `token/refresh/`; one use only.")


class ProfileUpdateSerializer(serializers.Serializer[dict[str, Any]]):
    email = serializers.EmailField(required=False, max_length=EMAIL_MAX_LENGTH)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)


class PasswordChangeSerializer(serializers.Serializer[dict[str, Any]]):
    old_password = password_field()
    new_password = password_field(help_text=" ".join(password_validators_help_texts()))


# simplejwt's serializers with our checked token classes (core.identity.tokens); login caps
# its inputs, so an over-long password is refused before anything hashes it. (Comments,
# not docstrings: docstrings become descriptions in the OpenAPI schema.)
class TokenObtainPairSerializer(jwt_serializers.TokenObtainPairSerializer):
    token_class = tokens.RefreshToken

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[self.username_field].validators.append(MaxLengthValidator(USERNAME_MAX_LENGTH))
        password = self.fields["password"]
        assert isinstance(password, serializers.CharField)  # simplejwt's PasswordField
        password.validators.append(MaxLengthValidator(MAX_PASSWORD_BYTES))
        password.trim_whitespace = False


class TokenPairSerializer(serializers.Serializer[dict[str, Any]]):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Exchange at `token/refresh/`; one use only.")


class LoggedOutSerializer(serializers.Serializer[dict[str, Any]]):
    """An empty object: the refresh token is blacklisted."""


# An expired refresh token is ``token_expired`` (sign in again), apart from the forged
# and revoked ones (``token_not_valid``, which simplejwt's view makes of a TokenError).
# Logging out spends the token as a refresh does (``RefreshToken.spend``): of a logout and
# a refresh racing on one token, one wins and the other is a 401.
class TokenBlacklistSerializer(jwt_serializers.TokenBlacklistSerializer):
    token_class = tokens.RefreshToken

    def validate(self, attrs: dict[str, Any]) -> dict[Any, Any]:
        try:
            refresh = tokens.RefreshToken(attrs["refresh"])
        except ExpiredTokenError as exc:
            raise TokenExpired(REFRESH_EXPIRED) from exc
        refresh.spend()
        return {}


# Rotation: the token sent is spent and its successor recorded in one transaction, so of
# concurrent refreshes of one token exactly one gets a new pair (the others a 401
# ``token_not_valid``), and a failure after the spend issues nothing. The same 401 and
# ``token_expired`` as logout; a token whose user was deleted is a 401 too, not a 500.
class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    token_class = tokens.RefreshToken

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        try:
            refresh = tokens.RefreshToken(attrs["refresh"])
        except ExpiredTokenError as exc:
            raise TokenExpired(REFRESH_EXPIRED) from exc
        user_id = tokens.parse_user_id(refresh.payload.get(jwt_settings.USER_ID_CLAIM))
        with transaction.atomic():
            # The user's row is held (as ``user_tokens_revoke`` holds it) from before the
            # spend to the commit: a password change or a logout everywhere racing this
            # refresh either comes first, and the spend finds the token revoked, or waits,
            # and then revokes the successor recorded here too.
            user = (
                User.objects.select_for_update(no_key=True).filter(pk=user_id).first()
                if user_id is not None
                else None
            )
            if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
                raise AuthenticationFailed(
                    self.error_messages["no_active_account"], "no_active_account"
                )
            refresh.spend()
            refresh.set_jti()
            refresh.set_exp()
            refresh.set_iat()
            refresh.outstand()
        return {"access": str(refresh.access_token), "refresh": str(refresh)}
