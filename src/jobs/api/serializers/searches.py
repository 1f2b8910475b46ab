"""Saved searches: as read, and as created, their filters checked by the job list's
own filter rules."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.http.pagination import envelope_serializer
from jobs.api.serializers.postings import JobFilterSerializer
from jobs.models import AlertFrequency, SavedSearch


class SavedSearchSerializer(serializers.ModelSerializer):
    filters = serializers.DictField(help_text="The job list's filters, as validated.")

    class Meta:
        model = SavedSearch
        fields = ("id", "name", "query", "filters", "frequency", "last_digest_at", "created_at")
        read_only_fields = fields


class SavedSearchCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    query = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="As the list's `q`."
    )
    filters = serializers.DictField(
        required=False,
        help_text="Any of the list's filters: location, remote, employment_type, "
        "experience_level, salary_min, currency, salary_period, company, tags.",
    )
    frequency = serializers.ChoiceField(
        choices=AlertFrequency.choices, default=AlertFrequency.DAILY
    )

    def validate_filters(self, value: dict[str, Any]) -> dict[str, Any]:
        """Each refusal under the filter's own path (``filters.employment_type``), as the
        client sent it."""
        allowed = set(JobFilterSerializer().fields) - {"q", "posted_within"}
        unknown = sorted(set(value) - allowed)
        if unknown:
            message = f"Unknown filter; use: {', '.join(sorted(allowed))}."
            raise serializers.ValidationError(
                {name[:40]: [message] for name in unknown[:5]}, code="unknown_filter"
            )
        text = {
            key: ",".join(map(str, item)) if isinstance(item, list) else item
            for key, item in value.items()
        }
        checked = JobFilterSerializer(data=text)
        if not checked.is_valid():
            raise serializers.ValidationError(checked.errors)
        return {k: v for k, v in checked.validated_data.items() if v is not None}


SavedSearchPageSerializer = envelope_serializer("SavedSearchPage", SavedSearchSerializer(many=True))
