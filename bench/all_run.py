"""One benchmark run over every domain: ``make bench``.

    make bench          # or: python bench/all_run.py [--duration 4] [--rounds 2] [--only shop,jobs]

1. seeds each domain's database at scale, or reuses it when the seed version recorded
   in it matches (bench/common.py: ``prepare``);
2. runs each domain's scenarios next to their ceilings in the same run (each runner's
   ``full``): the core endpoints, the shop's product list, the social feed, the job
   search, poll votes and the SSE fan-out, movie recommendations (serving and the
   offline evaluation);
3. prints one table (p50, p95, throughput, ratio to the ceiling, RSS per worker) and
   the total wall time; rewrites the section "Latest full run" of bench/RESULTS.md
   (between its markers, nothing else) and draws bench/ratios.png.

``--no-write`` leaves RESULTS.md and the chart alone (bench/out/full.json is always
written). Needs ``wrk`` and the services at their standard ports.
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
from pathlib import Path

import jobs_run
import movies_run
import polls_run
import run as core_run
import shop_run
import social_run
from common import OUT, ROOT, Context, Row, prepare, psql, render_table

RESULTS = ROOT / "bench" / "RESULTS.md"
CHART = ROOT / "bench" / "ratios.png"
START = "<!-- bench:latest-full-run:start (written by `make bench`; edit outside these markers) -->"
END = "<!-- bench:latest-full-run:end -->"
COMMAND = "make bench"

DOMAINS = {
    "core": core_run,
    "shop": shop_run,
    "social": social_run,
    "jobs": jobs_run,
    "polls": polls_run,
    "movies": movies_run,
}


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


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


def loaded(load: str, cores: int) -> bool:
    """A 1-minute load average at or above half the cores: other work was running."""
    return float(load.split()[0]) >= cores / 2


def render_section(run: dict) -> str:
    """The "Latest full run" section of bench/RESULTS.md, markers included."""
    cores = run["cores"]
    # Only the start tells whether other work was running: by the end the load average
    # counts the benchmark's own servers, clients and database (about 4 on 2 cores).
    busy = loaded(run["load_start"], cores)
    seeds = "; ".join(f"{domain}: {seed}" for domain, seed in run["seeds"].items())
    lines = [
        START,
        "## Latest full run",
        "",
        f"Date: {run['date']}. Command: `{run['command']}` (= `python bench/all_run.py "
        f"{run['arguments']}`). Machine: {run['machine']}. Wall time: "
        f"{run['wall_seconds'] / 60:.1f} min ("
        + "; ".join(
            [
                f"seeding or reusing the data {run['seed_seconds']:.0f} s",
                *(f"{d} {m:.1f} min" for d, m in run.get("minutes", {}).items()),
            ]
        )
        + ").",
        "",
        f"Load average (1, 5, 15 min) at the start: {run['load_start']}; at the end: "
        f"{run['load_end']} (the benchmark's own processes count in it)."
        + (
            " **The machine was loaded when the run started** (other work was running): "
            "absolute figures are depressed; the ratio to a ceiling measured in the same "
            "run is the figure to compare."
            if busy
            else ""
        ),
        "",
        "How: each domain's server is gunicorn with production settings (gthread, 2 "
        "workers) plus a bench URLconf for its ceilings; p50/p95 at 2 connections and "
        "throughput at 16, the median of "
        f"{run['rounds']} interleaved rounds of {run['duration']} s (API and ceiling in "
        "turn) after a 1 s warm-up; ratio = the API's throughput / its ceiling's (the "
        "same read in raw SQL in a bare Django view, or the same cached value; for votes "
        "the same transaction in raw SQL); RSS = the largest worker's resident memory "
        "after its domain's run.",
        "",
        render_table(run["rows"]),
        "",
        f"Seeds: {seeds}.",
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
    axes.barh(positions, values, color=colours)
    short = [label if len(label) <= 80 else label[:79] + "…" for label in labels]
    axes.set_yticks(list(positions), short, fontsize=8)
    axes.invert_yaxis()
    axes.axvline(100, color="black", linewidth=0.8, linestyle="--")
    for position, value in zip(positions, values, strict=True):
        axes.text(value + 1, position, f"{value:.0f}%", va="center", fontsize=8)
    axes.set_xlabel(
        "throughput as % of the ceiling measured in the same run\n"
        "(green: 60% or more; orange: 30-60%; red: under 30%)",
        fontsize=9,
    )
    axes.set_xlim(0, max([110, *(v + 15 for v in values)]))
    axes.set_title(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=3, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--only", default=",".join(DOMAINS), help="domains, comma-separated")
    parser.add_argument("--seed-only", action="store_true", help="seed or reuse, then stop")
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md and the chart")
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
        return
    context = Context(duration=args.duration, rounds=args.rounds, infos=infos, log=log)
    rows: list[Row] = []
    minutes: dict[str, float] = {}
    for name in chosen:
        log(f"--- {name}")
        domain_started = time.monotonic()
        try:
            rows.extend(DOMAINS[name].full(context))
        except Exception as error:  # one domain's failure must not lose the others' figures
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
    wall = time.monotonic() - started
    load_end = loadavg()
    table = render_table(rows)
    print("\n" + table + "\n", flush=True)
    print(f"wall time {wall / 60:.1f} min; load average {load_start} -> {load_end}", flush=True)

    arguments = " ".join(sys.argv[1:]) or "(defaults)"
    run = {
        "date": date,
        "command": COMMAND if not sys.argv[1:] else f"python bench/all_run.py {arguments}",
        "arguments": f"--duration {args.duration:g} --rounds {args.rounds}",
        "machine": machine(),
        "cores": os.cpu_count() or 1,
        "load_start": load_start,
        "load_end": load_end,
        "wall_seconds": wall,
        "seed_seconds": seed_seconds,
        "duration": args.duration,
        "rounds": args.rounds,
        "seeds": {d: info["_seed"]["reason"] for d, info in infos.items()},
        "minutes": minutes,
        "rows": rows,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "full.json").write_text(
        json.dumps({**run, "rows": [vars(row) for row in rows]}, indent=2, default=str)
    )
    if not args.no_write:
        RESULTS.write_text(replace_section(RESULTS.read_text(), render_section(run)))
        chart(rows, f"Ratio to ceiling, {date} ({COMMAND})", CHART)
        print(f"wrote the section of {RESULTS.relative_to(ROOT)} and {CHART.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
