"""Read-only serializers whose fields are built once per process.

DRF builds a serializer's fields anew for every serializer object: a ``ModelSerializer``
introspects its model each time (``get_fields``: the model's fields, their kwargs, their
validators), which was a quarter of ``GET /api/v1/auth/me/`` (bench/RESULTS.md,
"Per-request tax"). A response that only *shows* objects does not need that:
``Representation(UserSerializer)`` keeps one serializer, its fields built and bound once
(on first use, under a lock), and answers ``to_representation`` of each object with it:
the same dict as ``UserSerializer(obj).data``, the same bytes once rendered.

``to_representation`` only reads the serializer and its fields, so threads share it.
It runs without a context (no ``request``): a serializer whose fields would read one
(hyperlinks, file URLs) is refused when it is first built, and a view whose output
depends on the request keeps building its serializer per request.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from rest_framework import serializers
from rest_framework.relations import HyperlinkedIdentityField, HyperlinkedRelatedField

_T = TypeVar("_T")

# Fields whose output depends on the request in the context.
_NEEDS_REQUEST = (HyperlinkedRelatedField, HyperlinkedIdentityField, serializers.FileField)


class Representation(Generic[_T]):
    """``serializer_class(obj).data``, without building the serializer's fields per call."""

    def __init__(self, serializer_class: type[serializers.Serializer[_T]]) -> None:
        self.serializer_class = serializer_class
        self._serializer: serializers.Serializer[_T] | None = None
        self._lock = threading.Lock()

    def _built(self) -> serializers.Serializer[_T]:
        serializer = self._serializer
        if serializer is None:
            with self._lock:
                if self._serializer is None:
                    fresh = self.serializer_class()
                    contextual = [
                        name
                        for name, field in fresh.fields.items()  # built and bound here, once
                        if isinstance(field, _NEEDS_REQUEST)
                    ]
                    if contextual:
                        raise TypeError(
                            f"{self.serializer_class.__name__}'s {', '.join(contextual)} "
                            "read the request: build that serializer per request"
                        )
                    self._serializer = fresh
                serializer = self._serializer
        return serializer

    def one(self, instance: _T) -> dict[str, Any]:
        """What ``serializer_class(instance).data`` holds."""
        represented: dict[str, Any] = self._built().to_representation(instance)
        return represented

    def many(self, instances: Iterable[_T]) -> list[dict[str, Any]]:
        """What ``serializer_class(instances, many=True).data`` holds."""
        serializer = self._built()
        return [serializer.to_representation(instance) for instance in instances]
