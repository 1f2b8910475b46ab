"""The fuzzing's seed and the full run's log (tests/fuzz/runlog.py), with tiny fuzz runs:
one seed for the session and its workers, the same cases for the same seed, a log for a
run without a time cap (one process, or pytest-xdist's merged parts), none for the slice
inside ``make test``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.fuzz import harness, runlog, summary

ROOT = Path(__file__).resolve().parents[2]


def _config(args: list[str] | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        stash=pytest.Stash(),
        invocation_params=SimpleNamespace(args=args or ["tests/fuzz", "-m", "fuzz"]),
        rootpath=ROOT,
        getoption=lambda name: 0,
    )


class Terminal:
    """What pytest's terminal reporter is asked to show, and its test counts."""

    def __init__(self, **stats: int) -> None:
        self.lines: list[str] = []
        self.stats = {key: [object()] * count for key, count in stats.items()}

    def section(self, title: str, sep: str = "=") -> None:
        self.lines.append(f"[{title}]")

    def write_line(self, line: str, **markup) -> None:
        self.lines.append(line)


def test_a_session_draws_one_seed_and_its_workers_take_it():
    controller_env: dict[str, str] = {}
    runlog.configure(_config(), controller_env)
    seed = controller_env[runlog.ENV_SEED]
    assert seed.isdigit()
    node = SimpleNamespace(workerinput={})
    runlog.configure_node(node, controller_env)
    worker_env = {runlog.ENV_SEED: "999"}  # whatever a worker inherited, the controller's wins
    runlog.configure(SimpleNamespace(workerinput=node.workerinput), worker_env)
    assert worker_env[runlog.ENV_SEED] == seed
    other_env: dict[str, str] = {}
    runlog.configure(_config(), other_env)
    assert other_env[runlog.ENV_SEED] != seed  # a fresh seed per session (1 in 2**32 equal)

    given = {runlog.ENV_SEED: "42"}
    config = _config()
    runlog.configure(config, given)
    assert given[runlog.ENV_SEED] == "42"
    assert harness.FuzzSettings.from_env(given).seed == 42


def test_a_replay_command_runs_the_one_test_with_the_same_seed_and_no_cap():
    fuzz = harness.FuzzSettings(seconds=60, examples=300, seed=7)
    assert fuzz.replay("tests/fuzz/test_openapi.py::test_rest_operation[GET /x/]@serial") == (
        "NEXUS_FUZZ_SEED=7 NEXUS_FUZZ_SECONDS=0 NEXUS_FUZZ_EXAMPLES=300 "
        ".venv/bin/pytest -p no:xdist -m fuzz "
        "'tests/fuzz/test_openapi.py::test_rest_operation[GET /x/]'"
    )


@pytest.fixture
def tiny_run(openapi_schema, in_process_requests, raised_throttle_rates):
    """Fuzz one operation anonymously, with a handful of examples and the given checks."""

    def run(label: str, seed: int, checks: list, nodeid: str = "") -> harness.OperationReport:
        fuzz = harness.FuzzSettings(seconds=None, examples=4, seed=seed)
        report = harness.OperationReport(label, nodeid=nodeid, replay=fuzz.replay(nodeid))
        harness.fuzz_operation(
            openapi_schema.find_operation_by_label(label),
            harness.ANONYMOUS,
            checks=checks,
            fuzz=fuzz,
            deadline=None,
            report=report,
        )
        return report

    return run


def test_the_same_seed_sends_the_same_cases(tiny_run):
    def cases_of(seed: int) -> list[tuple]:
        sent: list[tuple] = []

        def record(ctx, response, case) -> None:
            sent.append((case.method, case.formatted_path, repr(case.query), repr(case.body)))

        report = tiny_run("GET /api/v1/movies/genres/", seed, [record])
        assert not report.findings
        assert not report.errors
        return sent

    first = cases_of(7)
    assert len(first) > 10
    assert cases_of(7) == first
    assert cases_of(8) != first


def _answered_200(ctx, response, case) -> None:
    """A check that fails on every 200: a failure to log, on a cheap operation."""
    if response.status_code == 200:
        raise harness.ContractFailure(case, "Answered 200", "a check of the test")


NODE = "tests/fuzz/test_openapi.py::test_rest_operation[{}]"


def _full_run(monkeypatch, tmp_path: Path, seconds: str = "0") -> SimpleNamespace:
    monkeypatch.setenv("NEXUS_FUZZ_SECONDS", seconds)
    monkeypatch.setenv("NEXUS_FUZZ_EXAMPLES", "4")
    monkeypatch.setenv(runlog.ENV_LOG_DIR, str(tmp_path))
    monkeypatch.delenv(runlog.ENV_SEED, raising=False)
    config = _config(["tests/fuzz", "-m", "fuzz", "-v"])
    runlog.configure(config)  # draws the seed into the (patched) environment
    return config


def test_a_full_run_writes_its_log_with_every_failure_and_its_replay(
    tiny_run, monkeypatch, tmp_path
):
    config = _full_run(monkeypatch, tmp_path)
    seed = harness.FuzzSettings.from_env().seed
    label = "GET /health/live/"
    report = tiny_run(label, seed, [_answered_200], nodeid=NODE.format(label))
    assert f"replay (same seed, same cases): NEXUS_FUZZ_SEED={seed} " in report.render()
    budget = harness.Budget(None, runs=1)
    terminal = Terminal(failed=1)

    path = runlog.finish(terminal, 1, config, summary.part_of([report], budget))

    assert path is not None
    assert path.parent == tmp_path
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert path.name.endswith(f"-{head[:7]}.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, path.with_suffix(".md").name]
    log = json.loads(path.read_text())
    assert log["source"]["commit"] == head
    assert log["settings"]["seed"] == seed
    assert log["settings"]["examples_per_run"] == 4
    assert log["settings"]["identities"][0] == "anonymous"
    assert log["settings"]["seed_source"] == "drawn at random"
    assert log["command"]["ran"] == (
        "NEXUS_FUZZ_SECONDS=0 NEXUS_FUZZ_EXAMPLES=4 .venv/bin/pytest tests/fuzz -m fuzz -v"
    )
    assert f"NEXUS_FUZZ_SEED={seed} .venv/bin/pytest" in log["command"]["replay"]
    assert log["pytest"] == {"failed": 1, "exitstatus": 1}
    (operation,) = log["operations"]
    assert operation["cases"] == report.examples == sum(operation["statuses"].values())
    assert operation["replay"] == report.replay
    (failure,) = operation["failures"]
    assert failure["title"] == "Answered 200"
    assert failure["curl"].startswith("curl -X GET")
    assert log["totals"]["cases"] == report.examples
    assert log["totals"]["distinct_failures"] == log["totals"]["failing_operations"] == 1
    assert log["totals"]["rest"] == 1
    markdown = path.with_suffix(".md").read_text()
    assert f"### {label}" in markdown
    assert report.replay in markdown
    assert terminal.lines[-1] == f"log: {path} (and {path.with_suffix('.md').name})"


def test_under_xdist_the_log_merges_the_workers_parts(tiny_run, monkeypatch, tmp_path):
    config = _full_run(monkeypatch, tmp_path)
    seed = harness.FuzzSettings.from_env().seed
    parts = []
    for label in ("GET /health/live/", "GET /health/ready/"):
        report = tiny_run(label, seed, [], nodeid=NODE.format(label))
        parts.append(summary.part_of([report], harness.Budget(None, runs=1)))

    path = runlog.finish(Terminal(passed=2), 0, config, summary.merged(parts))

    assert path is not None
    log = json.loads(path.read_text())
    assert [operation["operation"] for operation in log["operations"]] == [
        "GET /health/live/",
        "GET /health/ready/",
    ]
    assert log["settings"]["processes"] == 2
    assert log["totals"]["runs"] == 2
    assert log["totals"]["cases"] == sum(p["operations"][0]["cases"] for p in parts) > 0
    assert log["totals"]["distinct_failures"] == 0
    assert log["pytest"] == {"passed": 2, "exitstatus": 0}


def test_the_slice_writes_no_log_but_prints_its_seed(tiny_run, monkeypatch, tmp_path):
    config = _full_run(monkeypatch, tmp_path, seconds="60")
    seed = harness.FuzzSettings.from_env().seed
    report = tiny_run("GET /health/live/", seed, [], nodeid=NODE.format("GET /health/live/"))
    terminal = Terminal(passed=1)

    path = runlog.finish(terminal, 0, config, summary.part_of([report], harness.Budget(60, 1)))

    assert path is None
    assert list(tmp_path.iterdir()) == []
    assert f"NEXUS_FUZZ_SEED={seed} replays these cases" in terminal.lines
