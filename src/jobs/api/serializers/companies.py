"""Companies and their members, as read, created, edited and filtered; the compact
``CompanyRefSerializer`` is how a job and an application show their company."""

from __future__ import annotations

from rest_framework import serializers

from core.http.fields import IdField
from core.http.pagination import envelope_serializer
from jobs.models import Company, MemberRole


class CompanyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    verified = serializers.BooleanField()
    logo_url = serializers.CharField()


class CompanySerializer(serializers.ModelSerializer):
    # Optional on the model: "" when not given, which the schema must allow (a bare
    # read-only URLField documents `format: uri` only).
    website = serializers.URLField(read_only=True, allow_blank=True)
    logo_url = serializers.URLField(read_only=True, allow_blank=True)

    class Meta:
        model = Company
        fields = (
            "id",
            "slug",
            "name",
            "website",
            "description",
            "logo_url",
            "verified",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


CompanyPageSerializer = envelope_serializer("CompanyPage", CompanySerializer(many=True))


class CompanyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=160)
    slug = serializers.SlugField(
        max_length=180, required=False, help_text="Made from the name when left out."
    )
    website = serializers.URLField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    logo_url = serializers.URLField(max_length=500, required=False, allow_blank=True)


class CompanyUpdateSerializer(CompanyCreateSerializer):
    verified = serializers.BooleanField(
        required=False, help_text="Moderators only; members edit the rest."
    )


class CompanyFilterSerializer(serializers.Serializer):
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only companies I belong to."
    )
    verified = serializers.BooleanField(required=False, allow_null=True, default=None)


class MemberAddSerializer(serializers.Serializer):
    user = IdField(help_text="The id of a user with the employer role.")
    role = serializers.ChoiceField(choices=MemberRole.choices, default=MemberRole.RECRUITER)


class MemberSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")
    role = serializers.CharField()
    created_at = serializers.DateTimeField()
