"""Bulk-create a generated job board at scale, for benchmarks and load tests."""

from __future__ import annotations

from typing import Any

from core.management.arguments import positive_int
from core.management.atomic import ALL_OR_NOTHING, AtomicCommand
from core.management.progress import ProgressLine
from jobs.demo import SEED_COMPANY_PREFIX, board_seed


class Command(AtomicCommand):
    help = (
        "Bulk-create N published job postings across generated companies "
        f"({SEED_COMPANY_PREFIX}00000...): realistic titles, levels, types, locations, "
        "tags and salaries (hour, month or year, several currencies), expiring in 30-60 "
        "days. Safe to re-run: it tops the generated postings up to N. PostgreSQL's "
        "trigger fills each search vector as rows arrive (100k in about a minute on two "
        f"cores). {ALL_OR_NOTHING}"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--jobs",
            type=positive_int,
            required=True,
            help="How many generated postings should exist afterwards.",
        )
        parser.add_argument(
            "--companies",
            type=positive_int,
            default=500,
            help="Generated companies to spread them over (default %(default)s).",
        )
        parser.add_argument(
            "--batch",
            type=positive_int,
            default=2000,
            help="Postings per bulk insert (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        progress = ProgressLine(self.stdout, "jobs")
        report = board_seed(
            jobs=options["jobs"],
            companies=options["companies"],
            batch=options["batch"],
            progress=progress,
        )
        progress.finish()
        rate = report.created / report.seconds if report.seconds else 0.0
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_jobs: {report.existing:,} generated jobs existed, created "
                f"{report.created:,} in {report.seconds:.1f}s ({rate:,.0f}/s) across "
                f"{report.companies} companies"
            )
        )
