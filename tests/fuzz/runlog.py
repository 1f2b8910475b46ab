"""The fuzzing's seed and the full run's log.

The seed: every pytest session has one, ``NEXUS_FUZZ_SEED`` when it is given, else a
fresh random one, chosen once by the session (the controller, under pytest-xdist, which
hands it to its workers) and put in the environment, where the harness's settings read
it (``harness.FuzzSettings.from_env``). The summary section prints it, and a failing
operation's report carries the command that replays it.

The log: a run with no time cap (``NEXUS_FUZZ_SECONDS=0``: ``make fuzz``) writes
``bench/fuzz/<UTC start>-<short commit>.json`` and a short ``.md`` beside it
(``NEXUS_FUZZ_LOG_DIR`` puts them elsewhere): the commit and whether the tree had
uncommitted changes, the dates, the settings, the seed, per operation its cases,
statuses and failures (each with its replay command and its curl), the totals, the wall
time and the command. The slice inside ``make test`` has a time cap: it writes nothing.

Light on purpose: the suite's root conftest imports it in every session.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

ENV_SEED = "NEXUS_FUZZ_SEED"
ENV_LOG_DIR = "NEXUS_FUZZ_LOG_DIR"
_WORKER_SEED = "nexus_fuzz_seed"
_SESSION = pytest.StashKey[dict[str, Any]]()
# Environment variables that change what a run does: the command shows them.
_SETTINGS_ENV = ("NEXUS_FUZZ_SECONDS", "NEXUS_FUZZ_EXAMPLES", ENV_SEED)

Part = dict[str, Any]


# --- the seed ----------------------------------------------------------------------------------


def fresh_seed() -> int:
    return secrets.randbelow(2**32)


def configure(config: Any, environ: Any = None) -> None:
    """``pytest_configure``: fix the session's seed. A pytest-xdist worker takes its
    controller's; otherwise ``NEXUS_FUZZ_SEED`` when given, else a fresh one. The
    controller also notes what the log needs from the start: when, at which commit, with
    which command, and whether the seed was given or drawn."""
    env = os.environ if environ is None else environ
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        if _WORKER_SEED in workerinput:
            env[ENV_SEED] = str(workerinput[_WORKER_SEED])
        return
    given = env.get(ENV_SEED, "").strip()
    seed = int(given) if given else fresh_seed()
    env[ENV_SEED] = str(seed)
    config.stash[_SESSION] = {
        "started": datetime.now(UTC),
        "clock": time.time(),
        "seed_given": bool(given),
        "given_env": {name: env.get(name, "") for name in _SETTINGS_ENV if name != ENV_SEED},
        "args": list(config.invocation_params.args),
        "rootdir": str(config.rootpath),
        "source": source(config.rootpath),
    }


def configure_node(node: Any, environ: Any = None) -> None:
    """``pytest_configure_node`` (pytest-xdist, on the controller): the worker's seed."""
    env = os.environ if environ is None else environ
    node.workerinput[_WORKER_SEED] = env[ENV_SEED]


# --- the log -----------------------------------------------------------------------------------


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
    )
    return done.stdout.rstrip("\n") if done.returncode == 0 else ""


def source(root: Path) -> dict[str, Any]:
    """The commit the run ran at, and the tracked files that differed from it."""
    changed = git(root, "status", "--porcelain", "--untracked-files=no").splitlines()
    return {
        "commit": git(root, "rev-parse", "HEAD") or "unknown",
        "short": git(root, "rev-parse", "--short", "HEAD") or "unknown",
        "branch": git(root, "rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(changed),
        "changed": [line[3:] for line in changed],
    }


def command(args: list[str], env: dict[str, str], seed: int | None) -> dict[str, str]:
    """The pytest command as it ran (with the settings' environment it was given) and the
    one that replays it: the same settings, the seed fixed."""
    argv = ".venv/bin/pytest " + shlex.join(args) if args else ".venv/bin/pytest"
    given = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items() if value)
    settings = {**env, ENV_SEED: "" if seed is None else str(seed)}
    replay = " ".join(f"{name}={shlex.quote(value)}" for name, value in settings.items() if value)
    return {"ran": f"{given} {argv}".strip(), "replay": f"{replay} {argv}".strip()}


def log_of(part: Part, session: dict[str, Any], *, fuzz: Any, outcome: dict[str, Any]) -> dict:
    """The log's content: the merged part of every process, the session's facts, the
    harness's settings and pytest's outcome."""
    from tests.fuzz import world

    operations = sorted(part["operations"], key=lambda operation: operation["nodeid"])
    finished = datetime.now(UTC)
    failures = [finding for operation in operations for finding in operation["failures"]]
    kinds = {"rest": "test_rest_operation", "graphql": "test_graphql_operation"}
    tests = {
        kind: sum(1 for operation in operations if f"::{name}[" in operation["nodeid"])
        for kind, name in {**kinds, "sequences": "test_sequence"}.items()
    }
    return {
        "source": session["source"],
        "started": session["started"].isoformat(timespec="seconds").replace("+00:00", "Z"),
        "finished": finished.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "command": command(session["args"], session["given_env"], fuzz.seed),
        "settings": {
            "examples_per_run": fuzz.examples,
            "time_cap_seconds": fuzz.seconds,
            "identities": list(world.IDENTITIES),
            "seed": fuzz.seed,
            "seed_source": f"given ({ENV_SEED})" if session["seed_given"] else "drawn at random",
            "processes": part.get("processes", 1),
            "python": sys.version.split()[0],
            "versions": session.get("versions", {}),
            "database": session.get("database", ""),
        },
        "totals": {
            "tests": len(operations),
            **tests,
            "runs": part["runs"],
            "cases": sum(operation["cases"] for operation in operations),
            "distinct_failures": len(failures),
            "failing_operations": sum(operation["failing"] for operation in operations),
            "harness_errors": sum(len(operation["errors"]) for operation in operations),
            "runs_stopped_by_time_share": part["stopped"],
            "fuzzing_seconds": round(part["finished"] - part["started"], 1),
            "session_seconds": round(time.time() - session["clock"], 1),
        },
        "pytest": outcome,
        "operations": operations,
    }


def markdown(log: dict) -> str:
    """The log's short form, for a reader: what ran, the totals, every failure."""
    source, totals, settings = log["source"], log["totals"], log["settings"]
    tests = ", ".join(f"{n} {key}" for key, n in log["pytest"].items() if key != "exitstatus")
    dirty = (
        f" with uncommitted changes to {', '.join(source['changed'])}"
        if source["dirty"]
        else " (clean)"
    )
    lines = [
        f"# API fuzzing, {log['started']}",
        "",
        f"- commit {source['commit']}{dirty}",
        f"- {log['started']} to {log['finished']}; fuzzing {totals['fuzzing_seconds']} s "
        f"of a {totals['session_seconds']} s session",
        f"- {settings['examples_per_run']} generated examples per run, identities "
        f"{', '.join(settings['identities'])}, seed {settings['seed']} "
        f"({settings['seed_source']}), {settings['processes']} process(es)",
        f"- {totals['tests']} tests ({totals['rest']} REST operations, {totals['graphql']} "
        f"GraphQL fields, {totals['sequences']} sequences), {totals['runs']} runs, "
        f"{totals['cases']:,} cases",
        f"- {totals['distinct_failures']} distinct failures on "
        f"{totals['failing_operations']} operation(s), {totals['harness_errors']} harness "
        f"error(s); pytest: {tests or 'no tests'} (exit status {log['pytest'].get('exitstatus')})",
        "",
        "```",
        log["command"]["ran"],
        "```",
        "",
        "Replay with the same seed:",
        "",
        "```",
        log["command"]["replay"],
        "```",
    ]
    failing = [operation for operation in log["operations"] if operation["failing"]]
    if failing:
        lines += ["", "## Failures"]
    for operation in failing:
        lines += ["", f"### {operation['operation']}", "", f"replay: `{operation['replay']}`"]
        lines += [f"- harness error: {error}" for error in operation["errors"]]
        for finding in operation["failures"]:
            lines += [
                f"- [{finding['check']}] {finding['title']} -> HTTP {finding['status']}, "
                f"seen {finding['seen']}x as {', '.join(finding['identities'])}"
                + (f"; cause: {finding['cause']}" if finding["cause"] else ""),
                "",
                "  ```",
                *(f"  {line}" for line in finding["curl"].splitlines()),
                "  ```",
            ]
    return "\n".join(lines) + "\n"


def log_dir(rootdir: str, environ: Any = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get(ENV_LOG_DIR, "").strip() or Path(rootdir) / "bench" / "fuzz")


def write(log: dict, directory: Path) -> Path:
    """``<UTC start>-<short commit>.json`` and its ``.md``; the JSON's path."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = log["started"].replace("-", "").replace(":", "")
    path = directory / f"{stamp}-{log['source']['short']}.json"
    path.write_text(json.dumps(log, indent=1, ensure_ascii=False) + "\n")
    path.with_suffix(".md").write_text(markdown(log))
    return path


def outcome_of(terminalreporter: Any, exitstatus: int) -> dict[str, Any]:
    counts = {
        key: len(terminalreporter.stats.get(key, []))
        for key in ("passed", "failed", "error", "skipped")
    }
    return {**{key: n for key, n in counts.items() if n}, "exitstatus": int(exitstatus)}


def finish(terminalreporter: Any, exitstatus: int, config: Any, part: Part) -> Path | None:
    """The controller's end of a session that fuzzed: the summary section, then, for a run
    with no time cap, the log (its path is printed last)."""
    from tests.fuzz import harness, summary

    fuzz = harness.FuzzSettings.from_env()
    summary.write(terminalreporter, part, verbose=config.getoption("verbose") > 0)
    session = config.stash.get(_SESSION, None)
    if fuzz.seconds is not None or session is None:
        return None  # the slice, or a session this module did not start
    session = {**session, **_facts()}
    log = log_of(part, session, fuzz=fuzz, outcome=outcome_of(terminalreporter, exitstatus))
    path = write(log, log_dir(session["rootdir"]))
    terminalreporter.write_line(f"log: {path} (and {path.with_suffix('.md').name})")
    return path


def _facts() -> dict[str, Any]:
    from importlib.metadata import version

    from django.db import connection

    return {
        "versions": {name: version(name) for name in ("schemathesis", "hypothesis", "django")},
        "database": connection.vendor,
    }
