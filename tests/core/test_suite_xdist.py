"""The suite under pytest-xdist (`make test` runs `-n 2 --dist loadgroup`): each worker
has services of its own (config/settings/test.py), the servers' tests share one serial
group (tests/conftest.py), and the CI rule that a skip fails the run still sees the
workers' skips."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tests.conftest as suite
from tests.helpers.processes import require_serial

ROOT = Path(__file__).resolve().parents[2]

SHOW_SETTINGS = """
import json, os
import django
django.setup()
from django.conf import settings
print(json.dumps({
    "redis": settings.CACHES["default"]["LOCATION"],
    "feeds": settings.SOCIAL_FEED_REDIS_URL,
    "prefix": settings.CACHES["default"]["KEY_PREFIX"],
    "queues": [queue.name for queue in settings.CELERY_TASK_QUEUES],
    "streams": settings.STREAMS_CHANNEL_PREFIX,
    "environ": dict(os.environ),
}))
"""


def _settings(env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_each_worker_has_services_of_its_own_and_its_servers_inherit_them():
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"NEXUS_TEST_WORKER", "STREAMS_CHANNEL_PREFIX", "SOCIAL_FANOUT_QUEUE"}
        and not key.startswith(("PYTEST_", "SOCIAL_FEED_"))
    }
    base |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": str(ROOT / "src"),
        "REDIS_URL": "redis://127.0.0.1:6379/10",
        "CACHE_KEY_PREFIX": "nexus-check",
        "CELERY_TASK_DEFAULT_QUEUE": "nexus-check",
    }
    gw0 = _settings({**base, "PYTEST_XDIST_WORKER": "gw0"})
    gw1 = _settings({**base, "PYTEST_XDIST_WORKER": "gw1"})

    assert (gw0["redis"], gw1["redis"]) == ("redis://127.0.0.1:6379/10", "redis://127.0.0.1:6379/9")
    assert gw1["feeds"] == gw1["redis"]
    assert (gw0["prefix"], gw1["prefix"]) == ("nexus-check-gw0", "nexus-check-gw1")
    assert gw1["queues"] == ["nexus-check-gw1", "nexus-check-gw1-social-fanout"]
    assert (gw0["streams"], gw1["streams"]) == (
        "nexus-check-gw0:stream:",
        "nexus-check-gw1:stream:",
    )
    # A server or Celery worker the test starts gets the worker's environment, and its
    # settings do not move again.
    child = _settings(gw1.pop("environ"))
    assert {key: child[key] for key in gw1} == gw1


def test_a_skip_on_a_worker_fails_a_ci_run_and_is_named(tmp_path):
    """The rule that a skip fails a CI run is decided on the controller, from the reports
    the workers send; the serial group's ``@serial`` suffix does not hide a test."""
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nDJANGO_SETTINGS_MODULE = config.settings.test\n"
        "markers =\n    browser: drives Chromium\n    services: real services\n"
    )
    (tmp_path / "test_skips.py").write_text(
        textwrap.dedent(
            """
            import pytest

            def test_runs():
                pass

            def test_skips():
                pytest.skip("not here")

            @pytest.mark.services
            def test_skips_in_the_serial_group():
                pytest.skip("nor here")
            """
        )
    )
    env = {**os.environ, "CI": "true", "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider"),
            *("-n", "2", "--dist", "loadgroup", "--rootdir", str(tmp_path), str(tmp_path)),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, output[-3000:]
    assert "1 passed, 2 skipped" in output, output[-3000:]
    assert "FAILED: 2 skipped under CI and not on the allowlist:" in output, output[-3000:]
    assert "test_skips.py::test_skips: not here" in output
    assert "test_skips.py::test_skips_in_the_serial_group@serial: nor here" in output


def test_the_allowlist_names_tests_whatever_their_parameters_and_group(monkeypatch):
    monkeypatch.setitem(suite.CI_SKIP_ALLOWLIST, "tests/x.py::test_y", "no y here")
    assert suite._allowed("tests/x.py::test_y")
    assert suite._allowed("tests/x.py::test_y[a-b]@serial")
    assert suite._allowed("tests/x.py::test_y@serial")
    assert not suite._allowed("tests/x.py::test_yz@serial")


def test_servers_browsers_races_and_faults_are_serial(request):
    """Sample the session's collection (the whole suite's in `make test`): each kind of
    test the serial group is for is in it, test by test (a module's in-process tests
    stay parallel), and a plain API test is not."""
    reasons = {
        item.nodeid.split("@", 1)[0]: suite.serial_reason(item) for item in request.session.items
    }
    guard = "tests/core/test_body_guard.py::"
    expected = {
        "tests/core/test_embedded_default.py::": "uses embedded",
        "tests/core/test_browser.py::": "marked browser",
        "tests/shop/test_concurrency.py::": "in tests/*/test_concurrency.py",
        guard + "test_a_chunked_body_over_the_limit_is_refused_once_past_it[": "live_servers",
        "tests/client/test_readme_examples.py::test_every_readme_example_runs_against_make_run": (
            "make_run_server"
        ),
        "tests/client/test_readme_examples.py::test_the_readme_documents_a_result_for_": None,
        "tests/faults/test_redis_down.py::": "",  # marked services, and in tests/faults/
        guard + "test_wsgi_non_numeric_content_length_is_a_400": None,
        "tests/shop/test_orders.py::": None,
    }
    for prefix, reason in expected.items():
        found = [why for nodeid, why in reasons.items() if nodeid.startswith(prefix)]
        if not found:
            pytest.skip(f"{prefix} is not collected here: run the whole suite")
        if reason is None:
            assert found == [None] * len(found), prefix
        else:
            assert all(why is not None and reason in why for why in found), (prefix, found)


def test_a_server_started_outside_the_serial_group_fails_the_test(monkeypatch):
    monkeypatch.setenv("NEXUS_XDIST_SERIAL_GROUP", "serial")
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "tests/x.py::test_y[1] (setup)")
    with pytest.raises(pytest.fail.Exception, match="starts a server outside the serial"):
        require_serial("a server")
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "tests/x.py::test_y[1]@serial (setup)")
    require_serial("a server")
