"""Request ids: accepted from ``X-Request-ID`` or generated, echoed in the
response, attached to every log record and carried into Celery tasks. The
client's address (``core.http.net.client_ip``) is attached to log records too."""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("nexus_request_id", default=None)
_client_ip: ContextVar[str | None] = ContextVar("nexus_client_ip", default=None)

# A client-supplied id is kept only if it is short and plain (no log injection).
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


def get_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> None:
    _request_id.set(value)


def get_client_ip() -> str | None:
    return _client_ip.get()


def set_client_ip(value: str | None) -> None:
    _client_ip.set(value)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` and ``client_ip`` ("-" outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        record.client_ip = _client_ip.get() or "-"
        return True
