"""A warm, cached recommendations page, in-process (Django test client, as
bench/tax_profile.py measures: no server, no load generator, not the ``make bench``
ratios), before and after the model version was read in the same ``MGET`` as the list.

"Before" is ``movies.selectors.recommendations_for`` as it was, restored by a patch that
lives in this script only: the model version's own ``GET``, then the list at a key that
names it (one ``MGET``). Rounds alternate, and which goes first alternates. Per mode:
requests per second (median of the rounds, min-max), SQL statements and Redis round trips
on one warm request, and with ``--profile`` the top functions (pyinstrument).

Seed first (a database of its own; production settings as bench/tax_profile.py sets
them): ``manage.py migrate && python bench/movies_seed.py --users 20``, then::

    PYTHONPATH=src:bench DATABASE_URL=... REDIS_URL=... \\
        python bench/movies_recs_read.py [--requests 400] [--rounds 8] [--profile]

Results: bench/RESULTS.md, "Recommender quality and cost".
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent)]

import tax_profile  # noqa: E402  (sets the environment before Django starts)


def _recommendations_for_before(*, user: Any, genre: Any = None) -> tuple[list[Any], Any]:
    """The read before: the model version (a GET), then the list under a key naming it."""
    from django.conf import settings

    from core.cache.versioned import cached
    from movies import selectors
    from movies.cache_keys import SHAPE, recommendations_namespace

    version = selectors.current_version()
    items = cached(
        recommendations_namespace(user.pk),
        [SHAPE, version or 0, genre.slug if genre else "-"],
        lambda: selectors._recommendations(user, genre)[1],
        timeout=settings.MOVIES_RECOMMENDATIONS_TTL,
    )
    return items, version


@contextmanager
def mode(name: str) -> Iterator[None]:
    from movies import selectors

    original = selectors.recommendations_for
    if name == "before":
        selectors.recommendations_for = _recommendations_for_before  # type: ignore[assignment]
    try:
        yield
    finally:
        selectors.recommendations_for = original  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="requests per round")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=16, help="functions per profile table")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from core.identity.tokens import AccessToken

    rater = (
        get_user_model().objects.filter(username__startswith="bench_movies_").order_by("pk").first()
    )
    if rater is None:
        sys.exit("seed first: bench/movies_seed.py (see the docstring)")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(rater)}")
    call: Callable[[], Any] = lambda: client.get("/api/v1/movies/recommendations/")  # noqa: E731

    modes = ("before", "after")
    counts: dict[str, tuple[int, int]] = {}
    bodies: dict[str, bytes] = {}
    for name in modes:
        with mode(name):
            for _ in range(20):  # warm: both keys' entries filled, connections open
                tax_profile.check(call())
            with tax_profile.counting() as counters:
                bodies[name] = call().content
            counts[name] = (counters.sql, counters.redis)
    assert bodies["before"] == bodies["after"], "the two reads must serve the same page"
    figures: dict[str, list[float]] = {name: [] for name in modes}
    for round_number in range(args.rounds):
        order = modes if round_number % 2 == 0 else modes[::-1]
        for name in order:
            with mode(name):
                figures[name].append(tax_profile.rate(call, args.requests))
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print("| request | mode | requests/s (median of rounds) | min-max | SQL | Redis |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name in modes:
        runs = figures[name]
        print(
            f"| recommendations (warm, cached) | {name} | {statistics.median(runs):.0f} | "
            f"{min(runs):.0f}-{max(runs):.0f} | {counts[name][0]} | {counts[name][1]} |"
        )
    paired = [after / before for before, after in zip(*figures.values(), strict=True)]
    print(
        f"\nafter / before, paired by round: median {statistics.median(paired):.2f} "
        f"({min(paired):.2f}-{max(paired):.2f}); load average at the end: {load}"
    )
    if args.profile:
        for name in modes:
            with mode(name):
                tax_profile.profile(f"recommendations ({name})", call, args.requests, args.top)


if __name__ == "__main__":
    main()
