"""Real servers shared by the whole session (tests/core/live_servers.py starts them):
``live_servers``, the three ways the app is served, on the suite's test database;
``embedded``, `make run` on a freshly migrated SQLite file (a copy of tests/conftest.py's
``migrated_sqlite``). Each starts once, however many modules
use it."""

from __future__ import annotations

import contextlib

import pytest

from tests.core.live_servers import Server, start_embedded, start_servers


@pytest.fixture(scope="session")
def live_servers(django_db_setup, tmp_path_factory) -> dict[str, Server]:
    """uvicorn, gunicorn-asgi and gunicorn-wsgi by kind. They read the suite's test
    database, which exists only if a collected test asks for it: mark the module's
    tests with django_db (transaction=True for what a server must see)."""
    with contextlib.contextmanager(start_servers)(tmp_path_factory.mktemp("live")) as servers:
        yield servers


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory, migrated_sqlite) -> Server:
    tmp = tmp_path_factory.mktemp("embedded")
    with contextlib.contextmanager(start_embedded)(tmp, template=migrated_sqlite) as server:
        yield server


@pytest.fixture(scope="session")
def embedded(embedded_server):
    """``(base URL, the SQLite file, the server's log)`` of the embedded server."""
    base = f"http://127.0.0.1:{embedded_server.port}"
    return base, embedded_server.log.parent / "nexus.sqlite3", embedded_server.log
