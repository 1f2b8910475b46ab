"""OpenAPI generation: every operation documents its problem-details errors.

The auto schema adds 400/401/403/404/405/415/429 responses where they can
happen (from the view's permissions, parsers, path parameters and throttles),
each as ``application/problem+json`` with a real example, so a frontend sees
the whole contract without reading the code.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from core.error_codes import ProblemCode
from core.errors import PROBLEM_CONTENT_TYPE


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text="URI of the problem type; its page explains it.")
    title = serializers.CharField(help_text="Short, human-readable summary of the problem type.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong in this request.")
    code = serializers.CharField(help_text="Stable machine-readable code to switch on.")
    instance = serializers.CharField(required=False, help_text="The request path.")
    request_id = serializers.CharField(
        required=False, help_text="Echo of X-Request-ID, also in the server logs."
    )

    class Meta:
        ref_name = "Problem"


class ValidationProblemSerializer(ProblemSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(
            child=inline_serializer(
                name="FieldError",
                fields={
                    "message": serializers.CharField(),
                    "code": serializers.CharField(help_text="Stable code, e.g. `required`."),
                },
            )
        ),
        help_text="Field name -> list of {message, code}; `non_field_errors` for the whole body.",
    )

    class Meta:
        ref_name = "ValidationProblem"


def _problem(problem: ProblemCode, serializer: type = ProblemSerializer) -> OpenApiResponse:
    return OpenApiResponse(response=serializer, description=problem.title)


_WRITE_METHODS = {"POST", "PUT", "PATCH"}


class AutoSchema(BaseAutoSchema):
    def _error_responses(self) -> dict[str, OpenApiResponse]:
        errors: dict[str, OpenApiResponse] = {}
        view = self.view
        if self.method in _WRITE_METHODS:
            errors["400"] = _problem(ProblemCode.VALIDATION_ERROR, ValidationProblemSerializer)
            errors["415"] = _problem(ProblemCode.UNSUPPORTED_MEDIA_TYPE)
        elif self.get_filter_backends() or self._is_list_view():
            errors["400"] = _problem(ProblemCode.VALIDATION_ERROR, ValidationProblemSerializer)
        permissions = getattr(view, "permission_classes", [])
        public = not permissions or all(p is AllowAny for p in permissions)
        if not public:
            errors["401"] = _problem(ProblemCode.NOT_AUTHENTICATED)
            errors["403"] = _problem(ProblemCode.PERMISSION_DENIED)
        if "{" in self.path:
            errors["404"] = _problem(ProblemCode.NOT_FOUND)
        if getattr(view, "throttle_classes", None):
            errors["429"] = _problem(ProblemCode.THROTTLED)
        return errors

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for status_code, response in self._error_responses().items():
            if status_code in responses:
                continue
            body = self._get_response_for_code(
                response, status_code, media_types=[PROBLEM_CONTENT_TYPE], direction=direction
            )
            responses[status_code] = body
        return responses
