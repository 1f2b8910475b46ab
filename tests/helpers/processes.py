"""Starting and stopping the servers a test starts (uvicorn, gunicorn, nginx, Celery
workers): only in the serial group when pytest-xdist runs the suite (``require_serial``),
stopped politely first, then for good, so a hung process never outlives the session."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable

import pytest

GRACE_SECONDS = 10


def require_serial(what: str) -> None:
    """Under `make test`'s pytest-xdist (loadgroup), a server or worker starts in the one
    serial group only (tests/conftest.py): one xdist worker runs it, so a session's
    servers start once and never beside another test's. Fails the test that starts
    ``what`` elsewhere, saying where the rules are. Without xdist: nothing to check."""
    group = os.environ.get("NEXUS_XDIST_SERIAL_GROUP")
    current = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
    if group and not current.endswith(f"@{group}"):
        pytest.fail(
            f"{current or 'a test'} starts {what} outside the serial xdist group: add it to "
            "SERIAL_MARKERS, SERIAL_FIXTURES or SERIAL_PATHS in tests/conftest.py"
        )


def stop(*processes: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM every process at once, wait up to ``grace`` seconds for each, and SIGKILL
    (and reap) any still running."""
    stop_all(processes, grace=grace)


def stop_all(processes: Iterable[subprocess.Popen], grace: float = GRACE_SECONDS) -> None:
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
