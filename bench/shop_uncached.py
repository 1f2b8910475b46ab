"""The product list served uncached, in-process (Django test client: no server, no load
generator, not the ``make bench`` ratios), before and after the per-category seek and
against its raw-SQL ceiling.

``in_stock=true`` pages are never cached: each request plans and runs its page query.
Variants, in alternating rounds (the order rotated every round):

- ``api``: ``GET /api/v1/shop/products/?category=…&in_stock=true&ordering=…`` as it is;
- ``api before``: the same request with the page query as it was (``category_id IN
  (subtree)``: ``CategorySeekQuerySet`` told not to seek) and shop 0004's indexes dropped
  in a transaction rolled back after the round;
- ``ceiling`` and ``ceiling, LATERAL``: bench/shop_urls.py's raw-SQL views (price order
  only), the subtree then one page, filtered on the stock available now as the API is.

Scenarios: the smallest leaf by price (``make bench``'s uncached row) and the middle
category nearest 1% of the catalog by ``-name`` (the worst plan bench/shop_plans.py
found). On a catalog seeded with ``seed_shop --skew 1.5`` and migrated::

    PYTHONPATH=src:bench DATABASE_URL=postgres://.../nexus_shopplan \\
        python bench/shop_uncached.py [--seconds 2] [--rounds 5]

Each round runs a variant for ``--seconds`` (at least one request); figures are the
median requests per second over the rounds, with the min-max, and the 1-minute load
average at the start of each round. ``--profile N`` then profiles N requests of each API
variant (pyinstrument, as bench/tax_profile.py): where a request's time goes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

from common import RAISED, throttle_names  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_settings")  # production + ceilings
os.environ.setdefault(
    "DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
for _name in throttle_names():  # as the bench: no throttle refuses the loop
    os.environ.setdefault(_name, RAISED)

API = "/api/v1/shop/products/"
RAW = "/bench/shop/raw/products/"


@contextmanager
def before() -> Iterator[None]:
    """The page query as it was: no seek per category, and without shop 0004's indexes
    (dropped in a transaction that is rolled back)."""
    from django.db import connection, transaction
    from shop_plans import NEW_INDEXES

    from shop import selectors

    seeks = selectors.CategorySeekQuerySet._seeks
    selectors.CategorySeekQuerySet._seeks = lambda self: False  # type: ignore[method-assign]
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for index in NEW_INDEXES:
                    cursor.execute(f"DROP INDEX {index}")
            yield
            transaction.set_rollback(True)
    finally:
        selectors.CategorySeekQuerySet._seeks = seeks  # type: ignore[method-assign]


@contextmanager
def as_is() -> Iterator[None]:
    yield


def variants(slug: str, ordering: str) -> dict[str, tuple[str, Callable[[], Any]]]:
    query = f"?category={slug}&in_stock=true"
    found = {
        "api before": (f"{API}{query}&ordering={ordering}", before),
        "api": (f"{API}{query}&ordering={ordering}", as_is),
    }
    if ordering == "price":  # the ceilings order by price only
        found["ceiling"] = (f"{RAW}{query}", as_is)
        found["ceiling, LATERAL"] = (f"{RAW}{query}&sql=lateral", as_is)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, help="requests profiled per variant")
    args = parser.parse_args()
    import django

    django.setup()
    from django.test import Client
    from shop_plans import cases

    chosen = cases()
    small = next(slug for name, slug in chosen.items() if name.startswith("smallest leaf"))
    near = next(slug for name, slug in chosen.items() if name.startswith("middle nearest"))
    client = Client()
    scenarios = {f"{small} by price": (small, "price"), f"{near} by -name": (near, "-name")}
    pages: dict[tuple[str, str], list[int]] = {}
    rates: dict[tuple[str, str], list[float]] = {}
    loads = []
    for number in range(args.rounds):
        loads.append(os.getloadavg()[0])
        for scenario, (slug, ordering) in scenarios.items():
            found = list(variants(slug, ordering).items())
            shift = number % len(found)
            for name, (url, context) in found[shift:] + found[:shift]:
                with context():
                    count, started = 0, time.perf_counter()
                    while count == 0 or time.perf_counter() - started < args.seconds:
                        response = client.get(url)
                        assert response.status_code == 200, response.content[:300]
                        count += 1
                    elapsed = time.perf_counter() - started
                results = [item["id"] for item in response.json()["results"]]
                assert results == pages.setdefault((scenario, "page"), results), (name, url)
                rates.setdefault((scenario, name), []).append(count / elapsed)
    loads.append(os.getloadavg()[0])
    load_line = ", ".join(f"{load:.2f}" for load in loads)
    print(f"\n1-minute load at each round's start and the end: {load_line}")
    print("\n| scenario | served by | req/s (median, min-max) | ms per request |")
    print("| --- | --- | ---: | ---: |")
    for (scenario, name), figures in rates.items():
        median = statistics.median(figures)
        print(
            f"| {scenario} | {name} | {median:.1f} ({min(figures):.1f}-{max(figures):.1f}) "
            f"| {1000 / median:.1f} |"
        )
    if args.profile:
        profiled(client, scenarios, args.profile)


# The parts of a list request, found by function name in the profile (the largest
# inclusive share among the functions whose name starts so).
PARTS = {
    "the page query (keyset page)": ("ProductPagination.paginate_queryset",),
    "the category's subtree (2 queries)": ("category_subtree_ids",),
    "live stock and popularity (1 query)": ("product_live_fields",),
    "serializing 20 products": ("product_payload",),
    "all SQL (execute_sql)": ("SQLCompiler.execute_sql",),
}


def profiled(client: Any, scenarios: dict[str, tuple[str, str]], requests: int) -> None:
    from pyinstrument import Profiler
    from tax_profile import top_functions

    print("\n| scenario | served by | ms per request (profiled) | " + " | ".join(PARTS) + " |")
    print("| --- | --- | ---: |" + " ---: |" * len(PARTS))
    for scenario, (slug, ordering) in scenarios.items():
        for name, (url, context) in variants(slug, ordering).items():
            if not name.startswith("api"):
                continue
            with context():
                client.get(url)  # warm
                profiler = Profiler(interval=0.0002)
                profiler.start()
                for _ in range(requests):
                    client.get(url)
                session = profiler.stop()
            inclusive, _ = top_functions(session)
            per_request = session.duration / requests * 1000
            cells = []
            for prefixes in PARTS.values():
                share = max(
                    (
                        share
                        for function, share in inclusive.items()
                        if function.startswith(prefixes)
                    ),
                    default=0.0,
                )
                cells.append(f"{share:.0%} · {share * per_request:.1f}")
            print(f"| {scenario} | {name} | {per_request:.1f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
