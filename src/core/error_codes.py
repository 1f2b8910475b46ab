"""Stable problem types. ``code`` is what clients switch on; each has a page at
``/problems/<code>/`` so the RFC 9457 ``type`` URI is dereferenceable."""

from __future__ import annotations

from enum import Enum


class ProblemCode(Enum):
    # value: (status, title, description)
    BAD_REQUEST = (400, "Bad request", "The request could not be understood.")
    PARSE_ERROR = (
        400,
        "Malformed request body",
        "The body is not valid for its Content-Type (for example, broken JSON).",
    )
    VALIDATION_ERROR = (
        400,
        "Invalid input",
        "One or more fields are invalid; `errors` maps each field to its messages and codes.",
    )
    NOT_AUTHENTICATED = (
        401,
        "Authentication required",
        "Send `Authorization: Bearer <access token>` from `POST /api/v1/auth/token/`.",
    )
    AUTHENTICATION_FAILED = (401, "Authentication failed", "The credentials were not accepted.")
    TOKEN_NOT_VALID = (
        401,
        "Token not valid",
        "The token is expired, tampered with, of the wrong type, or was revoked.",
    )
    PERMISSION_DENIED = (
        403,
        "Permission denied",
        "You are authenticated but may not do this to this resource.",
    )
    NOT_FOUND = (404, "Not found", "No resource at this address, or not one you may see.")
    METHOD_NOT_ALLOWED = (
        405,
        "Method not allowed",
        "This address does not accept that HTTP method; see the `Allow` header.",
    )
    NOT_ACCEPTABLE = (406, "Not acceptable", "No representation matches the `Accept` header.")
    CONFLICT = (409, "Conflict", "The request conflicts with the resource's current state.")
    PAYLOAD_TOO_LARGE = (413, "Payload too large", "The request body exceeds the limit.")
    UNSUPPORTED_MEDIA_TYPE = (
        415,
        "Unsupported media type",
        "Send the body as `application/json` (or a form type the operation lists).",
    )
    THROTTLED = (
        429,
        "Too many requests",
        "The rate limit for this operation was reached; retry after `Retry-After` seconds.",
    )
    SERVER_ERROR = (
        500,
        "Internal server error",
        "An unexpected error; it has been logged with the request id.",
    )
    SERVICE_UNAVAILABLE = (503, "Service unavailable", "A dependency is down; try again later.")

    @property
    def code(self) -> str:
        return self.name.lower()

    @property
    def status(self) -> int:
        return self.value[0]

    @property
    def title(self) -> str:
        return self.value[1]

    @property
    def description(self) -> str:
        return self.value[2]

    @classmethod
    def from_code(cls, code: str) -> ProblemCode | None:
        return cls.__members__.get(code.upper())

    @classmethod
    def for_status(cls, status: int) -> ProblemCode:
        for member in cls:
            if member.status == status:
                return member
        return cls.SERVER_ERROR if status >= 500 else cls.BAD_REQUEST
