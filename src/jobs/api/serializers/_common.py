"""What the job board's serializers share: the comma-separated list a query string
filter takes."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class CommaListField(serializers.CharField):
    """``a,b,c`` in a query string, each item one of ``choices`` (when given)."""

    def __init__(self, *, choices: list[str] | None = None, max_items: int = 10, **kwargs: Any):
        self.choices_allowed = choices
        self.max_items = max_items
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[str]:  # type: ignore[override]  # a comma-separated CharField parses to a list
        text = super().to_internal_value(data)
        items = [item.strip().lower() for item in text.split(",") if item.strip()]
        if len(items) > self.max_items:
            raise serializers.ValidationError(f"At most {self.max_items} values.")
        if self.choices_allowed is not None:
            unknown = [item for item in items if item not in self.choices_allowed]
            if unknown:
                raise serializers.ValidationError(
                    f"Unknown {unknown[0][:40]!r}; use: {', '.join(self.choices_allowed)}."
                )
        return items
