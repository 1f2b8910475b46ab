"""One benchmark run over every domain: ``make bench``.

    make bench          # or: python bench/all_run.py [--duration 2.5] [--rounds 5] [--only jobs]
    make bench-core     # = python bench/all_run.py --only core (likewise each domain)

1. seeds each domain's database at scale, or reuses it when the seed version recorded
   in it matches (bench/common.py: ``prepare``);
2. waits up to 5 minutes for the 1-minute load average to fall below 0.5, and prints
   the three averages; from then on a thread keeps the benchmark's own share of the
   load (bench/common.py: ``LoadWatch``);
3. runs each domain's scenarios next to their ceilings in the same run (each runner's
   ``full``): the core endpoints, the shop's product list, the social feed, the job
   search, poll votes and the SSE fan-out, movie recommendations (serving and the
   offline evaluation); each scenario in paired rounds (the API and its ceiling one
   after the other at each connection count, the order reversed every round);
4. prints one table (p50, p95, throughput, the median ratio to the ceiling over the
   paired rounds with its min-max, RSS per worker) and the total wall time;
5. unless a round started while another job loaded the machine (the 1-minute load
   less the benchmark's own processes above 1.0: then it says so and exits 1), writes
   the run's rows into the latest run (bench/latest-run.json: the rows of the other
   domains are kept, each row saying which run it came from), rewrites the section
   "Latest full run" of bench/RESULTS.md from it (between its markers, nothing else)
   and draws bench/ratios.png.

``--no-write`` leaves RESULTS.md, latest-run.json and the chart alone
(bench/out/full.json is always written). Needs ``wrk`` and the services at their
standard ports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
import traceback
from dataclasses import fields
from pathlib import Path

import common
import jobs_run
import movies_run
import polls_run
import run as core_run
import shop_run
import social_run
from common import (
    OTHERS_LIMIT,
    OUT,
    QUIET_BELOW,
    QUIET_WAIT,
    ROOT,
    Context,
    LoadWatch,
    Row,
    format_load,
    prepare,
    psql,
    read_loadavg,
    render_table,
    wait_for_quiet,
)

RESULTS = ROOT / "bench" / "RESULTS.md"
CHART = ROOT / "bench" / "ratios.png"
LATEST = ROOT / "bench" / "latest-run.json"  # the rows of the section, and their runs
START = "<!-- bench:latest-full-run:start (written by `make bench`; edit outside these markers) -->"
END = "<!-- bench:latest-full-run:end -->"

DOMAINS = {
    "core": core_run,
    "shop": shop_run,
    "social": social_run,
    "jobs": jobs_run,
    "polls": polls_run,
    "movies": movies_run,
}


def loadavg() -> str:
    return format_load(read_loadavg())


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        postgres = "PostgreSQL " + psql("nexus_bench", "SHOW server_version")[0][0]
    except Exception:  # the description is best effort
        postgres = "PostgreSQL"
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), "
        f"{memory:.0f} GiB, Python {platform.python_version()}, {postgres.split(' (')[0]}"
    )


# --- the latest run: rows of one or several runs -------------------------------------


def row_record(row: Row, run_id: str) -> dict:
    """A row as latest-run.json keeps it, naming its run."""
    return {**vars(row), "extra": {**row.extra, "run": run_id}}


def row_from_record(record: dict) -> Row:
    names = {f.name for f in fields(Row)}
    return Row(**{key: value for key, value in record.items() if key in names})


def merge_latest(latest: dict | None, run: dict, rows: list[Row], domains: list[str]) -> dict:
    """The latest run with this ``run``'s rows in place of those of its ``domains``
    (the others' rows kept, in domain order), and only the runs some row comes from."""
    latest = latest or {"runs": {}, "rows": []}
    run_id = run["date"]
    kept = [r for r in latest["rows"] if r["domain"] not in domains]
    fresh = [row_record(row, run_id) for row in rows]
    order = {name: index for index, name in enumerate(DOMAINS)}
    merged = sorted(
        [*kept, *fresh],
        key=lambda r: order.get(r["domain"], len(order)),  # stable: a domain's own order
    )
    meta = {key: value for key, value in run.items() if key != "rows"}
    runs = {**latest["runs"], run_id: {**meta, "domains": domains}}
    used = {r["extra"].get("run") for r in merged}
    return {"runs": {key: value for key, value in runs.items() if key in used}, "rows": merged}


def run_label(run_id: str) -> str:
    return run_id.removesuffix(" UTC")


def describe_run(run: dict, domains: list[str]) -> str:
    """One run, as the section's list of runs says it."""
    parts = [
        f"**{run_label(run['date'])}** UTC: {', '.join(domains)}",
        f"`{run['command']}` (= `python bench/all_run.py {run['arguments']}`)",
        f"{run['machine']}",
        f"wall time {run['wall_seconds'] / 60:.1f} min ("
        + "; ".join(
            [
                f"seeding or reusing the data {run['seed_seconds']:.0f} s",
                *(f"{d} {m:.1f} min" for d, m in run.get("minutes", {}).items()),
            ]
        )
        + ")",
    ]
    quiet = run.get("quiet")
    if quiet:
        parts.append(
            f"load average (1, 5, 15 min) before the first round {format_load(quiet['averages'])}"
            f" after waiting {quiet['waited']:.0f} s"
            + ("" if quiet["quiet"] else f" (the 1-minute one never fell below {QUIET_BELOW})")
        )
    else:
        parts.append(f"load average at the start {run['load_start']}")
    worst = run.get("worst_round")
    if worst:
        parts.append(
            f"the 1-minute load less the benchmark's own at the start of a round: at most "
            f"{worst['others']:.2f} ({worst['load1']:.2f} - {worst['own']:.2f} its own, "
            f"{worst['label']})"
        )
    parts.append(f"at the end {run['load_end']} (the benchmark's own processes count in it)")
    if run.get("method"):
        parts.append(run["method"])
    seeds = "; ".join(f"{d}: {seed}" for d, seed in run["seeds"].items() if d in domains)
    parts.append(f"seeds: {seeds}")
    return "- " + "; ".join(parts) + "."


def render_section(latest: dict) -> str:
    """The "Latest full run" section of bench/RESULTS.md (markers included), from the
    latest run's rows and the runs they came from."""
    rows = [row_from_record(record) for record in latest["rows"]]
    by_run: dict[str, list[str]] = {}
    for row in rows:
        domains = by_run.setdefault(row.extra.get("run", ""), [])
        if row.domain not in domains:
            domains.append(row.domain)
    runs = latest["runs"]
    ordered = sorted(by_run, key=lambda run_id: runs.get(run_id, {}).get("date", ""), reverse=True)
    lines = [
        START,
        "## Latest full run",
        "",
        "The rows come from "
        + ("one run" if len(ordered) == 1 else f"{len(ordered)} runs, newest first")
        + " (the table's column \"run\" names each row's):",
        "",
        *(describe_run(runs[run_id], by_run[run_id]) for run_id in ordered if run_id in runs),
        "",
        "How: each domain's server is gunicorn with production settings (gthread, 2 "
        "workers) plus a bench URLconf for its ceilings; each scenario runs in rounds, each "
        "round at 2 connections then at 16, the API and its ceiling one after the other at "
        "each (the order reversed every round), after a 1 s warm-up; p50/p95 at 2 connections and "
        "throughput at 16 are the medians of the rounds; the ratio is the median of the "
        "rounds' paired ratios (the API's throughput over its ceiling's in the same round) "
        "and its spread, min-max (the same read in raw SQL in a bare Django view, or the "
        "same cached value, paying the API's authentication, throttling and filters unless "
        "the notes say otherwise; for votes the same transaction in raw SQL); RSS = the "
        "largest worker's resident memory after its domain's run. A run whose round "
        "started with the 1-minute load, less the benchmark's own processes, above "
        f"{OTHERS_LIMIT} (another job running) writes nothing here.",
        "",
        render_table(rows, {run_id: run_label(run_id) for run_id in ordered}),
        "",
        "![ratio to ceiling per scenario](ratios.png)",
        END,
    ]
    return "\n".join(lines) + "\n"


def replace_section(text: str, section: str) -> str:
    """``text`` with the section between the markers replaced by ``section``; without
    markers, ``section`` goes before the first level-2 heading (or at the end)."""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        return head + section + ("\n" + tail if tail else "")
    at = text.find("\n## ")
    if at == -1:
        return text.rstrip("\n") + "\n\n" + section
    return text[: at + 1] + section + "\n" + text[at + 1 :]


def chart(rows: list[Row], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measured = [row for row in rows if row.ratio is not None]
    labels = [f"{row.domain}: {row.scenario}" for row in measured]
    values = [row.ratio * 100 for row in measured]
    figure, axes = plt.subplots(figsize=(13, 0.45 * len(measured) + 1.8))
    colours = ["#2b8a3e" if v >= 60 else "#e67700" if v >= 30 else "#c92a2a" for v in values]
    positions = range(len(measured))
    # The spread of the paired rounds (min-max) as an error bar, where there is one.
    spread = [
        [
            value - (row.extra.get("ratio_min") or row.ratio) * 100,
            (row.extra.get("ratio_max") or row.ratio) * 100 - value,
        ]
        for row, value in zip(measured, values, strict=True)
    ]
    axes.barh(positions, values, color=colours, xerr=list(zip(*spread, strict=True)), capsize=2)
    short = [label if len(label) <= 80 else label[:79] + "…" for label in labels]
    axes.set_yticks(list(positions), short, fontsize=8)
    axes.invert_yaxis()
    axes.axvline(100, color="black", linewidth=0.8, linestyle="--")
    for position, value in zip(positions, values, strict=True):
        axes.text(value + 1, position, f"{value:.0f}%", va="center", fontsize=8)
    axes.set_xlabel(
        "throughput as % of the ceiling measured in the same run (median of the paired "
        "rounds; bars: min-max)\n"
        "(green: 60% or more; orange: 30-60%; red: under 30%)",
        fontsize=9,
    )
    axes.set_xlim(0, max([110, *(v + 15 for v in values)]))
    axes.set_title(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def refusal(watch: LoadWatch) -> str:
    """Why the run must not be written (empty: it may)."""
    refused = watch.refused()
    if not refused:
        return ""
    worst = max(refused, key=lambda entry: entry.others)
    return (
        f"{len(refused)} of {len(watch.rounds)} rounds started with the 1-minute load, less "
        f"the benchmark's own processes, above {watch.limit} (another job was running): "
        f"at worst {worst.others:.2f} ({worst.load1:.2f} - {worst.own:.2f} its own) at "
        f"{worst.label}. Not writing {RESULTS.relative_to(ROOT)}: run it again on a quiet "
        "machine."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=2.5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds (5 or more)")
    parser.add_argument("--only", default=",".join(DOMAINS), help="domains, comma-separated")
    parser.add_argument("--seed-only", action="store_true", help="seed or reuse, then stop")
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md and the chart")
    parser.add_argument(
        "--quiet-wait", type=float, default=QUIET_WAIT, help="most seconds to wait for quiet"
    )
    parser.add_argument("--command", default="", help="what to call the run (make's target)")
    args = parser.parse_args()
    chosen = [name for name in args.only.split(",") if name]
    unknown = set(chosen) - set(DOMAINS)
    if unknown:
        sys.exit(f"unknown domains: {sorted(unknown)}; choose from {list(DOMAINS)}")

    started, load_start = time.monotonic(), loadavg()
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    def log(line: str) -> None:
        print(f"[{time.monotonic() - started:6.0f}s] {line}", flush=True)

    log(f"load average {load_start}; domains {chosen}")
    specs = [DOMAINS[name].seed_spec() for name in chosen if name in DOMAINS]
    infos = prepare(specs, log=log)
    seed_seconds = time.monotonic() - started
    if args.seed_only:
        log(f"seeded or reused in {seed_seconds:.0f} s")
        return 0
    quiet = wait_for_quiet(limit=args.quiet_wait, log=log)
    watch = common.LOAD = LoadWatch().start()
    context = Context(duration=args.duration, rounds=args.rounds, infos=infos, log=log)
    rows: list[Row] = []
    minutes: dict[str, float] = {}
    try:
        for name in chosen:
            log(f"--- {name}")
            domain_started = time.monotonic()
            try:
                rows.extend(DOMAINS[name].full(context))
            except Exception as error:  # one domain's failure must not lose the others'
                traceback.print_exc()
                rows.append(
                    Row(
                        name,
                        "(failed)",
                        None,
                        None,
                        None,
                        note=f"{type(error).__name__}: {str(error)[:120]}",
                    )
                )
            finally:
                minutes[name] = (time.monotonic() - domain_started) / 60
    finally:
        watch.stop()
        common.LOAD = None
    wall = time.monotonic() - started
    load_end = loadavg()
    print("\n" + render_table(rows) + "\n", flush=True)
    print(f"wall time {wall / 60:.1f} min; load average {load_start} -> {load_end}", flush=True)
    for entry in watch.rounds:
        print(
            f"  round start: load1 {entry.load1:.2f}, the benchmark's own {entry.own:.2f}, "
            f"others {entry.others:.2f}: {entry.label}",
            flush=True,
        )

    arguments = " ".join(sys.argv[1:]) or "(defaults)"
    worst = watch.worst()
    run = {
        "date": date,
        "command": args.command or f"python bench/all_run.py {arguments}",
        "arguments": f"--only {','.join(chosen)} --duration {args.duration:g} "
        f"--rounds {args.rounds}",
        "machine": machine(),
        "cores": os.cpu_count() or 1,
        "load_start": load_start,
        "load_end": load_end,
        "quiet": quiet,
        "worst_round": None if worst is None else {**vars(worst), "others": worst.others},
        "wall_seconds": wall,
        "seed_seconds": seed_seconds,
        "duration": args.duration,
        "rounds": args.rounds,
        "seeds": {d: info["_seed"]["reason"] for d, info in infos.items()},
        "minutes": minutes,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "full.json").write_text(
        json.dumps(
            {
                **run,
                "rounds_load": [{**vars(e), "others": e.others} for e in watch.rounds],
                "rows": [vars(row) for row in rows],
            },
            indent=2,
            default=str,
        )
    )
    return publish(run, rows, chosen, watch, write=not args.no_write)


def publish(
    run: dict,
    rows: list[Row],
    domains: list[str],
    watch: LoadWatch,
    *,
    write: bool = True,
    results: Path = RESULTS,
    latest_path: Path = LATEST,
    chart_path: Path | None = CHART,
) -> int:
    """Write the run's rows into the latest run (latest-run.json, the section of
    RESULTS.md, the chart), unless a round started while another job loaded the
    machine: then say so and return 1 (nothing written)."""
    refused = refusal(watch)
    if refused:
        print(refused, flush=True)
        return 1
    if not write:
        return 0
    previous = json.loads(latest_path.read_text()) if latest_path.exists() else None
    latest = merge_latest(previous, run, rows, domains)
    latest_path.write_text(json.dumps(latest, indent=2, default=str) + "\n")
    results.write_text(replace_section(results.read_text(), render_section(latest)))
    if chart_path is not None:
        merged = [row_from_record(record) for record in latest["rows"]]
        chart(merged, f"Ratio to ceiling, latest run ({run['date']})", chart_path)
    print(f"wrote {', '.join(domains)} into the latest run ({latest_path.name}, {results.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
