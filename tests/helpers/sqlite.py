"""Tests run again on SQLite, the embedded default behind ``make run``: the same test
module, in a pytest of its own whose database is SQLite (pytest-django makes it in
memory), so behaviour written once is checked on both databases."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
