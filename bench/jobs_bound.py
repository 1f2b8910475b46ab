"""The job search's bounded ranking, in-process (Django test client: no server, no load
generator): what ranking only the newest ``jobs.selectors.SEARCH_CANDIDATES`` matches
costs in ranking quality, and what it saves, over the terms bench/jobs_run.py rotates
through (``FILTERED_TERMS`` with its filters, ``TYPO_TERMS``).

- Quality, per term: the first page (20) of the bounded ranking against the unbounded
  one (every match ranked): how many of the unbounded top 20 the bounded top 20 keeps
  (overlap), and the bounded top 20's summed rank as a share of the unbounded top 20's
  (the same ``ts_rank_cd``: 100% when the ones swapped in rank as high as the ones they
  replace).
- Latency: ``GET /api/v1/jobs/jobs/?q=...`` for every term, in rounds that alternate
  "before" (every match ranked: ``SEARCH_CANDIDATES = None``, a patch living in this
  script) and "after" (the bound), which goes first swapped every round; p50/p95 per
  scenario and mode.
- ``--profile``: pyinstrument over one pass of every term in each mode, the top costs.

On the bench data (bench/jobs_seed.py, 100,000 jobs; production settings, throttles
raised as in the bench)::

    PYTHONPATH=src:bench DATABASE_URL=postgres://.../nexus_jobs REDIS_URL=redis://.../7 \\
        python bench/jobs_bound.py [--rounds 6] [--candidates 1000] [--profile]

Results: bench/RESULTS.md, "Jobs search, bounded".
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import tax_profile  # noqa: F401  # the environment (production settings, throttles raised)
from common import percentile
from jobs_run import API, SCENARIOS
from tax_profile import top_functions

PAGE = 20


@contextmanager
def candidates(limit: int | None) -> Iterator[None]:
    from jobs import selectors

    saved = selectors.SEARCH_CANDIDATES
    selectors.SEARCH_CANDIDATES = limit
    try:
        yield
    finally:
        selectors.SEARCH_CANDIDATES = saved


def top(params: dict[str, str]) -> list[tuple[int, float]]:
    """The API's first page for ``params``: (id, rank) of its 20 jobs, best first."""
    from jobs import selectors

    text = params["q"]
    filters = {key: value for key, value in params.items() if key != "q"}
    typed: dict[str, Any] = {
        "remote": filters.get("remote") == "true" if "remote" in filters else None,
        "salary_min": int(filters["salary_min"]) if "salary_min" in filters else None,
    }
    corrections = selectors.search_corrections(text)
    jobs = selectors.job_filter(selectors.job_open(), q=text, corrections=corrections, **typed)
    return list(jobs.order_by("-rank", "-id").values_list("id", "rank")[:PAGE])


def quality(limit: int) -> None:
    print(f"\n### Ranking quality: the newest {limit:,} matches ranked, against all\n")
    print("| scenario | term | matches | top-20 overlap | rank kept |")
    print("| --- | --- | ---: | ---: | ---: |")
    from jobs import selectors

    for scenario, terms in SCENARIOS.items():
        overlaps, kept = [], []
        for params in terms:
            with candidates(None):
                every = top(params)
                corrections = selectors.search_corrections(params["q"])
                matching = selectors.job_filter(
                    selectors.job_open(),
                    q=params["q"],
                    corrections=corrections,
                    remote=True if params.get("remote") == "true" else None,
                    salary_min=int(params["salary_min"]) if "salary_min" in params else None,
                ).count()
            with candidates(limit):
                bounded = top(params)
            overlap = len({pk for pk, _ in every} & {pk for pk, _ in bounded}) / max(1, len(every))
            share = sum(r for _, r in bounded) / max(1e-9, sum(r for _, r in every))
            overlaps.append(overlap)
            kept.append(share)
            print(
                f"| {scenario[:24]}… | {params['q']} | {matching:,} | {overlap:.0%} | {share:.1%} |"
            )
        print(
            f"| **{scenario}** | **all {len(terms)}** | | **mean {statistics.mean(overlaps):.0%}, "
            f"min {min(overlaps):.0%}** | **mean {statistics.mean(kept):.1%}, "
            f"min {min(kept):.1%}** |"
        )


def latency(limit: int, rounds: int) -> None:
    from django.test import Client

    client = Client()
    modes = {"before (all matches)": None, f"after ({limit:,} newest)": limit}
    times: dict[tuple[str, str], list[float]] = {}
    loads = []
    for limit_of_mode in modes.values():  # warm: plans, connections, pages
        with candidates(limit_of_mode):
            for terms in SCENARIOS.values():
                for params in terms:
                    assert client.get(API, params).status_code == 200
    for round_number in range(rounds):
        order = list(modes.items())
        if round_number % 2:
            order.reverse()
        for name, limit_of_mode in order:
            with candidates(limit_of_mode):
                for scenario, terms in SCENARIOS.items():
                    for params in terms:
                        started = time.perf_counter()
                        response = client.get(API, params)
                        times.setdefault((scenario, name), []).append(
                            (time.perf_counter() - started) * 1000
                        )
                        assert response.status_code == 200
        loads.append(os.getloadavg()[0])
    print(
        f"\n### In-process latency: {rounds} alternating rounds, every term once per round "
        f"and mode; 1-minute load average after each round {min(loads):.2f}-{max(loads):.2f}\n"
    )
    print("| scenario | mode | requests | p50 ms | p95 ms | mean ms |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for (scenario, name), values in times.items():
        print(
            f"| {scenario} | {name} | {len(values)} | {percentile(values, 0.5):.1f} "
            f"| {percentile(values, 0.95):.1f} | {statistics.mean(values):.1f} |"
        )


def profile(limit: int, rows: int) -> None:
    from django.test import Client
    from pyinstrument import Profiler

    client = Client()
    for name, limit_of_mode in (("before", None), ("after", limit)):
        with candidates(limit_of_mode):
            profiler = Profiler(interval=0.0002)
            profiler.start()
            for terms in SCENARIOS.values():
                for params in terms:
                    client.get(API, params)
            session = profiler.stop()
        inclusive, own = top_functions(session)
        requests = sum(len(terms) for terms in SCENARIOS.values())
        print(
            f"\n#### Profile, {name}: {requests} requests, "
            f"{session.duration / requests * 1000:.1f} ms each under the profiler\n"
        )
        print("| function | share (inclusive) | share (own) |")
        print("| --- | ---: | ---: |")
        below = [item for item in inclusive.items() if item[1] < 0.75]
        for function, share in sorted(below, key=lambda item: -item[1])[:rows]:
            print(f"| `{function}` | {share:.1%} | {own[function]:.1%} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=0, help="default: the product's")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=20, help="functions per profile table")
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from jobs import selectors

    limit = args.candidates or selectors.SEARCH_CANDIDATES
    assert limit, "the product ranks every match: pass --candidates"
    print(f"load average at the start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    quality(limit)
    if not args.skip_latency:
        latency(limit, args.rounds)
    if args.profile:
        profile(limit, args.top)
    print(f"\nload average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
