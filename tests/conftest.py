"""Suite-wide fixtures. The suite runs against the real PostgreSQL, Redis and
RabbitMQ (see config/settings/test.py); `make test` checks they are up first."""

from __future__ import annotations

import fnmatch
import os
import time
from pathlib import Path

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


# --- under CI, a skipped test fails the run --------------------------------------------
# CI (.ci/run, GitHub's runners) installs everything the suite needs, so a skip there is
# a check that silently did not run. Node ids (a parametrized test's id without its
# brackets covers all its cases) that may skip under CI anyway, each with its reason;
# the run prints this list and which of its entries skipped.
CI_SKIP_ALLOWLIST: dict[str, str] = {}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def _test_id(nodeid: str) -> str:
    """The node id without its parameters and without the ``@group`` suffix that
    pytest-xdist's loadgroup adds (``tests/x.py::test_y@serial``)."""
    return nodeid.split("[", 1)[0].split("@", 1)[0]


def _allowed(nodeid: str) -> bool:
    return _test_id(nodeid) in CI_SKIP_ALLOWLIST


def _skips(session_or_config) -> list[tuple[str, str]]:
    """(node id, reason) of every skipped test and skipped module, xfails aside."""
    config = getattr(session_or_config, "config", session_or_config)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return []
    skipped = []
    for report in reporter.stats.get("skipped", []):
        if hasattr(report, "wasxfail"):
            continue
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        skipped.append((report.nodeid, reason.removeprefix("Skipped: ")))
    return skipped


def pytest_sessionfinish(session, exitstatus):
    """Under CI, any skip not on CI_SKIP_ALLOWLIST fails the run (reported in the
    terminal summary). xdist workers report to the controller, which decides."""
    if not in_ci() or hasattr(session.config, "workerinput"):
        return
    if any(not _allowed(nodeid) for nodeid, _ in _skips(session)) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# The fuzzing's seed, one per session (tests/fuzz/runlog.py): the controller draws it
# (pytest_configure, below), its pytest-xdist workers take it.
@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    from tests.fuzz import runlog

    runlog.configure_node(node)


# pytest-xdist: what the workers' sessions hand to the controller's summary (the fuzz
# tests' section, tests/fuzz/summary.py, and the full run's log, tests/fuzz/runlog.py).
_FUZZ_PARTS = pytest.StashKey[list]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    part = getattr(node, "workeroutput", {}).get("fuzz")
    if part is not None:
        node.config.stash.setdefault(_FUZZ_PARTS, []).append(part)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if parts := config.stash.get(_FUZZ_PARTS, []):
        from tests.fuzz import runlog, summary

        runlog.finish(terminalreporter, exitstatus, config, summary.merged(parts))
    if not in_ci() or hasattr(config, "workerinput"):
        return
    skipped = _skips(config)
    write = terminalreporter.write_line
    terminalreporter.section("CI: skipped tests")
    write(f"allowlist (tests/conftest.py CI_SKIP_ALLOWLIST): {len(CI_SKIP_ALLOWLIST)} entries")
    for nodeid, reason in CI_SKIP_ALLOWLIST.items():
        hits = sum(1 for skipped_id, _ in skipped if _test_id(skipped_id) == nodeid)
        write(f"  {nodeid}: {reason} (skipped {hits} here)")
    refused = [(nodeid, reason) for nodeid, reason in skipped if not _allowed(nodeid)]
    if refused:
        write(f"FAILED: {len(refused)} skipped under CI and not on the allowlist:", red=True)
        for nodeid, reason in refused:
            write(f"  {nodeid}: {reason}", red=True)
    else:
        write("no skip outside the allowlist")


# --- pytest-xdist: the one serial group -----------------------------------------------
# `make test` runs the suite on two workers (`-n 2 --dist loadgroup`), each with services
# of its own (config/settings/test.py). A test stays in the one serial group, which a
# single worker runs one test at a time, when it starts servers or workers (a session's
# servers then start once), drives the browser, races threads against the database or a
# server, injects faults (servers of its own, killed connections, a broker stopped), or
# needs a resource both workers would share. tests/helpers/processes.py's
# ``require_serial`` fails a test that starts a server outside the group, naming this list.
SERIAL_GROUP = "serial"
SERIAL_MARKERS = frozenset({"browser", "services"})
SERIAL_FIXTURES = frozenset(
    {
        "make_run_server",  # `make run` on SQLite, one per session
        "live_servers",  # uvicorn, gunicorn-asgi and gunicorn-wsgi, one set per session
        "embedded_server",  # the embedded default's smoke server
        "embedded",
        "app_server",  # tests/client's uvicorn
        "live_server",  # pytest-django's threaded server
        "chromium_executable",  # and so every browser test
    }
)
SERIAL_PATHS = (
    "tests/faults/*",  # fault injection
    "tests/infra/test_proxy_exercise.py",  # nginx
    "tests/infra/test_topology.py",  # the production topology: nginx, gunicorn, Celery
    "tests/*/test_concurrency.py",  # races
    "tests/core/test_*races.py",
    "tests/core/test_tasks_worker.py",  # Celery workers on the system RabbitMQ
    "tests/polls/test_stream*.py",  # uvicorn servers and a Redis of their own
)


def serial_reason(item: pytest.Item) -> str | None:
    """Why ``item`` runs in the serial group, or None when it may run in parallel."""
    for marker in item.iter_markers():
        if marker.name in SERIAL_MARKERS:
            return f"marked {marker.name}"
    used = SERIAL_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if used:
        return "uses " + ", ".join(sorted(used))
    path = item.nodeid.split("::", 1)[0]
    for pattern in SERIAL_PATHS:
        if fnmatch.fnmatch(path, pattern):
            return f"in {pattern}"
    return None


@pytest.hookimpl(tryfirst=True)  # before xdist's worker names the groups in the node ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        return  # `-p no:xdist`: no group to join
    for item in items:
        if serial_reason(item):
            item.add_marker(pytest.mark.xdist_group(SERIAL_GROUP))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """On an xdist worker under loadgroup, the group must show in the node id, which is
    how xdist's scheduler finds it: a pytest or xdist that stops naming it would run the
    serial tests in parallel, silently (pytest-dev/pytest-xdist#1386)."""
    group = os.environ.get("NEXUS_XDIST_SERIAL_GROUP")
    if group and item.get_closest_marker("xdist_group") and not item.nodeid.endswith(f"@{group}"):
        pytest.fail(
            "pytest-xdist did not put this test in the serial group (its node id does not "
            "end in @serial): see the pin of pytest in pyproject.toml"
        )


def pytest_configure(config: pytest.Config) -> None:
    """On an xdist worker under loadgroup, servers may start in the serial group only
    (tests/helpers/processes.py's ``require_serial`` reads this). Every session fixes the
    fuzzing's seed (tests/fuzz/runlog.py)."""
    from tests.fuzz import runlog

    # (xdist sets a worker's --dist to "no", and its own `loadgroup` option.)
    if hasattr(config, "workerinput") and getattr(config.option, "loadgroup", False):
        os.environ["NEXUS_XDIST_SERIAL_GROUP"] = SERIAL_GROUP
    runlog.configure(config)


@pytest.fixture(scope="session")
def migrated_sqlite(request, tmp_path_factory) -> Path:
    """A freshly migrated SQLite file (the embedded default's), migrated once per run and
    shared by pytest-xdist's workers (tests/helpers/sqlite.py): copy it, never write to
    it."""
    from tests.helpers.sqlite import migrated_template

    base = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):
        base = base.parent  # an xdist worker's basetemp is a directory of the run's
    return migrated_template(base / "sqlite-template")


@pytest.fixture(scope="session")
def make_run_server(tmp_path_factory, migrated_sqlite):
    """What `make run` serves, started once for the session (tests/core/make_run.py):
    a freshly migrated SQLite file (a copy of ``migrated_sqlite``), the recipe's steps
    (migrate, which finds nothing to do, and seed_demo), the Makefile's uvicorn command
    line, with `make run`'s settings and throttles. Tests share it: they create what they
    need under unique names and add no data of their own."""
    import contextlib

    from tests.core.make_run import start_make_run

    tmp = tmp_path_factory.mktemp("make-run")
    with contextlib.contextmanager(start_make_run)(tmp, migrated_sqlite) as server:
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
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def tabs(browser, make_run_server, tmp_path):
    """Opens browser tabs on the `make run` server (``tabs(WIDE)``, a
    tests/helpers/consoles.py ``ConsoleVisit``), screenshots going where
    ``NEXUS_SCREENSHOTS_DIR`` says; every tab is closed when the test ends. The test
    module provides ``browser`` (``from tests.core.browser import browser_fixture``)."""
    from tests.helpers.consoles import ConsoleVisit, screenshot_dir

    shots = screenshot_dir(tmp_path)
    opened: list[ConsoleVisit] = []

    def open_tab(viewport: dict[str, int]) -> ConsoleVisit:
        visit = ConsoleVisit(browser, make_run_server, viewport, shots)
        opened.append(visit)
        return visit

    yield open_tab
    for visit in opened:
        visit.close()


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
