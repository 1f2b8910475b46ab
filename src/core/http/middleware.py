from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware

from core.http.catalogue import ProblemCode
from core.http.guard import body_limit, too_large_detail
from core.http.net import client_ip, peer_is_trusted, trusted_networks
from core.http.outages import database_outage
from core.http.problems import (
    database_outage_response,
    mark_logged,
    not_found_detail,
    problem_response,
    validation_summary,
    wants_problem,
)
from core.http.query import allowed_parameters, is_ready, unknown_parameter_errors
from core.http.request_id import VALID_REQUEST_ID, set_client_ip, set_request_id
from core.http.throttling import rate_limit_headers, rate_limits

REQUEST_ID_HEADER = "X-Request-ID"

# The next handler in the chain: a function under WSGI, a coroutine function under ASGI.
SyncGetResponse = Callable[[HttpRequest], HttpResponseBase]
AsyncGetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]


class HybridMiddleware:
    """Base for middleware that runs natively under WSGI and ASGI (no thread hop
    for the streaming poll endpoints). Subclasses implement ``before``/``after``."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: SyncGetResponse | AsyncGetResponse) -> None:
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def before(self, request: HttpRequest) -> HttpResponse | None:
        return None

    def after(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        return response

    def cleanup(self) -> None:
        return None

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        # A local: as the if's test, iscoroutinefunction would narrow ``self`` for mypy.
        is_async = iscoroutinefunction(self)
        if is_async:
            return self._acall(request)
        # Not marked a coroutine function: get_response is the synchronous kind.
        get_response = cast(SyncGetResponse, self.get_response)
        try:
            response = self.before(request) or get_response(request)
            return self.after(request, response)
        finally:
            self.cleanup()

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        get_response = cast(AsyncGetResponse, self.get_response)
        try:
            response = self.before(request) or await get_response(request)
            return self.after(request, response)
        finally:
            self.cleanup()


class RequestIdMiddleware(HybridMiddleware):
    """Take the caller's ``X-Request-ID`` (if well-formed) or make one; echo it back."""

    def before(self, request: HttpRequest) -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        # fullmatch: the pattern's "$" would let a trailing newline through (header injection).
        request_id = incoming if VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # ours, on Django's request
        set_request_id(request_id)

    def after(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response[REQUEST_ID_HEADER] = request.request_id  # type: ignore[attr-defined]  # set in before()
        return response

    def cleanup(self) -> None:
        set_request_id(None)


class RateLimitHeadersMiddleware(HybridMiddleware):
    """``RateLimit`` and ``RateLimit-Policy`` on every response whose request a throttle
    counted (REST views, GraphQL, a throttled mutation), from what the throttles' own
    checks found (``core.http.throttling``): a 429 included, which also has
    ``Retry-After``."""

    def after(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        for name, value in rate_limit_headers(rate_limits(request)).items():
            response[name] = value
        return response


class ClientIpMiddleware(HybridMiddleware):
    """``request.client_ip`` (``core.http.net.client_ip``), also on every log record.

    ``X-Forwarded-Proto``/``-Host``/``-Port`` are dropped unless the peer is a
    trusted proxy (``NEXUS_TRUSTED_PROXIES``), so ``SECURE_PROXY_SSL_HEADER`` and
    the forwarded host are believed only from the proxies that set them.
    """

    UNTRUSTED_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT")

    def __init__(self, get_response: SyncGetResponse | AsyncGetResponse) -> None:
        super().__init__(get_response)
        trusted_networks()  # a malformed NEXUS_TRUSTED_PROXIES fails at startup

    def before(self, request: HttpRequest) -> None:
        if not peer_is_trusted(request):
            for name in self.UNTRUSTED_HEADERS:
                request.META.pop(name, None)
        address = client_ip(request)
        request.client_ip = address  # type: ignore[attr-defined]  # ours, on Django's request
        set_client_ip(address)

    def cleanup(self) -> None:
        set_client_ip(None)


class MalformedRequestMiddleware(HybridMiddleware):
    """Refuse a NUL byte anywhere in the path or query string with a 400: no URL of
    ours has one, PostgreSQL cannot store or compare text containing it (a filter or
    search on it would be a 500), and it is a classic of injection payloads."""

    def before(self, request: HttpRequest) -> HttpResponse | None:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in query or "%00" in query:
            return problem_response(
                status=400,
                code="bad_request",
                detail="The URL contains a NUL byte (%00), which no parameter accepts.",
                instance=request.path.replace("\x00", "%00"),
            )
        return None


class BodySizeLimitMiddleware(HybridMiddleware):
    """Refuse declared bodies over the limit with a 413 before anything reads them.

    Django checks ``DATA_UPLOAD_MAX_MEMORY_SIZE`` only when ``request.body`` is
    read; DRF's parsers stream the body, so the check belongs here. Multipart
    uploads get the larger ``NEXUS_MAX_UPLOAD_BYTES``.
    """

    def before(self, request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return problem_response(
                status=400,
                code="bad_request",
                detail="Content-Length is not a number.",
                instance=request.path,
            )
        limit = body_limit(request.content_type)
        if limit is not None and length > limit:
            return problem_response(
                status=413,
                code="payload_too_large",
                detail=too_large_detail(length, limit),
                instance=request.path,
            )
        return None


class ProblemFallbackMiddleware(HybridMiddleware):
    """Any error response on an API path that is not already JSON becomes problem
    details: Django's 404 (also its DEBUG page), 405 from plain views, CSRF
    failures, and 500 pages, so no HTML and no traceback reaches an API client.

    A plain view (GraphQL's included) that raises SQLite's "database is locked" or loses
    its PostgreSQL connection is a 503 (``database_busy``, ``service_unavailable``) with
    ``Retry-After`` (DRF views answer it in their exception handler), on every path:
    load or an outage, not a bug."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        outage = database_outage(exception)
        if outage is not None:
            return database_outage_response(request, exception, outage)
        return None

    def after(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.status_code < 400 or not wants_problem(request):
            return response
        if "json" in response.get("Content-Type", ""):
            return response
        problem = ProblemCode.for_status(response.status_code)
        detail = problem.description
        if response.status_code == 404:
            detail = not_found_detail(request.path)
        # Keep what inner middleware set (Allow, Retry-After, the security headers,
        # Vary); only the body and its type change.
        headers = {
            name: value
            for name, value in response.items()
            if name.lower() not in ("content-type", "content-length")
        }
        problem_json = problem_response(
            status=response.status_code,
            code=problem.code,
            detail=detail,
            instance=request.path,
            headers=headers,
        )
        if getattr(response, "_has_been_logged", False):
            mark_logged(problem_json)  # logged once where it happened, not again
        return problem_json


class CommonMiddleware(DjangoCommonMiddleware):
    """Django's CommonMiddleware without the trailing-slash redirect on API paths:
    a redirect would drop a POST body (and DEBUG turns it into a 500). API clients
    get a 404 problem that names the right path instead."""

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        if wants_problem(request):
            return False
        return super().should_redirect_with_slash(request)


class QueryParameterMiddleware:
    """An unknown query parameter is a 400 ``validation_error`` naming it and the ones the
    operation takes, on every operation of the OpenAPI schema (``core.http.query``), for
    every method, before the view runs (so nothing changes), as the other malformed-
    request refusals above. Runs natively under ASGI too (no thread hop for streams)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: SyncGetResponse | AsyncGetResponse) -> None:
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)
            # Django adapts process_view to the handler's mode by what it is: a
            # coroutine function here, so the async stack calls it without a thread.
            self.process_view = self._aprocess_view  # type: ignore[method-assign, assignment]  # chosen per mode

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        return self.get_response(request)

    @staticmethod
    def _urlconf(request: HttpRequest) -> str | None:
        urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
        return urlconf if isinstance(urlconf, str) else None

    def process_view(
        self, request: HttpRequest, view: object, args: object, kwargs: object
    ) -> HttpResponse | None:
        return self._refusal(request)

    @staticmethod
    def _given(request: HttpRequest) -> list[str]:
        """The query's parameter names; none when Django refuses to parse it (too many
        parameters): the view meets that refusal and answers it as it always does."""
        try:
            return list(request.GET.keys())
        except (SuspiciousOperation, BadRequest):
            return []

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        match = request.resolver_match
        given = self._given(request)
        if match is None or not given:
            return None
        allowed = allowed_parameters(match.route, request.method or "GET", self._urlconf(request))
        if allowed is None:
            return None
        errors = unknown_parameter_errors(given, allowed)
        if not errors:
            return None
        return problem_response(
            status=400,
            code=ProblemCode.VALIDATION_ERROR.code,
            detail=validation_summary(errors),
            errors=errors,
            instance=request.path,
        )

    async def _aprocess_view(
        self, request: HttpRequest, view: object, args: object, kwargs: object
    ) -> HttpResponse | None:
        if not is_ready(self._urlconf(request)):
            # The first request builds the table from the schema: off the event loop.
            return await sync_to_async(self._refusal)(request)
        return self._refusal(request)
