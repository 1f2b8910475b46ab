"""Database errors that are load or an outage, not a bug: the request is answered with
a 503 problem and ``Retry-After`` (core.http.problems, the problem middleware, GraphQL),
never a 500.

- SQLite's "database is locked" (the embedded default): a write that waited its busy
  timeout for the one write lock (config.settings.database) and did not get it;
  ``database_busy``.
- A PostgreSQL connection lost under the request (``pg_terminate_backend``, a restart,
  a failover, a network cut) or not to be had (psycopg's pool timed out);
  ``service_unavailable``. A write in one transaction committed whole or not at all
  (tests/faults/test_database_dropped.py).
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TypeGuard

import psycopg
from django.db import OperationalError

from core.http.catalogue import ProblemCode

logger = logging.getLogger(__name__)

# Seconds a client waits before retrying a write the database was too busy to take, or
# that lost its database connection.
DATABASE_BUSY_RETRY_AFTER = 1
_LOCKED = ("database is locked", "database table is locked")
# PostgreSQL's SQLSTATEs for a session that is gone: class 08 (connection exception) and
# the server ending it (57P01 pg_terminate_backend or a fast shutdown, 57P02 a crash,
# 57P03 not accepting connections yet).
_CONNECTION_GONE = ("08", "57P01", "57P02", "57P03")
DATABASE_UNAVAILABLE_DETAIL = (
    "The connection to the database was lost while this request ran, or none could be "
    "had in time; retry after `Retry-After` seconds."
)


def database_busy(exc: BaseException | None) -> TypeGuard[BaseException]:
    """Whether ``exc`` is SQLite's "database is locked": a write that waited its busy
    timeout for the one write lock (config.settings.database) and did not get it. Not a
    bug but load: a 503 ``database_busy`` with ``Retry-After``, never a 500."""
    return isinstance(exc, OperationalError | sqlite3.OperationalError) and str(exc).startswith(
        _LOCKED
    )


def database_unavailable(exc: BaseException | None) -> TypeGuard[BaseException]:
    """Whether ``exc`` is a PostgreSQL connection lost under the request (terminated by
    ``pg_terminate_backend``, a restart or a failover; a network cut) or not to be had
    (psycopg's pool timed out). Not a bug but an outage: a 503 ``service_unavailable``
    with ``Retry-After``, never a 500. A write in one transaction committed whole or
    not at all."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if not isinstance(cause, psycopg.OperationalError):
        return False
    if cause.sqlstate is None:  # psycopg's own: the socket closed, no connection to be had
        return True
    return cause.sqlstate.startswith(_CONNECTION_GONE)


def database_outage(exc: BaseException | None) -> tuple[ProblemCode, str] | None:
    """The 503 problem and its detail for a database that could not take the request:
    SQLite's write lock (``database_busy``) or a lost PostgreSQL connection
    (``database_unavailable``); None for any other error."""
    if database_busy(exc):
        return ProblemCode.DATABASE_BUSY, ProblemCode.DATABASE_BUSY.description
    if database_unavailable(exc):
        return ProblemCode.SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE_DETAIL
    return None


def database_busy_headers() -> dict[str, str]:
    return {"Retry-After": str(DATABASE_BUSY_RETRY_AFTER)}


def log_busy(exc: BaseException, path: str | None) -> None:
    logger.warning("database busy or unavailable, answered 503 at %s: %s", path, exc)
