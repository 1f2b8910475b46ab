"""Runs of the data commands (seeds, imports, training) at small sizes, the same on
PostgreSQL (in the suite's process) and on SQLite (``python -m tests.core.command_runs
CASE`` against a fresh file, as ``make run`` would): first made to fail part-way, then
for real; each run reports the rows every table gained (test_commands.py)."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

# A small MovieLens: the first raters' ratings only (seed_demo imports all 100k).
MOVIELENS_RATERS = 12


class ForcedFailure(RuntimeError):
    """Raised by the step a run is made to fail at, once that step has run."""


@dataclass(frozen=True)
class Case:
    command: str
    args: tuple[str, ...] = ()
    # Rows the run adds, per table (the tables not named may gain rows too).
    expected: dict[str, int] = field(default_factory=dict)
    # "module:attribute": the step that raises once it has run, in the failing run
    # (on its ``fail_on_call``-th call).
    fail_after: str | None = None
    fail_on_call: int = 1
    # Commands run before (their rows are not counted).
    setup: tuple[tuple[str, ...], ...] = ()


CASES: dict[str, Case] = {
    "seed_demo": Case(
        "seed_demo",
        expected={
            "core_user": 42,  # the 6 demo accounts and social's 36 people
            "shop_category": 56,
            "shop_product": 150,
            "shop_order": 2,
            "social_post": 320,
            "jobs_company": 5,
            "jobs_job": 200,
            "jobs_application": 6,
            "polls_poll": 6,
            "movies_rating": 889 + 4,  # the small MovieLens's, and demo_customer's
            "movies_recommendermodel": 1,
        },
        fail_after="movies.demo:demo_seed",  # after core, shop, social and movies
    ),
    "seed_shop": Case(
        "seed_shop",
        ("--products", "40", "--categories", "35", "--batch", "15"),
        expected={"shop_category": 56, "shop_product": 40},
        fail_after="shop.demo.scale:_scale_row",  # in the second batch of products
        fail_on_call=20,
    ),
    "seed_jobs": Case(
        "seed_jobs",
        ("--jobs", "30", "--companies", "5", "--batch", "12"),
        expected={"jobs_company": 5, "jobs_job": 30},
        fail_after="jobs.demo:job_salary_normalize",  # in the second batch of jobs
        fail_on_call=20,
    ),
    "seed_social": Case(
        "seed_social",
        ("--users", "12", "--posts", "40", "--follows", "3", "--batch", "10"),
        expected={"core_user": 12, "social_profile": 12, "social_post": 40, "social_follow": 36},
        fail_after="social.demo:_follows_insert",  # the first chunk of follows
    ),
    "import_movielens": Case(
        "import_movielens",
        ("--users", str(MOVIELENS_RATERS)),
        expected={
            "movies_genre": 19,
            "movies_movie": 621,
            "movies_rater": MOVIELENS_RATERS,
            "movies_rating": 889,
        },
        fail_after="movies.importer:movie_aggregates_refresh",  # the last step
    ),
    "train_recommender": Case(
        "train_recommender",
        expected={"movies_recommendermodel": 1},
        fail_after="movies.management.commands.train_recommender:model_train",
        setup=(("import_movielens", "--users", str(MOVIELENS_RATERS)),),
    ),
    "evaluate_recommender": Case("evaluate_recommender", ("--users", "30")),
}


def table_counts() -> dict[str, int]:
    """Rows in every model table."""
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.django_table_names(only_existing=True)):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def added(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        table: after[table] - before.get(table, 0)
        for table in after
        if after[table] != before.get(table, 0)
    }


@contextlib.contextmanager
def raising_after(target: str, call: int = 1) -> Iterator[None]:
    """The function ``module:attribute`` runs as usual, and raises ``ForcedFailure``
    once its ``call``-th call has run."""
    module_name, name = target.split(":")
    module = importlib.import_module(module_name)
    original = getattr(module, name)
    calls = 0

    def failing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = original(*args, **kwargs)
        calls += 1
        if calls >= call:
            raise ForcedFailure(f"{target}, call {calls}")
        return result

    with mock.patch.object(module, name, failing):
        yield


@contextlib.contextmanager
def small_movielens() -> Iterator[None]:
    from movies.management.commands import import_movielens

    full = import_movielens.load_movielens

    def small() -> Any:
        return import_movielens.first_raters(full(), MOVIELENS_RATERS)

    with mock.patch.object(import_movielens, "load_movielens", side_effect=small):
        yield


def run(name: str) -> dict[str, Any]:
    """The case's failing run (if any) then its real one: the rows each left, and the
    real run's output."""
    from django.core.management import call_command

    case = CASES[name]
    report: dict[str, Any] = {}
    with small_movielens():
        for command in case.setup:
            call_command(*command, stdout=io.StringIO())
        before = table_counts()
        if case.fail_after:
            failing = raising_after(case.fail_after, case.fail_on_call)
            with failing, contextlib.suppress(ForcedFailure):
                call_command(case.command, *case.args, stdout=io.StringIO())
                report["failed"] = False
            report.setdefault("failed", True)
            report["left_by_failure"] = added(before, table_counts())
        out = io.StringIO()
        call_command(case.command, *case.args, stdout=out)
    report["added"] = added(before, table_counts())
    report["output"] = out.getvalue()
    return report


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(run(sys.argv[1])))  # noqa: T201  (the test reads it)
