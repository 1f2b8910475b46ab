"""OpenAPI generation: every operation documents its problem-details errors.

The auto schema adds the problem responses each operation can really give,
as ``application/problem+json``, so a frontend (and the fuzzer, which checks
every response against this schema) sees the whole contract:

- 400 everywhere (a malformed request: too many parameters, a NUL byte), with
  field errors: an unknown query parameter anywhere, a bad field on writes and on
  lists (filters, an invalid ``cursor``/``page``);
- 401 wherever a bearer token is read (a stale token is refused, not ignored:
  see ``AutoSchema``) and where a view says it checks credentials;
- 403 where permissions are not public; 404 with a path parameter; 413 and 415
  on writes; 429 where throttles apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import Direction, OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from core.http.catalogue import ProblemCode
from core.http.pagination import MAX_PAGE_SIZE
from core.http.problems import PROBLEM_CONTENT_TYPE

if TYPE_CHECKING:
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.request import Request

# The paging parameters of views that paginate by hand (an APIView, or an action whose
# paginator the generator cannot see): one definition, the bounds the paginators enforce.
CURSOR_PARAMETER = OpenApiParameter(
    "cursor", str, description="Opaque position from a `next` link.", required=False
)
PAGE_SIZE_PARAMETER = OpenApiParameter(
    "page_size",
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    description=f"Items per page, 1 to {MAX_PAGE_SIZE} (default 20).",
    required=False,
)
PAGE_PARAMETER = OpenApiParameter(
    "page", {"type": "integer", "minimum": 1}, description="A page number, from 1.", required=False
)
CURSOR_PAGE_PARAMETERS = [CURSOR_PARAMETER, PAGE_SIZE_PARAMETER]


def deprecated_parameter(
    name: str, replacement: str, schema: Any, **kwargs: Any
) -> OpenApiParameter:
    """A query parameter renamed to ``replacement`` that keeps working under its old
    ``name``: documented as deprecated (so it stays an allowed parameter), listed after the
    serializer or parameters that document the rest."""
    return OpenApiParameter(
        name,
        schema,
        required=False,
        deprecated=True,
        description=f"Deprecated: use `{replacement}` (the same values).",
        **kwargs,
    )


# Serializers' metaclass moves declared fields out of the class, so a field may share a
# name with a Serializer attribute (``instance``, ``errors``) without replacing it.
class ProblemSerializer(serializers.Serializer[dict[str, Any]]):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text="URI of the problem type; its page explains it.")
    title = serializers.CharField(help_text="Short, human-readable summary of the problem type.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong in this request.")
    code = serializers.CharField(help_text="Stable machine-readable code to switch on.")
    instance = serializers.CharField(  # type: ignore[assignment]  # a field, not .instance
        required=False, help_text="The request path."
    )
    request_id = serializers.CharField(
        required=False, help_text="Echo of X-Request-ID, also in the server logs."
    )

    class Meta:
        ref_name = "Problem"


class ValidationProblemSerializer(ProblemSerializer):
    errors = serializers.DictField(  # type: ignore[assignment]  # a field, not Serializer.errors
        required=False,
        child=serializers.ListField(
            child=inline_serializer(
                name="FieldError",
                fields={
                    "message": serializers.CharField(),
                    "code": serializers.CharField(help_text="Stable code, e.g. `required`."),
                },
            )
        ),
        help_text="With `validation_error`: field path (dotted for nested input, e.g. "
        "`items.0.quantity`) -> list of {message, code}; `non_field_errors` for the whole body.",
    )

    class Meta:
        ref_name = "ValidationProblem"


class IllegalTransitionProblemSerializer(ProblemSerializer):
    """Problem details of a refused status change: with `illegal_transition`, where the
    resource is and where you may move it instead."""

    current_status = serializers.CharField(
        required=False,
        help_text="With `illegal_transition`: the status the resource is in now (as a reader "
        "sees it, e.g. `expired` for an overdue order).",
    )
    allowed = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="With `illegal_transition`: the statuses you may move it to from there, as "
        "its `allowed_transitions` lists them; empty when there are none (a final status, or "
        "none of the next moves is yours).",
    )

    class Meta:
        ref_name = "IllegalTransitionProblem"


def _problem(problem: ProblemCode, serializer: type = ProblemSerializer) -> OpenApiResponse:
    return OpenApiResponse(response=serializer, description=problem.title)


_WRITE_METHODS = {"POST", "PUT", "PATCH"}
BAD_REQUEST_DESCRIPTION = (
    "Invalid input (`validation_error`: a field, a filter or an unknown query parameter, "
    "named in `errors`) or a malformed request (`bad_request`, `parse_error`)"
)


class AutoSchema(BaseAutoSchema):
    """Views may list extra problem statuses they answer in ``openapi_problems``
    (e.g. ``(401,)`` on the token endpoints, which check credentials themselves).

    A stale or invalid bearer token is a 401 even on public operations: silently
    serving such a client as anonymous would hide its bug (it believes it is signed
    in) until it acts on data it should not see; the 401 tells it to refresh.

    An operation's tag is its context: the first segment of its path after
    ``SCHEMA_PATH_PREFIX`` (``/api/v1/shop/...`` is ``shop``), drf-spectacular's
    default, so views name no tags."""

    def _error_responses(self) -> dict[str, OpenApiResponse]:
        errors: dict[str, OpenApiResponse] = {}
        view = self.view
        extra = set(getattr(view, "openapi_problems", ()))
        writes = self.method in _WRITE_METHODS
        # Every operation may answer validation_error: an unknown query parameter is one
        # (core.http.query), besides field errors on writes and lists.
        errors["400"] = OpenApiResponse(
            response=ValidationProblemSerializer,
            description=BAD_REQUEST_DESCRIPTION,
        )
        if writes:
            errors["413"] = _problem(ProblemCode.PAYLOAD_TOO_LARGE)
            errors["415"] = _problem(ProblemCode.UNSUPPORTED_MEDIA_TYPE)
        permissions = getattr(view, "permission_classes", [])
        public = not permissions or all(p is AllowAny for p in permissions)
        if getattr(view, "authentication_classes", None) or not public or 401 in extra:
            errors["401"] = _problem(ProblemCode.NOT_AUTHENTICATED)
        if not public:
            errors["403"] = _problem(ProblemCode.PERMISSION_DENIED)
        if "{" in self.path or self._is_list_view():  # a list's page past the last one
            errors["404"] = _problem(ProblemCode.NOT_FOUND)
        if getattr(view, "throttle_classes", None):
            errors["429"] = _problem(ProblemCode.THROTTLED)
        return errors

    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        # Errors a view declares itself (409 insufficient_stock, 422, ...) are problem
        # details too: document them with the content type they are sent with.
        for status_code, response in responses.items():
            content = response.get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            if str(status_code) >= "400" and schema.get("$ref", "").endswith(
                ("/Problem", "/ValidationProblem", "/IllegalTransitionProblem")
            ):
                content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        for status_code, response in self._error_responses().items():
            if status_code in responses:
                continue
            body = self._get_response_for_code(  # type: ignore[no-untyped-call]  # unannotated in drf-spectacular
                response, status_code, media_types=[PROBLEM_CONTENT_TYPE], direction=direction
            )
            responses[status_code] = body
        return responses


class NexusJWTScheme(SimpleJWTScheme):  # type: ignore[no-untyped-call]  # drf-spectacular's __init_subclass__
    """Documents core's JWT authentication as the bearer scheme simplejwt's is."""

    target_class = "core.identity.authentication.JWTAuthentication"


# --- streaming operations ---------------------------------------------------------------

_STREAM_OPERATIONS: dict[str, dict[str, Any]] = {}


def register_stream_operation(
    path: str,
    *,
    operation_id: str,
    tag: str,
    summary: str,
    description: str,
    parameters: list[dict[str, Any]],
    events: str,
) -> None:
    """Document a Server-Sent Events endpoint (an async Django view, which the DRF-based
    generator cannot see). ``events`` describes the events; every stream answers 404 for
    an unknown resource and 204 when there is nothing more to send. Marked
    ``x-nexus-stream`` so request-replaying tools (the fuzz harness) can skip it."""

    def problem(description: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }

    _STREAM_OPERATIONS[path] = {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "tags": [tag],
        "parameters": [
            *parameters,
            {
                "name": "Last-Event-ID",
                "in": "header",
                "required": False,
                "description": "The id of the last event received (browsers send it when "
                "they reconnect): the stream resumes without repeating it.",
                "schema": {"type": "string"},
            },
        ],
        "responses": {
            "200": {
                "description": events,
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            },
            "204": {"description": "Nothing more will come (e.g. the final event was seen)."},
            "400": {
                "description": BAD_REQUEST_DESCRIPTION,
                "content": {
                    PROBLEM_CONTENT_TYPE: {
                        "schema": {"$ref": "#/components/schemas/ValidationProblem"}
                    }
                },
            },
            "401": problem("Invalid credentials for the stream"),
            "404": problem("Not found"),
        },
        "security": [{}],
        "x-nexus-stream": True,
    }


def add_stream_operations(
    result: dict[str, Any], generator: SchemaGenerator, request: Request | None, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: adds the registered stream operations."""
    paths = result.setdefault("paths", {})
    for path, operation in _STREAM_OPERATIONS.items():
        paths.setdefault(path, {})["get"] = operation
    return result


# --- rate-limit headers -----------------------------------------------------------------

RATE_LIMIT_HEADERS: dict[str, dict[str, Any]] = {
    "RateLimit-Policy": {
        "description": "The limits that counted this request "
        "(draft-ietf-httpapi-ratelimit-headers), a structured-field list with one item per "
        'limit: `"<policy>";q=<requests>;w=<seconds>`, e.g. `"anon";q=120;w=60`. Absent '
        "when the limits could not be checked.",
        "schema": {
            "type": "string",
            "pattern": r'^"[a-z0-9_]+";q=\d+;w=\d+(, "[a-z0-9_]+";q=\d+;w=\d+)*$',
        },
    },
    "RateLimit": {
        "description": "The most restrictive of those limits now: "
        '`"<policy>";r=<requests left>;t=<seconds until more are allowed>`, e.g. '
        '`"anon";r=87;t=41`. On a 429, `r=0` and `t` is `Retry-After`.',
        "schema": {"type": "string", "pattern": r'^"[a-z0-9_]+";r=\d+;t=\d+$'},
    },
}
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before the request would be let through.",
    "schema": {"type": "integer", "minimum": 1},
}


def add_rate_limit_headers(
    result: dict[str, Any], generator: SchemaGenerator, request: Request | None, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: an operation that can answer 429 is
    throttled, and its successes and its 429 carry the RateLimit headers
    (``core.http.throttling``); the 429 also ``Retry-After``. Defined once, under
    ``components/headers``."""
    components = result.setdefault("components", {})
    components.setdefault("headers", {}).update(
        {**RATE_LIMIT_HEADERS, "Retry-After": RETRY_AFTER_HEADER}
    )
    refs = {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS}
    retry_after = {"$ref": "#/components/headers/Retry-After"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            if "429" not in responses:
                continue
            for status, response in responses.items():
                if status.startswith("2") or status == "429":
                    response.setdefault("headers", {}).update(refs)
            responses["429"]["headers"]["Retry-After"] = retry_after
    return result
