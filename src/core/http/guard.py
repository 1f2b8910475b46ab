"""Request-body guards around the ASGI and WSGI applications themselves.

Django cannot bound a body by itself on either server:

- under ASGI it reads the whole body (to memory, then disk) before any
  middleware runs, so a declared 5 GB upload is received in full only to be
  refused afterwards;
- under WSGI a chunked body (``Transfer-Encoding: chunked``, no
  ``Content-Length``) looks empty, and so it does to DRF under ASGI too: DRF
  parses nothing when there is no ``Content-Length``, so a chunked ``PATCH``
  would answer 200 and change nothing.

The guards sit between the server and Django. A declared ``Content-Length``
over the limit gets a 413 before a byte of the body is read (a non-numeric
one a 400). A chunked body is read up to the limit (413 as soon as it goes
over) and handed to Django buffered, with a ``Content-Length`` and without
``Transfer-Encoding``, so Django and DRF read it like any other. Requests
without a body pass through untouched, with no buffering.

The limit is the one ``BodySizeLimitMiddleware`` applies (``body_limit``):
``NEXUS_MAX_UPLOAD_BYTES`` for multipart uploads, ``DATA_UPLOAD_MAX_MEMORY_SIZE``
otherwise. The guards' own responses are problem details with the security
headers and the ``X-Request-ID`` every response carries.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from http import HTTPStatus
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.conf import settings

from core.http.catalogue import ProblemCode
from core.http.net import client_ip
from core.http.problems import PROBLEM_CONTENT_TYPE, problem_body
from core.http.request_id import VALID_REQUEST_ID, get_request_id, set_request_id

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)

_DIGITS = re.compile(r"[0-9]+")
_READ_BLOCK = 64 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def body_limit(content_type: str | None) -> int | None:
    """The largest body accepted for this ``Content-Type`` (None: no limit).

    Multipart uploads get ``NEXUS_MAX_UPLOAD_BYTES``; everything else (JSON, forms,
    GraphQL) ``DATA_UPLOAD_MAX_MEMORY_SIZE``. Shared with ``BodySizeLimitMiddleware``.
    """
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    limit: int | None
    if media_type == "multipart/form-data":
        limit = settings.NEXUS_MAX_UPLOAD_BYTES
    else:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit


def too_large_detail(length: int, limit: int) -> str:
    return f"The request body is {length} bytes; the limit is {limit} bytes."


@dataclass(frozen=True)
class _Refusal:
    status: int
    code: str
    detail: str


@dataclass(frozen=True)
class _Buffer:
    limit: int | None


_PASS = None


def _inspect(
    content_lengths: list[str], transfer_encoding: str | None, content_type: str | None
) -> _Refusal | _Buffer | None:
    """What to do with a request, from its framing headers alone."""
    limit = body_limit(content_type)
    if transfer_encoding is not None:
        if content_lengths:  # servers refuse this (request smuggling); never pass it on
            return _Refusal(
                400, "bad_request", "Send Content-Length or Transfer-Encoding, not both."
            )
        return _Buffer(limit)
    if not content_lengths:
        return _PASS
    values = {value.strip() for joined in content_lengths for value in joined.split(",")}
    if not all(_DIGITS.fullmatch(value) for value in values):
        return _Refusal(400, "bad_request", "Content-Length is not a number.")
    lengths = {int(value) for value in values}
    if len(lengths) > 1:
        return _Refusal(400, "bad_request", "The request has conflicting Content-Length values.")
    (length,) = lengths
    if limit is not None and length > limit:
        return _Refusal(413, "payload_too_large", too_large_detail(length, limit))
    return _PASS


def _over_limit(limit: int) -> _Refusal:
    return _Refusal(
        413, "payload_too_large", f"The request body exceeds the limit of {limit} bytes."
    )


def _problem(
    refusal: _Refusal, *, path: str, incoming_request_id: str, origin: str, meta: dict[str, Any]
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status line, headers and body of the guard's own problem response."""
    request_id = (
        incoming_request_id if VALID_REQUEST_ID.fullmatch(incoming_request_id) else uuid.uuid4().hex
    )
    previous = get_request_id()
    set_request_id(request_id)
    try:
        body = json.dumps(
            problem_body(
                status=refusal.status, code=refusal.code, detail=refusal.detail, instance=path
            )
        ).encode()
        logger.info(
            "refused a request body from %s: %s %s",
            client_ip(SimpleNamespace(META=meta)),
            refusal.status,
            refusal.detail,
        )
    finally:
        set_request_id(previous)
    headers = [
        ("Content-Type", PROBLEM_CONTENT_TYPE),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", settings.SECURE_REFERRER_POLICY or "same-origin"),
        ("X-Frame-Options", settings.X_FRAME_OPTIONS or "DENY"),
        ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY or "same-origin"),
        ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
        ("X-Request-ID", request_id),
    ]
    if origin and origin in getattr(settings, "CORS_ALLOWED_ORIGINS", ()):
        # A frontend on an allowed origin can read the refusal (and its request id).
        headers += [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Expose-Headers", ", ".join(settings.CORS_EXPOSE_HEADERS)),
            ("Vary", "Origin"),
        ]
    try:
        phrase = HTTPStatus(refusal.status).phrase
    except ValueError:
        phrase = ProblemCode.for_status(refusal.status).title
    return f"{refusal.status} {phrase}", headers, body


# --- ASGI ---------------------------------------------------------------------------


class BodyGuardASGI:
    """Wraps an ASGI application (``config.asgi``); see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_lengths: list[str] = []
        transfer_encoding = content_type = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                content_lengths.append(value.decode("latin-1"))
            elif name == b"transfer-encoding":
                transfer_encoding = value.decode("latin-1")
            elif name == b"content-type":
                content_type = value.decode("latin-1")
        verdict = _inspect(content_lengths, transfer_encoding, content_type)
        if verdict is None:
            await self.app(scope, receive, send)
        elif isinstance(verdict, _Refusal):
            await self._refuse(verdict, scope, send)
        else:
            await self._buffered(verdict.limit, scope, receive, send)

    async def _buffered(
        self, limit: int | None, scope: Scope, receive: Receive, send: Send
    ) -> None:
        chunks: deque[bytes] = deque()
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left: nobody to answer
            body = message.get("body", b"")
            size += len(body)
            if limit is not None and size > limit:
                await self._refuse(_over_limit(limit), scope, send)
                return
            if body:
                chunks.append(body)
            if not message.get("more_body", False):
                break
        headers = [
            (name, value)
            for name, value in scope.get("headers", ())
            if name not in (b"transfer-encoding", b"content-length")
        ]
        headers.append((b"content-length", str(size).encode("latin-1")))
        if not chunks:
            chunks.append(b"")

        async def replay() -> Message:
            if chunks:
                body = chunks.popleft()
                return {"type": "http.request", "body": body, "more_body": bool(chunks)}
            return await receive()  # after the body: wait for the disconnect

        await self.app({**scope, "headers": headers}, replay, send)

    @staticmethod
    async def _refuse(refusal: _Refusal, scope: Scope, send: Send) -> None:
        incoming: dict[bytes, str] = {}
        forwarded: list[str] = []
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                forwarded.append(value.decode("latin-1"))
            elif name in (b"x-request-id", b"origin"):
                incoming[name] = value.decode("latin-1")
        client = scope.get("client") or ("", 0)
        meta = {"REMOTE_ADDR": client[0]}
        if forwarded:
            meta["HTTP_X_FORWARDED_FOR"] = ",".join(forwarded)
        _status_line, headers, body = _problem(
            refusal,
            path=scope.get("path", ""),
            incoming_request_id=incoming.get(b"x-request-id", ""),
            origin=incoming.get(b"origin", ""),
            meta=meta,
        )
        # The body is not read: close the connection rather than drain it.
        headers.append(("Connection", "close"))
        await send(
            {
                "type": "http.response.start",
                "status": refusal.status,
                "headers": [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in headers],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})


# --- WSGI ---------------------------------------------------------------------------


class _ClosingIterable:
    """The application's response, closing the buffered request body with it."""

    def __init__(
        self, iterable: Iterable[bytes], spool: tempfile.SpooledTemporaryFile[bytes]
    ) -> None:
        self._iterable = iterable
        self._spool = spool

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._iterable)

    def close(self) -> None:
        try:
            close = getattr(self._iterable, "close", None)
            if close is not None:
                close()
        finally:
            self._spool.close()


class BodyGuardWSGI:
    """Wraps a WSGI application (``config.wsgi``); see the module docstring."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        declared = environ.get("CONTENT_LENGTH")
        verdict = _inspect(
            [declared] if declared else [],
            environ.get("HTTP_TRANSFER_ENCODING"),
            environ.get("CONTENT_TYPE"),
        )
        if verdict is None:
            return self.app(environ, start_response)
        if isinstance(verdict, _Refusal):
            return self._refuse(verdict, environ, start_response)
        return self._buffered(verdict.limit, environ, start_response)

    def _buffered(
        self, limit: int | None, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        stream = environ["wsgi.input"]
        spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed with the response
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE or _READ_BLOCK, mode="w+b"
        )
        size = 0
        try:
            while True:
                want = _READ_BLOCK if limit is None else min(_READ_BLOCK, limit + 1 - size)
                block = stream.read(want)
                if not block:
                    break
                size += len(block)
                if limit is not None and size > limit:
                    spool.close()
                    return self._refuse(_over_limit(limit), environ, start_response)
                spool.write(block)
            spool.seek(0)
        except BaseException:
            spool.close()
            raise
        environ = {
            **{k: v for k, v in environ.items() if k != "HTTP_TRANSFER_ENCODING"},
            "CONTENT_LENGTH": str(size),
            "wsgi.input": spool,
        }
        try:
            return _ClosingIterable(self.app(environ, start_response), spool)
        except BaseException:
            spool.close()
            raise

    @staticmethod
    def _refuse(
        refusal: _Refusal, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode(
            "latin-1", "replace"
        )
        status_line, headers, body = _problem(
            refusal,
            path=path.decode("utf-8", "replace"),
            incoming_request_id=environ.get("HTTP_X_REQUEST_ID", ""),
            origin=environ.get("HTTP_ORIGIN", ""),
            meta=environ,
        )
        start_response(status_line, headers)
        return [body]
