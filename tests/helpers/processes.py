"""Stopping the servers a test starts (uvicorn, gunicorn, nginx): politely first, then
for good, so a hung process never outlives the session."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable

GRACE_SECONDS = 10


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
