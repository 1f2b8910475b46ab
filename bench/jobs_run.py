"""Benchmark the job search on PostgreSQL + Redis with 100,000 postings.

    make bench-jobs                  # or: python bench/jobs_run.py [--jobs 100000]

1. creates and migrates ``nexus_bench_jobs`` (bench/common.py) and seeds it
   (unless its recorded seed version matches)
   with bench/jobs_seed.py (manage.py seed_jobs), which also records the plans of the
   two searches at that scale (EXPLAIN ANALYZE: no sequential scan of jobs_job);
2. starts gunicorn as bench/common.py does (production settings, 2 workers; ``wsgi``:
   gthread) on port 8103, with bench/jobs_settings.py, which only adds the raw-SQL
   ceiling view of bench/jobs_urls.py;
3. for two scenarios, each rotating through 24 terms (``FILTERED_TERMS`` with
   ``remote=true&salary_min=3000``, ``TYPO_TERMS`` alone; every request takes the next
   term: bench/report.lua's ``BENCH_PATHS``): the API and the same search in raw SQL in
   a minimal Django view (the ceiling, bounded as the API is); checks both return the
   same page for every term (ids, fields and snippets), then wrk at 2 and 16
   connections, in interleaved rounds (medians reported).

Prints Markdown tables and writes bench/out/jobs-<server>.json. Needs ``wrk``.

How quiet the machine was: the load average counts this benchmark's own threads
(gunicorn's, wrk's, PostgreSQL's), so each measurement also records the CPU that
*other* processes used meanwhile, in cores (``CpuMeter``, from Linux /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import urllib.parse

from common import (
    OUT,
    Context,
    Row,
    SeedSpec,
    Target,
    compared,
    domain_env,
    fetch,
    interleaved,
    prepare,
    script_seed,
    serving,
    worker_rss_mib,
)

PORT = 8103
DATABASE = "nexus_bench_jobs"
QUEUE = "nexus-bench-jobs"
API = "/api/v1/jobs/jobs/"
RAW = "/bench/jobs/raw/jobs/"
API_KIND, RAW_KIND = "api", "raw SQL ceiling"
# Each scenario rotates through its terms (every request draws the next one: bench/report.lua
# with BENCH_PATHS), so no single hot query is measured: typos the lexicon corrects, and
# queries with the filters of the senior-python search. Both API and ceiling get each list.
TYPO_TERMS = (
    "pythn developer", "javscript developer", "kubernets engineer", "typscript engineer",
    "pyhton engineer", "djnago developer", "terrafrom devops", "andriod developer",
    "machne learning", "securty analyst", "frontnd engineer", "bakend developer",
    "raect developer", "senoir data engineer", "postgresl database", "kotln developer",
    "embeded engineer", "product mangaer", "obsrvability engineer", "playwrigth testing",
    "laravle developer", "swfit developer", "reseacher", "enginer",
)  # fmt: skip
FILTERED_TERMS = (
    "senior python", "lead java", "junior react", "senior go", "data engineer",
    "rust engineer", "devops kubernetes", "typescript", "machine learning", "senior backend",
    "frontend vue", "ios swift", "android kotlin", "cloud architect", "security analyst",
    "qa automation", "product manager", "ux designer", "php laravel", "ruby rails",
    "site reliability", "senior data scientist", "developer", "engineer",
)  # fmt: skip
FILTERS = {"remote": "true", "salary_min": "3000"}
SCENARIOS: dict[str, list[dict[str, str]]] = {
    f"q=<{len(FILTERED_TERMS)} terms, senior python first>&remote=true&salary_min=3000": [
        {"q": term, **FILTERS} for term in FILTERED_TERMS
    ],
    f"q=<{len(TYPO_TERMS)} typos, pythn developer first> (typo)": [
        {"q": term} for term in TYPO_TERMS
    ],
}


def jobs_env(server: str = "wsgi") -> dict[str, str]:
    return domain_env("jobs", DATABASE, server)


def seed_spec(jobs: int = 100_000) -> SeedSpec:
    return SeedSpec(
        domain="jobs",
        database=DATABASE,
        sources=[
            "bench/jobs_seed.py",
            "src/jobs/management/commands/seed_jobs.py",
            "src/jobs/demo.py",
        ],
        params={"jobs": jobs},
        seed=script_seed("jobs_seed.py", "--jobs", str(jobs)),
        env=jobs_env(),
    )


def _jiffies(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


class CpuMeter(threading.Thread):
    """How much CPU processes outside the benchmark use: every 0.2 s, the jiffies of
    the benchmark's processes (the gunicorn master and workers, the benchmark
    database's PostgreSQL backends, which come and go as connections expire); this
    script and wrk are counted through ``os.times``. Others = all busy CPU minus
    those, over a measurement."""

    def __init__(self, gunicorn: int) -> None:
        super().__init__(daemon=True)
        self.gunicorn = gunicorn
        self.ticks = os.sysconf("SC_CLK_TCK")
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.kinds: dict[int, bool] = {}  # pid -> ours
        self.last: dict[int, int] = {}  # pid -> the last jiffies read (kept after exit)

    def _ours(self, pid: int) -> bool:
        if pid not in self.kinds:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                    command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
            except (OSError, IndexError, ValueError):
                return False
            self.kinds[pid] = (
                pid == self.gunicorn
                or parent == self.gunicorn
                or (command.startswith("postgres:") and f" {DATABASE} " in command)
            )
        return self.kinds[pid]

    def sample(self) -> None:
        pids = [int(e) for e in os.listdir("/proc") if e.isdigit()]
        with self.lock:
            for pid in pids:
                if self._ours(pid):
                    jiffies = _jiffies(pid)
                    if jiffies is not None:
                        self.last[pid] = jiffies

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            self.sample()

    def snapshot(self) -> dict:
        self.sample()
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        mine = os.times()
        with self.lock:
            return {
                "busy": sum(values) - values[3] - values[4],  # all but idle and iowait
                "pids": dict(self.last),
                "self": (mine.user + mine.system + mine.children_user + mine.children_system)
                * self.ticks,
                "at": mine.elapsed,
            }

    def others(self, before: dict, after: dict) -> float:
        """Cores' worth of CPU used by processes outside the benchmark in between."""
        own = after["self"] - before["self"]
        own += sum(j - before["pids"].get(pid, 0) for pid, j in after["pids"].items())
        seconds = after["at"] - before["at"]
        busy = after["busy"] - before["busy"]
        return max(0.0, (busy - own) / self.ticks / seconds) if seconds > 0 else 0.0


def get_json(url: str) -> dict:
    return fetch(url)[1]


def paths(prefix: str, terms: list[dict[str, str]]) -> list[str]:
    return [f"{prefix}?{urllib.parse.urlencode(params)}" for params in terms]


def urls_checked(base: str) -> tuple[dict, dict]:
    """Each scenario's API and ceiling targets (the first term's URL and a file of every
    term's path, for wrk to take in turn), and whether the two answer alike for every
    term."""
    OUT.mkdir(parents=True, exist_ok=True)
    targets: dict[str, dict[str, Target]] = {}
    same = {}
    for number, (name, terms) in enumerate(SCENARIOS.items()):
        targets[name] = {}
        lists = {API_KIND: paths(API, terms), RAW_KIND: paths(RAW, terms)}
        for kind, kind_paths in lists.items():
            listed = OUT / f"jobs-paths-{number}-{'api' if kind == API_KIND else 'raw'}.txt"
            listed.write_text("\n".join(kind_paths) + "\n")
            targets[name][kind] = Target(f"{base}{kind_paths[0]}", paths_file=str(listed))
        pages = []
        for api_path, raw_path in zip(lists[API_KIND], lists[RAW_KIND], strict=True):
            api, raw = get_json(base + api_path), get_json(base + raw_path)
            pages.append((api, raw))
        same[name] = {
            "terms": len(terms),
            "results": sum(len(api["results"]) for api, _ in pages),
            "corrected": sum(bool(api["corrected"]) for api, _ in pages),
            "same_corrected": all(api["corrected"] == raw["corrected"] for api, raw in pages),
            "same_page": all(api["results"] == raw["results"] for api, raw in pages),
            "same_ids": all(
                [r["id"] for r in api["results"]] == [r["id"] for r in raw["results"]]
                for api, raw in pages
            ),
        }
    return targets, same


def full(context: Context) -> list[Row]:
    """The job search's part of ``make bench``: both searches next to their ceiling."""
    base = f"http://127.0.0.1:{PORT}"
    with serving("wsgi", jobs_env(), PORT) as process:
        by_scenario, same = urls_checked(base)
        context.log(f"jobs: same results as the ceiling: {same}")
        targets = {
            (name, kind): target
            for name, pair in by_scenario.items()
            for kind, target in pair.items()
        }
        figures = interleaved(
            targets, rounds=context.rounds, duration=context.duration, log=context.log
        )
        rss = worker_rss_mib(process.pid)
    seeded = context.infos["jobs"]
    return [
        compared(
            "jobs",
            f"GET /api/v1/jobs/jobs/?{name} ({seeded['jobs']:,} jobs)",
            (name, API_KIND),
            (name, RAW_KIND),
            figures,
            rss_mib=rss,
            note="" if same[name]["same_page"] else "ceiling answers differently",
        )
        for name in SCENARIOS
    ]


def measure(server: str, seeded: dict, args: argparse.Namespace) -> dict:
    base = f"http://127.0.0.1:{PORT}"
    results: dict = {"server": server, "seeded": seeded}
    with serving(server, jobs_env(server), PORT) as process:
        meter = CpuMeter(process.pid)
        meter.start()
        targets, same = urls_checked(base)
        results["same_results"] = same
        results["urls"] = {
            name: {kind: target.url for kind, target in pair.items()}
            for name, pair in targets.items()
        }
        print("same results as the ceiling:", same, flush=True)

        runs: dict[tuple[str, str, int], list[dict]] = {}
        for round_ in range(args.rounds):
            for name, pair in targets.items():
                for kind, target in pair.items():
                    for connections in (2, 16):
                        if round_ == 0:
                            target.load(2, connections)  # warm-up: connections, plans
                        before = meter.snapshot()
                        figures = target.load(args.duration, connections)
                        figures["other_cores"] = meter.others(before, meter.snapshot())
                        figures["load1"] = os.getloadavg()[0]  # the 1-minute load after it
                        runs.setdefault((name, kind, connections), []).append(figures)
                        print(server, round_ + 1, name, kind, connections, figures, flush=True)
        results["wrk"] = [
            {
                "scenario": name,
                "kind": kind,
                "c": connections,
                "rounds": len(figures),
                **{
                    key: statistics.median(f[key] for f in figures)
                    for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "other_cores")
                },
                "rps_min": min(f["rps"] for f in figures),
                "rps_max": max(f["rps"] for f in figures),
                "errors": sum(f["errors"] for f in figures),
            }
            for (name, kind, connections), figures in runs.items()
        ]
        for key in ("load1", "other_cores"):
            values = [f[key] for figures in runs.values() for f in figures]
            results[key] = {"min": min(values), "max": max(values), "mean": statistics.mean(values)}
        meter.stopped.set()
    return results


def report(results: dict) -> None:
    seeded = results["seeded"]
    print(
        f"\n### {results['server']}: {seeded['jobs']:,} jobs ({seeded['open_jobs']:,} open), "
        f"{seeded['lexicon_words']:,} lexicon words\n"
    )
    print(
        "| query | corrected | lookup ms | matching | ranked | page query ms "
        "| seq scan on jobs_job | indexes |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | --- | --- |")
    for name, plan in seeded["plans"].items():
        corrected = ", ".join(f"{k}→{v}" for k, v in plan["corrections"].items()) or "none"
        print(
            f"| {name} | {corrected} | {plan['lookup_ms']:.2f} | {plan['matching']:,} "
            f"| {plan.get('ranked', plan['matching']):,} "
            f"| {plan['execution_ms']:.1f} | {'yes' if plan['seq_scan_on_jobs'] else 'no'} "
            f"| {', '.join(plan['indexes'])} |"
        )
    load, others = results["load1"], results["other_cores"]
    print(
        f"\n1-minute load average after each measurement (this benchmark's threads "
        f"included): {load['min']:.2f}-{load['max']:.2f} (mean {load['mean']:.2f}); CPU "
        f"used by other processes meanwhile: {others['min']:.2f}-{others['max']:.2f} cores "
        f"(mean {others['mean']:.2f})"
    )
    rounds = results["wrk"][0]["rounds"]
    print(f"\nmedians of {rounds} interleaved rounds; req/s range = lowest-highest round\n")
    print(
        "| scenario | served by | conns | req/s | range | p50 ms | p95 ms | p99 ms | errors "
        "| others' CPU |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results["wrk"]:
        print(
            f"| {r['scenario']} | {r['kind']} | {r['c']} | {r['rps']:.0f} "
            f"| {r['rps_min']:.0f}-{r['rps_max']:.0f} | {r['p50_ms']:.1f} "
            f"| {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | {r['other_cores']:.2f} |"
        )
    print("\n| scenario | API / ceiling req/s at 16 (goal ≥ 60%) | API p95 at 2 (goal < 50 ms) |")
    print("| --- | ---: | ---: |")
    by = {(r["scenario"], r["kind"], r["c"]): r for r in results["wrk"]}
    for name in SCENARIOS:
        ratio = by[(name, API_KIND, 16)]["rps"] / by[(name, RAW_KIND, 16)]["rps"]
        print(f"| {name} | {ratio:.0%} | {by[(name, API_KIND, 2)]['p95_ms']:.1f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per scenario")
    parser.add_argument("--servers", default="wsgi", help="wsgi, asgi or both (comma)")
    args = parser.parse_args()
    seeded = prepare([seed_spec(args.jobs)])["jobs"]
    print("seeded:", {k: v for k, v in seeded.items() if k != "plans"}, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    for server in args.servers.split(","):
        results = measure(server, seeded, args)
        (OUT / f"jobs-{server}.json").write_text(json.dumps(results, indent=2, default=str))
        report(results)


if __name__ == "__main__":
    main()
