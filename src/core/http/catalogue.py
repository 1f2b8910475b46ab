"""Stable problem types. ``code`` is what clients switch on; each has a page at
``/problems/<code>/`` so the RFC 9457 ``type`` URI is dereferenceable."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

_CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,62}")


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
    NO_ACTIVE_ACCOUNT = (
        401,
        "Wrong credentials",
        "No active account matches this username and password.",
    )
    BAD_AUTHORIZATION_HEADER = (
        401,
        "Malformed Authorization header",
        "Send exactly `Authorization: Bearer <access token>`.",
    )
    TOKEN_NOT_VALID = (
        401,
        "Token not valid",
        "The token is malformed, tampered with, of the wrong type, or was revoked.",
    )
    TOKEN_EXPIRED = (
        401,
        "Token expired",
        "The token is genuine but its lifetime is over: refresh an expired access token "
        "at `POST /api/v1/auth/token/refresh/`; an expired refresh token means signing in "
        "again.",
    )
    USER_NOT_FOUND = (401, "User not found", "The token's user no longer exists.")
    USER_INACTIVE = (401, "User inactive", "The token's user has been deactivated.")
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
    ILLEGAL_TRANSITION = (
        409,
        "Illegal transition",
        "The resource cannot move to that status from its current one (for example, "
        "cancelling a shipped order or rejecting a hired candidate); `current_status` says "
        "where it is and, where the workflow lists them, `allowed` the statuses it can move to.",
    )
    PAYLOAD_TOO_LARGE = (413, "Payload too large", "The request body exceeds the limit.")
    QUERY_TOO_COMPLEX = (
        400,
        "GraphQL query too complex",
        "The GraphQL document exceeds a limit (bytes, tokens, depth, aliases, fields or "
        "estimated cost, which counts connection page sizes); "
        "the message names it. Split the query or ask for less.",
    )
    GRAPHQL_PARSE_FAILED = (400, "GraphQL syntax error", "The GraphQL document does not parse.")
    GRAPHQL_VALIDATION_FAILED = (
        400,
        "GraphQL document invalid",
        "The document does not match the schema (unknown fields or fragments, wrong "
        "arguments, fragment cycles); each error names what and where.",
    )
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
    DATABASE_BUSY = (
        503,
        "Database busy",
        "The database was busy with other writes and could not take this one in time "
        "(the embedded SQLite default has one writer at a time); retry after "
        "`Retry-After` seconds.",
    )
    HTTP_ERROR = (
        0,
        "HTTP error",
        "An HTTP error with no more specific type; `status` and `detail` say what happened.",
    )

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

    @property
    def problem(self) -> Problem:
        """This code's catalogue entry, for a service's ``ProblemError``."""
        return _CATALOGUE[self.code]

    @classmethod
    def from_code(cls, code: str) -> ProblemCode | None:
        return cls.__members__.get(code.upper())

    @classmethod
    def for_status(cls, status: int) -> ProblemCode:
        """The generic type for a status; HTTP_ERROR when core has none for it."""
        for member in cls:
            if member.status == status:
                return member
        return cls.HTTP_ERROR


@dataclass(frozen=True)
class Problem:
    """A catalogued problem type: what ``/problems/<code>/`` explains."""

    code: str
    status: int
    title: str
    description: str
    context: str = "core"


_CATALOGUE: dict[str, Problem] = {
    member.code: Problem(member.code, member.status, member.title, member.description)
    for member in ProblemCode
}

# Shared by every context with a status workflow (shop orders, job applications, ...).
ILLEGAL_TRANSITION = _CATALOGUE["illegal_transition"]


def register_problem(
    code: str, *, status: int, title: str, description: str, context: str
) -> Problem:
    """Add a context's own problem code to the catalogue (call it at import time of the
    context's ``errors`` module or from ``AppConfig.ready()``). Idempotent for the same
    definition; a clash with a different definition is a programming error."""
    if not _CODE_PATTERN.fullmatch(code):
        raise ValueError(f"problem codes are lower_snake_case slugs: {code!r}")
    problem = Problem(code, status, title, description, context)
    existing = _CATALOGUE.get(code)
    if existing is not None and existing != problem:
        raise ValueError(f"problem code {code!r} is already registered by {existing.context}")
    _CATALOGUE[code] = problem
    return problem


def lookup_problem(code: str) -> Problem | None:
    return _CATALOGUE.get(code)


def catalogue() -> list[Problem]:
    """Every problem type, core's first, then each context's, alphabetically."""
    return sorted(_CATALOGUE.values(), key=lambda p: (p.context != "core", p.context, p.code))


class ProblemError(Exception):
    """A refusal with a catalogued problem, raised by services (which know neither DRF
    nor graphene): REST answers it as problem details with ``problem.status``, GraphQL
    as an error with ``extensions.code``. ``extra`` members are added to the body
    (e.g. ``available=3``); ``retry_after`` becomes a ``Retry-After`` header."""

    def __init__(
        self, problem: Problem, detail: str, *, retry_after: int | None = None, **extra: object
    ) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail
        self.retry_after = retry_after
        reserved = RESERVED_MEMBERS & extra.keys()
        if reserved:
            raise ValueError(f"problem members {sorted(reserved)} are reserved")
        self.extra = extra


RESERVED_MEMBERS = frozenset(
    {"type", "title", "status", "detail", "code", "instance", "request_id", "errors"}
)
