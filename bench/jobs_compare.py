"""The job search before and after a change, over HTTP, alternating: two gunicorns (as
bench/jobs_run.py serves: production settings, gthread, 2 workers, the bench URLconf
with the raw-SQL ceiling) on the same database, one from another checkout of the code
as it was (``--before``, e.g. a worktree of the previous commit) and one from this one;
wrk (bench/report.lua) loads each scenario of bench/jobs_run.py (every request the next
of its rotating terms), API and ceiling, on both servers in turn, round after round
(which server goes first swapped every round). Medians of the rounds; the 1-minute load
average after each measurement.

    git worktree add --detach ../before <commit>
    BENCH_REDIS_URL=redis://127.0.0.1:6379/7 python bench/jobs_compare.py \\
        --before ../before --database nexus_jobs [--rounds 4] [--duration 4]

The database must hold the bench data (bench/jobs_seed.py) and be migrated for both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from common import ROOT, SERVERS, Target, domain_env, stop, wait_for
from jobs_run import API_KIND, RAW_KIND, SCENARIOS, urls_checked

PORTS = {"before": 8163, "after": 8164}


def start(tree: Path, port: int, database: str) -> subprocess.Popen:
    env = domain_env("jobs", database)
    env["PYTHONPATH"] = f"{tree / 'src'}{os.pathsep}{tree / 'bench'}"
    env["CACHE_KEY_PREFIX"] = f"nexus-jobs-compare-{port}"
    env["DJANGO_STATIC_ROOT"] = str(tree / "bench" / "out" / "static")
    return subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *SERVERS["wsgi"],
            *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"),
        ],
        env=env,
        cwd=tree,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, help="a checkout of the code as it was")
    parser.add_argument("--database", default="nexus_jobs")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=4)
    parser.add_argument("--connections", default="2,16")
    args = parser.parse_args()
    trees = {"before": Path(args.before).resolve(), "after": ROOT}
    processes = {name: start(tree, PORTS[name], args.database) for name, tree in trees.items()}
    try:
        targets = {}
        for name, port in PORTS.items():
            wait_for(f"http://127.0.0.1:{port}/health/live/")
            by_scenario, same = urls_checked(f"http://127.0.0.1:{port}")
            print(name, "same results as the ceiling:", same, flush=True)
            for scenario, pair in by_scenario.items():
                for kind, target in pair.items():
                    targets[(scenario, kind, name)] = Target(
                        target.url, paths_file=f"{target.paths_file}.{name}"
                    )
                    Path(f"{target.paths_file}.{name}").write_text(
                        Path(target.paths_file).read_text()
                    )
        connections = [int(c) for c in args.connections.split(",")]
        runs: dict[tuple, list[dict]] = {}
        print(f"load average at the start: {os.getloadavg()}", flush=True)
        for round_ in range(args.rounds):
            order = ["before", "after"] if round_ % 2 == 0 else ["after", "before"]
            for scenario in SCENARIOS:
                for kind in (API_KIND, RAW_KIND):
                    for conns in connections:
                        for name in order:
                            target = targets[(scenario, kind, name)]
                            if round_ == 0:
                                target.load(1, conns)
                            figures = target.load(args.duration, conns)
                            figures["load1"] = os.getloadavg()[0]
                            runs.setdefault((scenario, kind, name, conns), []).append(figures)
                            print(
                                f"{round_ + 1} {name} {kind} c={conns} {scenario}: "
                                f"{figures['rps']:.0f} req/s p50 {figures['p50_ms']:.1f} "
                                f"p95 {figures['p95_ms']:.1f} load {figures['load1']:.2f}",
                                flush=True,
                            )
    finally:
        stop(*processes.values())
    print(f"\nload average at the end: {os.getloadavg()}\n")
    print(
        "| scenario | served by | code | conns | req/s | p50 ms | p95 ms | p95 range "
        "| errors | 1-min load |"
    )
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (scenario, kind, name, conns), figures in runs.items():
        med = {k: statistics.median(f[k] for f in figures) for k in ("rps", "p50_ms", "p95_ms")}
        p95s = [f["p95_ms"] for f in figures]
        loads = [f["load1"] for f in figures]
        print(
            f"| {scenario} | {kind} | {name} | {conns} | {med['rps']:.0f} | {med['p50_ms']:.1f} "
            f"| {med['p95_ms']:.1f} | {min(p95s):.0f}-{max(p95s):.0f} "
            f"| {sum(f['errors'] for f in figures)} | {min(loads):.1f}-{max(loads):.1f} |"
        )


if __name__ == "__main__":
    main()
