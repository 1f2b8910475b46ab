"""Every data command (seeds, imports, training, evaluation) runs on SQLite, as ``make
run`` serves it, and on PostgreSQL, adding the same rows; made to fail part-way, it
leaves no row behind (``core.management.atomic``). The runs: tests/core/command_runs.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

from core.management.atomic import ALL_OR_NOTHING, AtomicCommand
from tests.core import command_runs
from tests.core.command_runs import CASES

ROOT = Path(__file__).resolve().parents[2]
PROJECT_APPS = {"core", "shop", "social", "movies", "jobs", "polls"}
# Commands that write no rows: they need no transaction.
READ_ONLY = {"check_services", "export_postman", "evaluate_recommender"}


def _env(database: Path, tmp: Path) -> dict[str, str]:
    """Only what a newcomer's shell has, as ``make run`` sees it."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp)),
        "LANG": "C.UTF-8",
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{database}",
        "JOBS_RESUME_ROOT": str(tmp / "resumes"),
    }


def _check(name: str, report: dict) -> None:
    case = CASES[name]
    if case.fail_after:
        assert report["failed"], f"{case.fail_after} never ran"
        assert report["left_by_failure"] == {}, "rows left behind by the failed run"
    if case.expected:
        assert {table: report["added"].get(table, 0) for table in case.expected} == case.expected
    else:
        assert report["added"] == {}


@pytest.mark.timeout(240)
@pytest.mark.parametrize("name", list(CASES))
def test_each_data_command_runs_on_sqlite(name, migrated_sqlite, tmp_path):
    database = tmp_path / "nexus.sqlite3"
    shutil.copyfile(migrated_sqlite, database)

    result = subprocess.run(
        [sys.executable, "-m", "tests.core.command_runs", name],
        cwd=ROOT,
        env=_env(database, tmp_path),
        capture_output=True,
        text=True,
        timeout=220,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    _check(name, json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(CASES))
def test_each_data_command_runs_on_postgresql(name):
    _check(name, command_runs.run(name))


def test_every_command_that_writes_is_all_or_nothing_and_says_so():
    commands = {name: app for name, app in get_commands().items() if app in PROJECT_APPS}
    assert set(commands) >= READ_ONLY
    for name, app in sorted(commands.items()):
        command = load_command_class(app, name)
        if name in READ_ONLY:
            assert not isinstance(command, AtomicCommand), name
            continue
        assert isinstance(command, AtomicCommand), name
        assert command.help.endswith(ALL_OR_NOTHING), name
        assert name in CASES, f"{name} has no run in tests/core/command_runs.py"
