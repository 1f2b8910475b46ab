"""Real Celery worker processes on the test database and the suite's RabbitMQ queues,
for the tests that need a task to run where production runs it (tests/core,
tests/faults)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.helpers.processes import require_serial

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, process: subprocess.Popen, lines: list[str], name: str) -> None:
        self.process = process
        self.lines = lines  # everything the worker printed so far
        self.name = name

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement; the broker requeues what it held."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def start_workers(
    names: Sequence[str] = ("pytest",),
    *,
    include: Sequence[str] = (),
    purge: bool = True,
    timeout: float = 60.0,
) -> list[Worker]:
    """Start one worker per name (side by side, so their start-ups overlap), each with
    the solo pool on every queue the code routes to, on the test database pytest-django
    created (the caller depends on ``django_db_setup``). ``include``: extra task modules
    to import (tests' own probe tasks). Returns once every one is ready."""
    from django.conf import settings
    from django.db import connection

    require_serial("Celery workers")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
    }
    workers: list[Worker] = []
    events: list[threading.Event] = []
    for index, name in enumerate(names):
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"),
                *(("--purge",) if purge and index == 0 else ()),
                *("--without-gossip", "--without-mingle", "--loglevel", "INFO"),
                *("--hostname", f"{name}-{os.getpid()}@%h"),
                # every queue the code routes to (tests/infra checks each has a worker)
                *("--queues", ",".join(queue.name for queue in settings.CELERY_TASK_QUEUES)),
                *(("--include", ",".join(include)) if include else ()),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ready = threading.Event()
        lines: list[str] = []

        def read(process: subprocess.Popen = process, lines=lines, ready=ready) -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                if "ready." in line:
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        workers.append(Worker(process, lines, name))
        events.append(ready)
    for worker, ready in zip(workers, events, strict=True):
        if not ready.wait(timeout=timeout):
            for other in workers:
                other.process.kill()
            pytest.fail(f"celery worker {worker.name} did not start:\n" + worker.output()[-4000:])
    return workers
