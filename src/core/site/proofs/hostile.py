"""Core's proof, "never a 500": a burst of hostile requests through the whole Django
stack, in process, every one of which must be refused as a 4xx problem.

The requests go through ``django.test.Client``: the same middleware, URLconf, views,
parsers and error handlers as a request from the network, without a socket. Not HTTP
to the server itself: under ``make run`` one uvicorn process runs every synchronous
view on one thread, so a request to itself would wait for the very thread sending it.

What is sent is what an attacker sends and a schema does not describe: JSON nested
100,000 deep, a 5,000-digit number, a body over the size limit, a 1 MB GraphQL
document, a cycle of fragments, garbage cursors, ids past 64 bits on every route that
takes an id, unknown and NUL-laden query parameters, forged tokens, wrong content
types, and this very proof again while it runs (a 409). A GET of the API index goes
first, as a control: it must answer 200, or the burst would not be reaching the API the
way a client does.

Each request comes from an address of its own in 198.18.0.0/15 (RFC 2544's benchmarking
range): the per-address limits then let every one of them reach its parser instead of
answering 429, and none of them is counted against the visitor who pressed Run.
"""

from __future__ import annotations

import contextvars
import ipaddress
import json
import re
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpResponse, HttpResponseBase
from django.http.request import validate_host
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.http.problems import PROBLEM_CONTENT_TYPE
from core.identity.tokens import AccessToken
from core.site.proofs.registry import Outcome, proof
from core.site.proofs.sandbox import ProofRun

NAME = "never-a-500"
JSON = "application/json"
_BENCHMARKING = ipaddress.IPv4Network("198.18.0.0/15")
_ID_PARAMETER = re.compile(r"<id:\w+>")
# Ids the ``id`` converter refuses: one past the largest 64-bit id, and one of 31 digits.
_HUGE_IDS = (2**63, 10**30)
_SHOWN_URL = 160  # characters of a URL kept in the result


@dataclass(frozen=True)
class Hostile:
    label: str
    method: str
    path: str  # with its query string
    body: bytes = b""
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)
    graphql: bool = False


@dataclass(frozen=True)
class Answer:
    request: Hostile
    url: str  # as it was requested (scheme and host included)
    status: int
    code: str | None  # the problem's code (or the GraphQL error's) of a 4xx refusal
    ms: float

    @property
    def refused(self) -> bool:
        return self.code is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.request.label,
            "method": self.request.method,
            "url": self.url[:_SHOWN_URL],
            "status": self.status,
            "code": self.code,
            "ms": round(self.ms, 1),
        }


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _id_routes() -> list[str]:
    """Every API route of the URLconf whose only parameter is an id (``<id:pk>``), as a
    path template with ``{}`` for the id."""
    api = reverse("api-index")
    found: list[str] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
                continue
            path = "/" + route.lstrip("^")
            template = _ID_PARAMETER.sub("{}", path)
            if template != path and "<" not in template and path.startswith(api):
                found.append(template)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def hostile_requests(token: str) -> list[Hostile]:
    """The burst, in the order it is sent. ``token`` is a sandbox user's access token,
    so the operations behind sign-in parse their input too."""
    bearer = {"Authorization": f"Bearer {token}"}
    index, graphql = reverse("api-index"), reverse("graphql")
    login, register = reverse("auth:token"), reverse("auth:register")
    me, password = reverse("auth:me"), reverse("auth:password-change")
    notifications, read = reverse("auth:notifications"), reverse("auth:notifications-read")
    body_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 1_048_576
    fields = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 1000
    deep = 100_000
    # A document of about 1 MB whose request still fits under the body limit, so it is
    # the GraphQL layer that refuses it.
    words = min(1_000_000, body_limit - 1000) // len("username ")
    document = "{ me { " + "username " * words + "} }"
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    requests = [
        # Bodies nobody should send.
        Hostile(f"JSON nested {deep:,} deep", "POST", login, b"[" * deep + b"]" * deep),
        Hostile("JSON cut short", "POST", login, b'{"username": "demo", "password": '),
        Hostile("a number of 5,000 digits", "POST", login, b'{"username": 1' + b"0" * 5000 + b"}"),
        Hostile("undecodable bytes in JSON", "POST", login, b'{"username": "\xff\xfe"}'),
        Hostile("a JSON array for an object", "POST", login, b'[{"username": "demo"}]'),
        Hostile(
            "a NUL character in a JSON string",
            "POST",
            register,
            _json({"username": "nul\x00name", "email": "nul@example.org", "password": "x" * 20}),
        ),
        Hostile(
            f"a body of {body_limit + 1:,} bytes (the limit is {body_limit:,})",
            "POST",
            register,
            b'"' + b"a" * (body_limit - 1) + b'"',
        ),
        Hostile(
            f"{fields + 1:,} form fields",
            "POST",
            register,
            b"f=1&" * (fields + 1),
            "application/x-www-form-urlencoded",
        ),
        Hostile("a text/plain body", "POST", login, b"username=demo", "text/plain"),
        Hostile("an XML body", "POST", register, b"<user><name>x</name></user>", "application/xml"),
        # Signed in as the sandbox user: input behind authentication is parsed too.
        Hostile(
            "an id past 64 bits in a body", "POST", read, _json({"ids": [2**70]}), headers=bearer
        ),
        Hostile(
            "an email of 300 characters",
            "PATCH",
            me,
            _json({"email": "a" * 288 + "@example.org"}),
            headers=bearer,
        ),
        Hostile(
            "a password of 5,000 bytes",
            "POST",
            password,
            _json({"old_password": "x" * 5000, "new_password": "y" * 5000}),
            headers=bearer,
        ),
        Hostile(
            "a cursor made by hand",
            "GET",
            f"{notifications}?cursor=bm90LWEtY3Vyc29y",
            headers=bearer,
        ),
        Hostile(
            "a cursor of undecodable bytes", "GET", f"{notifications}?cursor=%FF%FE", headers=bearer
        ),
        Hostile("page_size=100000", "GET", f"{notifications}?page_size=100000", headers=bearer),
        Hostile(
            "a forged bearer token", "GET", me, headers={"Authorization": "Bearer not.a.token"}
        ),
        Hostile(
            "a tampered bearer token", "GET", me, headers={"Authorization": f"Bearer {tampered}"}
        ),
        Hostile("no token where one is needed", "GET", me),
        # URLs.
        Hostile("an unknown query parameter", "GET", f"{index}?nexus_unknown=1"),
        Hostile("a NUL byte in the query", "GET", f"{index}?q=%00"),
        Hostile(f"{fields + 1:,} query parameters", "GET", f"{index}?" + "p=1&" * (fields + 1)),
        Hostile("a NUL byte in the path", "GET", f"{index}%00/"),
        Hostile("a route that does not exist", "GET", f"{index}nowhere/"),
        Hostile("a method the route does not take", "DELETE", index),
        Hostile("this proof again, while it runs", "POST", reverse("proofs:run", args=[NAME])),
        # GraphQL.
        Hostile(
            f"a GraphQL document of {len(document):,} bytes",
            "POST",
            graphql,
            _json({"query": document}),
            graphql=True,
        ),
        Hostile(
            "a GraphQL selection nested 3,000 deep",
            "POST",
            graphql,
            _json({"query": "{" + "me{" * 3000 + "id" + "}" * 3000 + "}"}),
            graphql=True,
        ),
        Hostile(
            "a cycle of GraphQL fragments",
            "POST",
            graphql,
            _json(
                {"query": "{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }"}
            ),
            graphql=True,
        ),
        Hostile(
            "GraphQL variables that are not JSON",
            "POST",
            graphql,
            _json({"query": "query Q($n: Int) { me { id } }", "variables": "{not json"}),
            graphql=True,
        ),
        Hostile("a GraphQL batch", "POST", graphql, b'[{"query": "{ me { id } }"}]', graphql=True),
        Hostile(
            f"a GraphQL body nested {deep:,} deep",
            "POST",
            graphql,
            b"[" * deep + b"]" * deep,
            graphql=True,
        ),
    ]
    # An id the converter refuses, on every API route that takes one.
    for number, template in enumerate(_id_routes()):
        huge = _HUGE_IDS[number % len(_HUGE_IDS)]
        path = template.format(huge)
        requests.append(Hostile(f"an id of {len(str(huge))} digits", "GET", path, headers=bearer))
    return requests


def _addresses() -> Iterator[str]:
    """Random addresses of the benchmarking range, one per request."""
    base = int(_BENCHMARKING.network_address)
    while True:
        yield str(
            ipaddress.IPv4Address(base + 1 + secrets.randbelow(_BENCHMARKING.num_addresses - 2))
        )


def _host() -> str:
    """A host name the site answers to (``ALLOWED_HOSTS``), for the in-process requests."""
    allowed: list[str] = list(settings.ALLOWED_HOSTS)
    for candidate in ("testserver", *allowed):
        host = str(candidate).lstrip(".")
        if host and host != "*" and validate_host(host, allowed):
            return host
    return "localhost"


def refusal_code(response: HttpResponseBase, *, graphql: bool) -> str | None:
    """The code of a 4xx refusal: problem details (``application/problem+json`` with a
    ``code``), or on GraphQL an error with ``extensions.code``; None for anything else."""
    if not 400 <= response.status_code < 500 or not isinstance(response, HttpResponse):
        return None  # a success, a 5xx, or a stream: no refusal
    content_type = response.get("Content-Type", "")
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    if content_type == PROBLEM_CONTENT_TYPE:
        code = body.get("code")
        return code if isinstance(code, str) and code else None
    if graphql and content_type.startswith(JSON):
        errors = body.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else None
        extensions = first.get("extensions") if isinstance(first, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        return code if isinstance(code, str) and code else None
    return None


def _send(client: Client, request: Hostile, address: str, host: str) -> Answer:
    started = time.perf_counter()
    response = client.generic(
        request.method,
        request.path,
        request.body,
        content_type=request.content_type,
        secure=True,
        headers={"Accept": JSON, **request.headers},
        REMOTE_ADDR=address,
        HTTP_HOST=host,
    )
    elapsed = (time.perf_counter() - started) * 1000
    code = refusal_code(response, graphql=request.graphql)
    return Answer(request, f"https://{host}{request.path}", response.status_code, code, elapsed)


def burst(run: ProofRun) -> tuple[Answer, list[Answer]]:
    """The control request, then every hostile request, each answered in full."""
    token = str(AccessToken.for_user(run.user("hostile")))
    client = Client(raise_request_exception=False)
    host, addresses = _host(), _addresses()
    control = Hostile("the control: the API index", "GET", reverse("api-index"))
    return _send(client, control, next(addresses), host), [
        _send(client, request, next(addresses), host) for request in hostile_requests(token)
    ]


@proof(
    NAME,
    title="Never a 500",
    description="A burst of hostile requests (deep JSON, huge ids, bad cursors, a 1 MB GraphQL "
    "document, forged tokens, wrong content types) through the whole stack: only 4xx problems.",
    test="tests/core/test_hostile_input.py::test_hostile_requests_are_problems_with_debug_on_or_off",
)
def never_a_500(run: ProofRun) -> Outcome:
    # In a context of its own: each request sets and clears the request id and client
    # address of the log records (context variables), which stay those of the run.
    control, answers = contextvars.copy_context().run(burst, run)
    statuses = Counter(answer.status for answer in answers)
    refused = sum(answer.refused for answer in answers)
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    total = len(answers)
    held = control.status == 200 and refused == total
    by_status = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    happened = f"{refused} of {total} refused as 4xx problems ({by_status}); {server_errors} 5xx"
    if control.status != 200:
        happened += f"; the control request answered {control.status}, not 200"
    unexpected = [answer.as_dict() for answer in answers if not answer.refused]
    return Outcome(
        held=held,
        expected=f"all {total} hostile requests refused with a 4xx problem (problem details, "
        "or a GraphQL error with a code), not one 5xx; the control request answers 200",
        happened=happened,
        counts={
            "requests": total,
            "refused_4xx": refused,
            "server_errors_5xx": server_errors,
            "other": total - refused - server_errors,
            **{f"status_{status}": count for status, count in sorted(statuses.items())},
        },
        guard="core.http: the body-size guard, the JSON parser's depth and number limits, "
        "the id converter, strict query parameters, the GraphQL document limits, and the "
        "handlers that answer every refusal as problem details",
        details={
            "control": control.as_dict(),
            "unexpected": unexpected,
            "requests": [answer.as_dict() for answer in answers],
        },
    )
