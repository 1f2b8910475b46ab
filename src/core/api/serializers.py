from __future__ import annotations

from django.contrib.auth.password_validation import password_validators_help_texts
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer as JWTRefreshSerializer

from core.models import Notification, User
from core.roles import SELF_SERVICE_ROLES


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Role names (groups)."
    )

    class Meta:
        model = User
        fields = ("id", "username", "email", "first_name", "last_name", "roles", "date_joined")
        read_only_fields = ("id", "username", "roles", "date_joined")


class RegisterSerializer(serializers.Serializer):
    username = serializers.RegexField(
        r"^[\w.@+-]+\Z",
        max_length=150,
        help_text="Letters, digits and @/./+/-/_ only; unique regardless of case.",
    )
    email = serializers.EmailField(help_text="Unique regardless of case.")
    password = serializers.CharField(
        write_only=True,
        style={"input_type": "password"},
        help_text=" ".join(password_validators_help_texts()),
    )
    role = serializers.ChoiceField(
        choices=sorted(SELF_SERVICE_ROLES),
        required=False,
        allow_null=True,
        help_text="Optional extra role; everyone is a customer.",
    )


class ProfileUpdateSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(write_only=True, style={"input_type": "password"})
    new_password = serializers.CharField(
        write_only=True,
        style={"input_type": "password"},
        help_text=" ".join(password_validators_help_texts()),
    )


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ("id", "kind", "title", "body", "data", "created_at", "read_at", "read")
        read_only_fields = fields

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationMarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=500,
        help_text="Notification ids to mark read; omit to mark all unread ones.",
    )


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications changed to read.")
    unread = serializers.IntegerField(help_text="How many remain unread.")


class TokenRefreshSerializer(JWTRefreshSerializer):
    """simplejwt's refresh, but a token whose user was deleted is a 401, not a 500
    (simplejwt looks the user up with ``.get()`` and lets DoesNotExist escape)."""

    def validate(self, attrs):  # type: ignore[no-untyped-def]
        try:
            return super().validate(attrs)
        except User.DoesNotExist as exc:
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from exc
