"""The server a newcomer gets from `make run`, for the tests that check what the docs
promise of it (docs/frontend.md, the README's examples, the Postman collection).

Every step comes from the Makefile's `run` recipe: its `$(MANAGE)` commands
(`migrate`, `seed_demo`) on a fresh SQLite file, then its uvicorn command line. The
environment is a newcomer's shell: `config.settings.local`, no service URL (no
PostgreSQL, Redis or RabbitMQ: the in-process cache, eager Celery), so the throttles,
the demo mode and every other setting are `make run`'s own, never the suite's. Two
paths move into the temporary directory, and nothing else changes: the database file
and the résumé store (both under var/ for `make run`).

One server per session (the ``make_run_server`` fixture in tests/conftest.py), shared
by every test that uses it: they add no data of their own, and what they create they
create under unique names, as a reader would.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.live_servers import ROOT, Server, _run_recipe, free_port, make_run_command
from tests.helpers.processes import require_serial, stop


def newcomer_env(tmp: Path) -> dict[str, str]:
    """What a fresh clone's shell has, plus what the Makefile exports."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp)),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT / "src"),  # the Makefile exports it
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp / 'nexus.sqlite3'}",
        "JOBS_RESUME_ROOT": str(tmp / "resumes"),
    }


def make_run_steps() -> list[list[str]]:
    """The recipe's manage.py commands, in order (`$(MANAGE) migrate --noinput`, ...)."""
    steps = []
    for line in _run_recipe():
        if line.startswith("$(MANAGE) "):
            steps.append([sys.executable, "manage.py", *shlex.split(line)[1:]])
    assert steps, "the Makefile's run recipe has no $(MANAGE) step"
    return steps


def start_make_run(tmp: Path, template: Path | None = None) -> Iterator[Server]:
    """Run the recipe's steps, start its server and yield it; stop it afterwards (a
    generator for a session fixture). With ``template`` (the session's freshly migrated
    SQLite file), the database starts as a copy of it: the recipe's `migrate` then finds
    nothing to do, and every step still runs."""
    require_serial("`make run`'s server")
    env = newcomer_env(tmp)
    if template is not None:
        shutil.copyfile(template, tmp / "nexus.sqlite3")
    for step in make_run_steps():
        result = subprocess.run(
            step, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        if result.returncode != 0:
            pytest.fail(f"`{shlex.join(step[1:])}` failed:\n{result.stderr[-3000:]}")
    port = free_port()
    log = tmp / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            make_run_command(port), cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        server = Server("make-run", port, process, log)
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"`make run`'s server did not start:\n{log.read_text()[-3000:]}")
                try:
                    if server.request("GET", "/health/live/").status == 200:
                        break
                except OSError:
                    time.sleep(0.1)
            yield server
        finally:
            stop(process)
