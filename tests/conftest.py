"""Suite-wide fixtures. The suite runs against the real PostgreSQL, Redis and
RabbitMQ (see config/settings/test.py); `make test` checks they are up first."""

from __future__ import annotations

import os
import time

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

DEADLOCK_DETECTED = "40P01"


def _is_deadlock(error: BaseException) -> bool:
    while error is not None:
        if getattr(error, "sqlstate", None) == DEADLOCK_DETECTED:
            return True
        error = error.__cause__
    return False


@pytest.fixture(scope="session", autouse=True)
def _flush_outlasts_live_servers():
    """A transactional test ends with ``flush``: one TRUNCATE of every table, which takes
    its locks table by table. A server the suite started (uvicorn, gunicorn, a worker) may
    still be running a read that the test's last request set off after its answer began,
    an SSE snapshot say, taking its own locks table by table: PostgreSQL then breaks the
    deadlock by aborting the TRUNCATE, and the test errors at teardown. The read ends on
    its own; so flush again, as a maintainer would."""
    from django.core.management.base import CommandError
    from django.core.management.commands import flush

    handle = flush.Command.handle

    def handle_retrying_deadlocks(self, **options):
        for attempt in range(5):
            try:
                return handle(self, **options)
            except CommandError as error:
                if attempt == 4 or not _is_deadlock(error):
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable: the fifth attempt returns or raises")

    flush.Command.handle = handle_retrying_deadlocks
    yield
    flush.Command.handle = handle


@pytest.fixture(scope="session")
def make_run_server(tmp_path_factory):
    """What `make run` serves, started once for the session (tests/core/make_run.py):
    a fresh SQLite file, migrate, seed_demo, the Makefile's uvicorn command line, with
    `make run`'s settings and throttles. Tests share it: they create what they need under
    unique names and add no data of their own."""
    import contextlib

    from tests.core.make_run import start_make_run

    with contextlib.contextmanager(start_make_run)(tmp_path_factory.mktemp("make-run")) as server:
        yield server


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters and cached reads live in Redis: start every test empty."""
    cache.clear()
    yield
    cache.clear()


# Debian's chromium here and in .ci/run; NEXUS_CHROMIUM points elsewhere (GitHub's
# Ubuntu runners ship Google Chrome at /usr/bin/google-chrome).
CHROMIUM = os.environ.get("NEXUS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_INSTALL = "apt-get install -y chromium chromium-driver"


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """The system Chromium that browser tests drive. Missing, it fails the run under
    CI (which installs it, see .ci/run) and skips the test elsewhere; both say how
    to install it."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"Chromium is not installed at {CHROMIUM}; install it with: {CHROMIUM_INSTALL}"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def eager(settings):
    """Tasks run in-process after commit (the embedded default), so a test that
    executes on-commit callbacks sees their effects and publishes nothing."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return settings


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    from tests.core.factories import UserFactory

    return UserFactory()


@pytest.fixture
def auth_client(user) -> APIClient:
    """An APIClient carrying a real bearer token for ``user``."""
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client
