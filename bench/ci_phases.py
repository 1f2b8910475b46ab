"""How long `.ci/run` takes, phase by phase, on a fresh clone of a commit:

    python3 bench/ci_phases.py [--ref HEAD] [--pytest-args '-n0']

clones the repository at ``--ref`` into a temporary directory (as CI does), then runs,
one after the other and timed each, the targets `.ci/run`'s `make test` runs: `make
install` and `make client-deps` (the installs, from uv's and npm's caches as on the
project machine), `make check-services`, `make lint` beside `make checks` (two jobs, as
`make test` runs them) and `make pytest`,
with CI=true; prints one line per phase, the load average before and after, and the
summary line of the suite. `.ci/run`'s own step, apt-get for Chromium and nginx, installs
nothing on a machine that has them and is not timed.

Run it with the services of your own (DATABASE_URL, REDIS_URL, CACHE_KEY_PREFIX, ...) in
the environment when others use the machine. Needs only the standard library.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GIT = shutil.which("git") or "/usr/bin/git"
MAKE = shutil.which("make") or "/usr/bin/make"
PHASES = (
    ("installs", ["install", "client-deps"]),
    ("check-services", ["check-services"]),
    ("lint ∥ checks", ["-j2", "--output-sync=target", "lint", "checks"]),  # as `make test`
    ("pytest", ["pytest"]),
)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="HEAD", help="the commit to clone (default HEAD)")
    parser.add_argument("--pytest-args", default="", help="PYTEST_ARGS for `make pytest`")
    options = parser.parse_args()
    commit = subprocess.run(  # noqa: S603
        [GIT, "rev-parse", options.ref], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    env = {**os.environ, "CI": "true", "PYTEST_ARGS": options.pytest_args}
    env.pop("PYTHONPATH", None)  # the Makefile exports the clone's own
    print(f"commit {commit[:12]}, load average at the start: {load()}", flush=True)
    timings: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="nexus-ci-") as tmp:
        clone = Path(tmp) / "nexus"
        subprocess.run([GIT, "clone", "--quiet", str(ROOT), str(clone)], check=True)  # noqa: S603
        subprocess.run([GIT, "checkout", "--quiet", commit], cwd=clone, check=True)  # noqa: S603
        summary = ""
        for name, targets in PHASES:
            started = time.monotonic()
            result = subprocess.run(  # noqa: S603
                [MAKE, *targets], cwd=clone, env=env, capture_output=True, text=True, check=False
            )
            timings.append((name, time.monotonic() - started))
            print(f"{name:15} {timings[-1][1]:6.1f} s  `make {shlex.join(targets)}`", flush=True)
            if result.returncode != 0:
                print(result.stdout[-6000:] + result.stderr[-3000:], file=sys.stderr)
                print(f"{name} failed with exit code {result.returncode}", file=sys.stderr)
                return 1
            summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    total = sum(seconds for _, seconds in timings)
    print(f"{'total':15} {total:6.1f} s ({total / 60:.1f} min); suite: {summary}")
    print(f"load average at the end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
