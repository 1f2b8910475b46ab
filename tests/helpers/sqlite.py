"""SQLite, the embedded default behind ``make run``, in the suite:

- ``migrated_template``: one SQLite file migrated once per run (the
  ``migrated_sqlite`` fixture in tests/conftest.py), which the tests that need a freshly
  migrated database (`make run`'s server, the embedded default's, the data commands')
  copy instead of migrating again;
- ``pytest_on_sqlite``: tests run again on SQLite: the same test module, in a pytest of
  its own whose database is SQLite (pytest-django makes it in memory), so behaviour
  written once is checked on both databases."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def migrated_template(directory: Path) -> Path:
    """``directory``/migrated.sqlite3, migrated by `manage.py migrate` with the embedded
    default's settings (config.settings.local) and a newcomer's environment, once:
    concurrent callers (pytest-xdist's workers share ``directory``) wait on a lock, and
    the file appears, complete, only once the migration has succeeded. Copy it; never
    write to it."""
    directory.mkdir(parents=True, exist_ok=True)
    template = directory / "migrated.sqlite3"
    with (directory / "migrated.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            partial = directory / "migrating.sqlite3"
            partial.unlink(missing_ok=True)
            env = {
                "PATH": os.environ["PATH"],
                "HOME": os.environ.get("HOME", str(directory)),
                "LANG": "C.UTF-8",
                "PYTHONPATH": str(ROOT / "src"),
                "DJANGO_SETTINGS_MODULE": "config.settings.local",
                "DATABASE_URL": f"sqlite:///{partial}",
            }
            result = subprocess.run(
                [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert result.returncode == 0, result.stdout + result.stderr
            # The embedded default journals in WAL: fold the log into the file (closing
            # the last connection removes it), so one file is the whole database.
            with contextlib.closing(sqlite3.connect(partial)) as database:
                database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            assert not partial.with_name(partial.name + "-wal").exists()
            partial.rename(template)
    return template


def pytest_on_sqlite(tmp_path: Path, *arguments: str, timeout: int = 280) -> tuple[int, int]:
    """Run pytest with ``arguments`` on SQLite; fails on any failure or error, and
    answers (passed, skipped)."""
    # Without CI: the twin's skips (PostgreSQL-only tests) are expected and counted by
    # the caller; the rule that a skip fails a CI run (tests/conftest.py) is the outer
    # run's.
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'twin.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = result.stdout.strip()
    assert result.returncode == 0, output[-5000:] + result.stderr[-2000:]
    summary = output.splitlines()[-1] if output else ""
    passed = re.search(r"(\d+) passed", summary)
    skipped = re.search(r"(\d+) skipped", summary)
    return int(passed[1]) if passed else 0, int(skipped[1]) if skipped else 0
