"""Seed the job board at scale for bench/jobs_run.py (manage.py seed_jobs), then read
the plans of the benchmarked searches at that scale.

    DJANGO_SETTINGS_MODULE=config.settings.production ... python bench/jobs_seed.py \
        --jobs 100000

Idempotent: seed_jobs tops the board up to the figure asked for; then the job tables
are vacuumed and analyzed. Prints one JSON line
with what the load script needs: counts (the search lexicon's words too), and for each
query the corrections found, how many jobs match and how many of them are ranked (the
newest ``SEARCH_CANDIDATES``), the EXPLAIN ANALYZE of the lexicon lookup (execution
time) and of the page query (execution time, whether any sequential scan of jobs_job
appears, the indexes used).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time

import django
from common import vacuum_analyze

QUERIES = {
    "senior python, remote, salary_min": {
        "q": "senior python",
        "remote": True,
        "salary_min": 3000,
    },
    "typo: pythn developer": {"q": "pythn developer"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    args = parser.parse_args()

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from jobs import selectors
    from jobs.models import Job, SearchWord

    started = time.perf_counter()
    # Progress on stderr: stdout carries only the JSON line for bench/jobs_run.py.
    call_command("seed_jobs", jobs=args.jobs, stdout=sys.stderr)
    seeded_in = time.perf_counter() - started
    # A fresh bulk load has no statistics and no hint bits: the first reads of each page
    # would write it (4,653 pages for one search at 100,000 jobs), and the plans below
    # would be the planner's guesses. What a board in service looks like: vacuumed.
    vacuum_analyze("jobs_job", "jobs_company", "jobs_searchword")

    plans = {}
    for name, params in QUERIES.items():
        corrections = selectors.search_corrections(params["q"])
        with connection.cursor() as cursor:
            cursor.execute(
                f"EXPLAIN (ANALYZE, BUFFERS) {selectors.CORRECTION_SQL}",
                {
                    "words": selectors.correction_candidates(params["q"]),
                    "threshold": selectors.CORRECTION_THRESHOLD,
                    "config": selectors.SEARCH_CONFIG,
                },
            )
            lookup = "\n".join(row[0] for row in cursor.fetchall())
        looked_up = re.search(r"Execution Time: ([\d.]+) ms", lookup)
        jobs = selectors.job_filter(selectors.job_open(), **params, corrections=corrections)
        ranked = jobs.count()  # at most SEARCH_CANDIDATES: the newest matches
        bound, selectors.SEARCH_CANDIDATES = selectors.SEARCH_CANDIDATES, None
        try:
            matching = selectors.job_filter(
                selectors.job_open(), **params, corrections=corrections
            ).count()
        finally:
            selectors.SEARCH_CANDIDATES = bound
        # The API's page statement: cut on the job rows, then read with company and snippets.
        jobs = selectors.job_with_snippets(jobs, params["q"], corrections)
        page = jobs.order_by("-rank", "-id")[:21]
        sql, sql_params = page.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", sql_params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        executed = re.search(r"Execution Time: ([\d.]+) ms", plan)
        plans[name] = {
            "corrections": corrections,
            "lookup_ms": float(looked_up.group(1)) if looked_up else None,
            "lookup_plan": lookup,
            "matching": matching,
            "ranked": ranked,
            "execution_ms": float(executed.group(1)) if executed else None,
            "seq_scan_on_jobs": "Seq Scan on jobs_job" in plan,
            "indexes": sorted(set(re.findall(r"(?:on|using) (jobs_job_\w+)", plan))),
            "plan": plan,
        }
    print(
        json.dumps(
            {
                "jobs": Job.objects.count(),
                "open_jobs": selectors.job_open().count(),
                "lexicon_words": SearchWord.objects.count(),
                "seed_seconds": round(seeded_in, 1),
                "plans": plans,
            }
        )
    )


if __name__ == "__main__":
    main()
