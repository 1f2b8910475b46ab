"""SQLite that takes concurrency (config.settings.database): WAL, IMMEDIATE write
transactions and a busy timeout; and a write that still cannot get the lock in time is a
503 ``database_busy`` with ``Retry-After``, never a 500: in a DRF view, a plain view on
an API path (problem details), a page (the error page), Django's 500 handler (an
exception raised by a middleware) and GraphQL.

The lock is real: a SQLite file in WAL mode whose write lock a second connection holds,
and a Django connection to it with the project's options and a 0.2 s busy timeout.
(tests/core/test_embedded_races.py shows the same against a real `make run` server.)"""

from __future__ import annotations

import sqlite3
import time

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler
from graphql import ExecutionResult, GraphQLError
from rest_framework.test import APIClient

from config.settings.database import sqlite_options
from core.http.catalogue import ProblemCode
from core.http.outages import DATABASE_UNAVAILABLE_DETAIL
from core.site.graphql.view import NexusGraphQLView
from tests.core.urls_errors import LOCKED_DATABASE
from tests.helpers import assert_problem

BUSY_TIMEOUT = 0.2


@pytest.fixture
def locked(tmp_path, django_db_blocker):
    """A Django connection (the project's SQLite options, a short busy timeout) to a
    SQLite file whose write lock another connection holds, in the test views' hands."""
    path = tmp_path / "busy.sqlite3"
    settings = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    connection = ConnectionHandler(
        {"default": {**settings, "OPTIONS": sqlite_options(BUSY_TIMEOUT)}}
    )["default"]
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE item (n integer)")
            cursor.execute("INSERT INTO item VALUES (1)")
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO item VALUES (2)")
        LOCKED_DATABASE.append(connection)
        try:
            yield connection
        finally:
            LOCKED_DATABASE.clear()
            holder.execute("ROLLBACK")
            holder.close()
            connection.close()


def test_the_options_make_a_wal_database_with_immediate_writes_and_a_busy_timeout(locked):
    with locked.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone() == ("wal",)
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone() == (1,)  # NORMAL
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone() == (int(BUSY_TIMEOUT * 1000),)
        # WAL: a read goes on beside the writer (and sees only what is committed).
        cursor.execute("SELECT n FROM item")
        assert cursor.fetchall() == [(1,)]
    assert locked.transaction_mode == "IMMEDIATE"


def test_a_write_waits_the_busy_timeout_then_the_database_says_it_is_locked(locked):
    started = time.monotonic()
    with pytest.raises(OperationalError, match="database is locked"):
        locked.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert time.monotonic() - started >= BUSY_TIMEOUT * 0.9


def _assert_busy(response, path: str) -> None:
    body = assert_problem(response, 503, "database_busy")
    assert body["instance"] == path
    assert body["title"] == "Database busy"
    assert "Retry-After" in body["detail"]
    assert response["Retry-After"] == "1"


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls_errors")
@pytest.mark.parametrize("path", ["/api/v1/_test/drf-busy/", "/api/v1/_test/plain-busy/"])
def test_a_write_that_cannot_get_the_lock_is_a_503_with_retry_after(locked, path):
    response = APIClient(raise_request_exception=False).post(path, {}, format="json")

    _assert_busy(response, path)


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls_errors")
def test_a_page_that_cannot_get_the_lock_is_the_503_error_page(locked, client):
    response = client.get("/_test/page-busy/", HTTP_ACCEPT="text/html")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "1"
    assert b"Database busy" in response.content


@pytest.mark.django_db
def test_a_middleware_that_cannot_get_the_lock_is_a_503_too(locked, settings):
    """A middleware's exception reaches only Django's handler500 (while it is handled)."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.core.urls_errors.busy_middleware"]

    response = APIClient(raise_request_exception=False).post("/api/v1/social/posts/")

    _assert_busy(response, "/api/v1/social/posts/")


@pytest.mark.django_db
def test_a_graphql_field_that_cannot_get_the_lock_makes_the_response_a_503(locked):
    try:
        locked.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    except OperationalError as exc:
        error = GraphQLError("locked", path=["likePost"], original_error=exc)
    result = ExecutionResult(data={"likePost": None}, errors=[error])

    body, status = NexusGraphQLView()._result(result)

    assert status == 503
    assert body["data"] == {"likePost": None}
    (only,) = body["errors"]
    assert only["extensions"] == {"code": "database_busy", "retryAfter": 1}
    assert only["path"] == ["likePost"]
    assert "database is locked" not in only["message"]


def test_any_other_operational_error_is_still_a_500_problem():
    from core.http.outages import database_busy

    assert not database_busy(OperationalError("no such table: item"))
    assert not database_busy(RuntimeError("database is locked"))
    assert database_busy(sqlite3.OperationalError("database is locked"))


def test_a_lost_postgresql_connection_is_an_outage_and_a_failing_statement_is_not():
    """tests/faults/test_database_dropped.py drops real connections under writes; here,
    which of psycopg's errors (as Django wraps them) answer 503 and which stay a 500."""
    import psycopg
    from psycopg import errors

    from core.http.outages import database_outage, database_unavailable

    def wrapped(cause: BaseException) -> OperationalError:
        exc = OperationalError(str(cause))
        exc.__cause__ = cause
        return exc

    lost = [
        errors.AdminShutdown("terminating connection due to administrator command"),  # 57P01
        errors.CannotConnectNow("the database system is starting up"),  # 57P03
        psycopg.OperationalError("consuming input failed: server closed the connection"),
        psycopg.OperationalError("the connection is closed"),
    ]
    assert all(database_unavailable(wrapped(cause)) for cause in lost)
    assert database_outage(wrapped(lost[0])) == (
        ProblemCode.SERVICE_UNAVAILABLE,
        DATABASE_UNAVAILABLE_DETAIL,
    )
    failing = [
        errors.QueryCanceled("canceling statement due to statement timeout"),  # 57014
        errors.DeadlockDetected("deadlock detected"),
        sqlite3.OperationalError("no such table: item"),
    ]
    assert not any(database_unavailable(wrapped(cause)) for cause in failing)
    assert not database_unavailable(lost[0])  # not through Django: not a request's error
    assert database_outage(OperationalError("no such table: item")) is None
