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
from core.http.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from core.http.problems import PROBLEM_CONTENT_TYPE

if TYPE_CHECKING:
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.request import Request

# The paging parameters of views that paginate by hand (an APIView, or an action whose
# paginator the generator cannot see): one definition, the bounds the paginators enforce.
CURSOR_PARAMETER = OpenApiParameter(
    "cursor",
    str,
    description="Opaque position from a `next` or `previous` link.",
    required=False,
)


def page_size_parameters(
    maximum: int = MAX_PAGE_SIZE, *, deprecated_aliases: tuple[str, ...] = ()
) -> list[OpenApiParameter]:
    """``page_size`` with the bounds a list enforces (``StrictPageSize``), and the old
    names it still answers to, documented as deprecated."""
    bounds = {"type": "integer", "minimum": 1, "maximum": maximum}
    return [
        OpenApiParameter(
            "page_size",
            bounds,
            description=f"Items per page, 1 to {maximum} (default {DEFAULT_PAGE_SIZE}).",
            required=False,
        ),
        *(
            OpenApiParameter(
                alias,
                bounds,
                description="Deprecated: the old name of `page_size` (which wins when "
                "both are sent).",
                required=False,
                deprecated=True,
            )
            for alias in deprecated_aliases
        ),
    ]


(PAGE_SIZE_PARAMETER,) = page_size_parameters()
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


QUALIFIES = "x-qualifies"


def qualifier_parameter(
    name: str, qualifies: str, schema: Any, *, description: str, **kwargs: Any
) -> OpenApiParameter:
    """A query parameter that says how to read another one, not a filter: jobs'
    ``salary_min_period`` is the period ``salary_min`` is given in. Marked with
    ``x-qualifies: <the other>``, so a client (and the contract suite) does not take it
    for a filter on an item field of a similar name. Listed after the serializer that
    declares it, whose entry it replaces."""
    return OpenApiParameter(
        name,
        schema,
        required=False,
        description=description,
        extensions={QUALIFIES: qualifies},
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

    def _is_list_view(self, serializer: Any = None) -> bool:
        """An operation answering a list envelope (``envelope_serializer``) is a list:
        its 400 names fields (``cursor``, ``page_size``), its paginator's parameters
        are documented and a page past the end may be a 404."""
        main = serializer if serializer is not None else self.get_response_serializers()
        if isinstance(main, dict) and main:
            main = {str(code): s for code, s in main.items()}
            main = main[min(main)]
        if getattr(main, "is_envelope", False):
            return True
        listed: bool = super()._is_list_view(serializer)
        return listed

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
        # details too, whichever ``...Problem`` serializer describes their extra members:
        # document them with the content type they are sent with.
        for status_code, response in responses.items():
            content = response.get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            if str(status_code) >= "400" and schema.get("$ref", "").endswith("Problem"):
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
_STREAM_EVENTS: dict[str, dict[str, Any]] = {}
_REF = "#/components/schemas/"


def _event_schema(event_types: tuple[str, ...], data_schema: dict[str, Any]) -> dict[str, Any]:
    """One Server-Sent Event as OpenAPI 3.2 models it (Media Type Object, "Special
    Considerations for Server-Sent Events"): an object of the fields the SSE format
    defines, comments left out. ``data`` is the event's text (several ``data:`` lines
    joined with newlines), here a JSON document described by ``contentSchema``."""
    return {
        "type": "object",
        "description": "One event of the stream, as an SSE parser yields it.",
        "required": ["data"],
        "properties": {
            "id": {
                "type": "string",
                "description": "The event id (`Last-Event-ID` resumes after it); a parser "
                "keeps the last one seen for events that carry none.",
            },
            "event": {
                "type": "string",
                "enum": list(event_types),
                "default": "message",
                "description": "The event type (`message` when the event names none).",
            },
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": data_schema,
                "description": "The event's payload: a JSON document.",
            },
            "retry": {
                "type": "integer",
                "minimum": 0,
                "description": "The reconnection delay in milliseconds.",
            },
        },
        "additionalProperties": False,
    }


def register_stream_operation(
    path: str,
    *,
    operation_id: str,
    tag: str,
    summary: str,
    description: str,
    parameters: list[dict[str, Any]],
    events: str,
    event_name: str,
    event_types: tuple[str, ...],
    data_schema: dict[str, Any],
) -> None:
    """Document a Server-Sent Events endpoint (an async Django view, which the DRF-based
    generator cannot see). ``events`` describes the events; ``event_name`` names the
    component schema of one event (``event_types`` its types, ``data_schema`` the JSON of
    its ``data``). Every stream answers 404 for an unknown resource and 204 when there is
    nothing more to send. Marked ``x-nexus-stream`` so request-replaying tools (the fuzz
    harness) can skip it.

    The 200's ``text/event-stream`` schema is one event, not the whole body: what
    OpenAPI 3.2 calls ``itemSchema``. A 3.1 Media Type Object has no ``itemSchema``, and
    SSE-aware 3.0/3.1 tools (schemathesis) read ``schema`` per event; ``x-itemSchema``
    repeats it under 3.2's name, so the move to 3.2 is a rename."""

    def problem(description: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": f"{_REF}Problem"}}},
        }

    _STREAM_EVENTS[event_name] = _event_schema(event_types, data_schema)
    event = {"$ref": f"{_REF}{event_name}"}
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
                "content": {"text/event-stream": {"schema": event, "x-itemSchema": event}},
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
    """drf-spectacular postprocessing hook: adds the registered stream operations and the
    schemas of their events."""
    paths = result.setdefault("paths", {})
    for path, operation in _STREAM_OPERATIONS.items():
        paths.setdefault(path, {})["get"] = operation
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_STREAM_EVENTS)
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


# --- JSON Schema 2020-12 ----------------------------------------------------------------


def _without_nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    schema = {key: _without_nullable(value) for key, value in node.items()}
    flag = schema.get("nullable")
    if not isinstance(flag, bool):  # absent, or a property named `nullable`
        return schema
    del schema["nullable"]
    if not flag:
        return schema
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list):
        schema["type"] = [*kind, *([] if "null" in kind else ["null"])]
    else:
        return {"oneOf": [schema, {"type": "null"}]}
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def jsonschema_nullable(
    result: dict[str, Any], generator: SchemaGenerator, request: Request | None, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook, the last: OpenAPI 3.1 schemas are JSON Schema
    2020-12, which has no ``nullable``. drf-spectacular writes type arrays itself, but
    schemas it copies as written (DRF's paginators' ``get_paginated_response_schema``)
    may still say ``nullable: true``: rewrite them as ``type: [..., "null"]``."""
    converted: dict[str, Any] = _without_nullable(result)
    return converted
