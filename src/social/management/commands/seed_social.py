"""Bulk-create users, posts and follows at scale, for benchmarks and load tests."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.management.arguments import positive_int
from core.management.atomic import ALL_OR_NOTHING, AtomicCommand
from core.management.progress import ProgressLine
from social import feed
from social.demo import bulk_seed


class Command(AtomicCommand):
    help = (
        "Bulk-create N users (seed_user_0000001...), M posts spread over the last year and "
        "K follows per seeded user. PostgreSQL loads with COPY; other databases use "
        "bulk_create. Re-running tops users up to N and adds M posts and K follows more "
        "(duplicate follows are skipped). Feeds are rebuilt from the tables on first read. "
        f"{ALL_OR_NOTHING}"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--users", type=positive_int, required=True, help="Seeded accounts.")
        parser.add_argument("--posts", type=positive_int, required=True, help="Posts to add.")
        parser.add_argument(
            "--follows", type=positive_int, default=100, help="Follows per user (default 100)."
        )
        parser.add_argument(
            "--batch", type=positive_int, default=20_000, help="Rows per COPY (default 20000)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        line = ProgressLine(self.stdout)

        def progress(stage: str, done: int, total: int, seconds: float) -> None:
            line(done, total, seconds, stage=stage)

        report = bulk_seed(
            users=options["users"],
            posts=options["posts"],
            follows=options["follows"],
            batch=options["batch"],
            progress=progress,
        )
        line.finish()
        transaction.on_commit(_drop_cached_feeds)
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_social: {report.users:,} users, {report.posts:,} posts added, "
                f"{report.follows:,} follows added in {report.seconds:.1f}s"
            )
        )


def _drop_cached_feeds() -> None:
    """Cached feeds predate the new follows: drop them (once the rows are in) so reads
    rebuild."""
    store = feed.client()
    if store is None:
        return
    try:
        names = list(store.scan_iter(match=feed.key(0)[:-1] + "*", count=1000))
        if names:
            store.delete(*names)
    except feed.REDIS_ERRORS:
        pass
