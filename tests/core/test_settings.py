"""Production settings refuse to start without their secrets, and pass
Django's deploy checks when given them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT / "src"), **env}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "nexus.example.org"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "x" * 60}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_SECRET_KEY": "", "DJANGO_ALLOWED_HOSTS": " "}, "DJANGO_SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_naming_the_missing_variable(env, missing):
    result = manage("check", DJANGO_SETTINGS_MODULE="config.settings.production", **env)

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line, no traceback
    assert lines[0].startswith(f"{missing} is not set")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DJANGO_SECRET_KEY": "short-but-not-empty-" + "k" * 29}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "k" * 60, "JWT_SIGNING_KEY": "j" * 49}, "JWT_SIGNING_KEY"),
    ],
)
def test_production_refuses_a_short_signing_key(env, variable):
    result = manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_ALLOWED_HOSTS="nexus.example.org",
        **env,
    )

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{variable} is shorter than 50 characters")


def test_production_passes_the_deploy_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "k" * 40,
        DJANGO_ALLOWED_HOSTS="nexus.example.org",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_json_logging_carries_the_request_id():
    script = (
        "import django, logging; django.setup();"
        "from core.http.request_id import set_request_id;"
        "set_request_id('abc-123');"
        "logging.getLogger('nexus.test').warning('hello')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(ROOT / "src"),
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "LOG_FORMAT": "json",
            "DATABASE_URL": "sqlite:///:memory:",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    import json

    record = json.loads(result.stderr.strip().splitlines()[-1])
    assert record["message"] == "hello"
    assert record["request_id"] == "abc-123"
    assert record["level"] == "WARNING"
