"""The category list's plan at scale, before and after the per-category seek, paired.

    PYTHONPATH=src:bench DATABASE_URL=postgres://... python bench/shop_plans.py \
        [--rounds 3] [--orderings price,-price,...]

On a catalog seeded with skewed category sizes (``seed_shop --skew 1.5``, as
bench/shop_seed.py seeds it) and migrated (shop 0004), for six categories
(``cases``: leaves, middle categories and a department, tiny to huge), by every
ordering of the list, ``in_stock=true`` (a list never cached),
first page: EXPLAIN (ANALYZE) of

- before: the plain query (``category_id IN (subtree)``, as shop.selectors sent it
  until the seek), with shop 0004's indexes dropped inside a transaction that is rolled
  back (so the planner sees the catalog as it was);
- after: the query the API sends now (``CategorySeekQuerySet``), with every index.

Rounds alternate before and after (the order swapped every round); each figure is the
median of the rounds' planning + execution time, with the min-max. Prints a Markdown
table and one JSON line. Production would read the same plans: nothing is cached.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

import django


def orderings() -> dict[str, str]:
    """The list's orderings as the API takes them (``?ordering=``), relevance aside (a
    category's page is not a search)."""
    from shop.api.views.products import ProductPagination

    return {key: field for key, field in ProductPagination.orderings.items() if key != "relevance"}


NEW_INDEXES = ("shop_prod_cat_created", "shop_prod_cat_name", "shop_prod_cat_popular")
PAGE = 21  # a page of 20 and the row that says another follows


def cases() -> dict[str, str]:
    """The categories measured, by what they are: slug. The smallest and the largest
    leaf; of the subtrees of several leaves, the smallest and the largest middle
    category, the middle category nearest 1% of the catalog (where a misestimate
    costs most: too small for the global sort-key index to meet its rows soon, too
    large to look negligible) and the smallest department (a top-level category)."""
    from django.db.models import Count

    from shop.models import Category, Product

    leaves = (
        Category.objects.filter(children=None)
        .annotate(n=Count("products"))
        .filter(n__gt=0)
        .order_by("n", "pk")
    )
    tiny, huge = leaves.first(), leaves.last()
    assert tiny is not None
    assert huge is not None
    total = Product.objects.count()
    subtrees: dict[int, list[tuple[int, str]]] = {0: [], 1: []}
    for node in Category.objects.filter(depth__in=(0, 1)):
        subtree = Category.objects.filter(path__startswith=node.path)
        if subtree.count() > 2:  # itself and two leaves at least
            size = subtree.aggregate(n=Count("products"))["n"]
            subtrees[node.depth].append((size, node.slug))
    middles, departments = sorted(subtrees[1]), sorted(subtrees[0])
    near = min(middles, key=lambda middle: abs(middle[0] - total / 100))
    return {
        f"smallest leaf ({tiny.n:,})": tiny.slug,  # type: ignore[attr-defined]
        f"largest leaf ({huge.n:,})": huge.slug,  # type: ignore[attr-defined]
        f"smallest middle ({middles[0][0]:,})": middles[0][1],
        f"middle nearest 1% ({near[0]:,})": near[1],
        f"largest middle ({middles[-1][0]:,})": middles[-1][1],
        f"smallest department ({departments[0][0]:,})": departments[0][1],
    }


def statements(slug: str, ordering: str) -> dict[str, tuple[str, Any]]:
    """The page query of ``?category=<slug>&ordering=<ordering>&in_stock=true``, before
    (plain) and after (one seek per category)."""
    from shop import selectors

    field = orderings()[ordering]
    tie = "-id" if field.startswith("-") else "id"
    products = selectors.product_list(staff=False, category=slug, in_stock=True)
    page = products.order_by(field, tie)[:PAGE]
    plain = page._chain()
    plain._seek_categories = ()  # type: ignore[attr-defined]
    seek = page._per_category() if page._seeks() else page  # type: ignore[attr-defined]
    return {
        "before": plain.query.sql_with_params(),
        "after": seek.query.sql_with_params(),
    }


def explain(sql: str, params: Any, *, drop: bool) -> dict[str, Any]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if drop:
            for index in NEW_INDEXES:
                cursor.execute(f"DROP INDEX {index}")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
        if drop:
            transaction.set_rollback(True)
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    return {
        "ms": plan["Planning Time"] + plan["Execution Time"],
        "planning_ms": plan["Planning Time"],
        "indexes": sorted(set(_indexes(plan["Plan"]))),
        "rows_removed": _removed(plan["Plan"]),
    }


def _indexes(node: dict[str, Any]) -> list[str]:
    found = []
    if node.get("Relation Name") == "shop_product":
        found.append(node.get("Index Name", node["Node Type"]))
    for child in node.get("Plans", []):
        found += _indexes(child)
    return found


def _removed(node: dict[str, Any]) -> int:
    """Rows of shop_product read and filtered out, in all."""
    own = 0
    if node.get("Relation Name") == "shop_product":
        own = int(node.get("Rows Removed by Filter", 0) * node.get("Actual Loops", 1))
    return own + sum(_removed(child) for child in node.get("Plans", []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--orderings", help="comma-separated (default: every ordering)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM shop_product")
        (products,) = cursor.fetchone()
    chosen = cases()
    chosen_orderings = args.orderings.split(",") if args.orderings else list(orderings())
    samples: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    loads = [os.getloadavg()]
    started = time.perf_counter()
    for number in range(args.rounds):
        sides = ("before", "after") if number % 2 == 0 else ("after", "before")
        for name, slug in chosen.items():
            for ordering in chosen_orderings:
                sql = statements(slug, ordering)
                for side in sides:
                    figure = explain(*sql[side], drop=side == "before")
                    samples.setdefault((name, ordering, side), []).append(figure)
        loads.append(os.getloadavg())
    rows = []
    print(
        f"\n{products:,} products; {args.rounds} rounds, before and after alternating; "
        f"{time.perf_counter() - started:.0f} s; 1-minute load at each round's start and "
        f"the end: {', '.join(f'{load[0]:.2f}' for load in loads)}\n"
    )
    print(
        "| category | ordering | before ms | after ms | before reads (rows filtered out) "
        "| after reads |"
    )
    print("| --- | --- | ---: | ---: | --- | --- |")
    for name in chosen:
        for ordering in chosen_orderings:
            row: dict[str, Any] = {"category": name, "ordering": ordering}
            for side in ("before", "after"):
                figures = samples[(name, ordering, side)]
                times = [figure["ms"] for figure in figures]
                row[side] = {
                    "median_ms": statistics.median(times),
                    "min_ms": min(times),
                    "max_ms": max(times),
                    "indexes": figures[-1]["indexes"],
                    "rows_removed": figures[-1]["rows_removed"],
                }
            rows.append(row)
            before, after = row["before"], row["after"]
            print(
                f"| {name} | {ordering} "
                f"| {before['median_ms']:.2f} ({before['min_ms']:.2f}-{before['max_ms']:.2f}) "
                f"| {after['median_ms']:.2f} ({after['min_ms']:.2f}-{after['max_ms']:.2f}) "
                f"| {', '.join(before['indexes'])} ({before['rows_removed']:,}) "
                f"| {', '.join(after['indexes'])} ({after['rows_removed']:,}) |"
            )
    print(json.dumps({"products": products, "loads": loads, "rows": rows}))


if __name__ == "__main__":
    main()
