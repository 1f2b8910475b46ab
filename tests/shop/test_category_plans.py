"""A category's page is an index seek by every ordering, whatever the category's size:
the planner's own plans (nothing disabled) on a catalog with one huge category and
tiny ones, made in one statement and analyzed; and the per-category form of a
subtree's page returns what the plain query returns."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop import selectors
from shop.api.views.products import ProductPagination
from shop.models import Category, Product
from tests.helpers import client_for
from tests.shop.factories import PRODUCTS, ids, make_category, make_product

pytestmark = pytest.mark.django_db
postgresql_plans = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's query plans"
)

HUGE = 12_000  # products of the huge leaf
OTHERS = 20  # leaves of 150 products each
TINY = 15  # products of each tiny leaf

# Each ordering of the list and the (category, key, id) index that serves it.
ORDERINGS = {
    "price": "shop_prod_cat_price",
    "-price": "shop_prod_cat_price",
    "created": "shop_prod_cat_created",
    "-created": "shop_prod_cat_created",
    "name": "shop_prod_cat_name",
    "-name": "shop_prod_cat_name",
    "popularity": "shop_prod_cat_popular",
    "-popularity": "shop_prod_cat_popular",
}

# One statement: a product per number, the leaf chosen by its range; prices, names and
# dates follow the category (the huge one is cheap, named "a..." and old), so the
# global sort-key indexes meet the other categories' rows first or last.
SEED_SQL = """
INSERT INTO shop_product (category_id, name, slug, sku, description, price, currency,
    stock, low_stock_threshold, is_active, image_urls, popularity, created_at, updated_at)
SELECT c, n || '-' || i, 'plan-' || i, 'PLAN-' || i, '', p, 'EUR', i %% 7, 5, true, '[]',
       i %% 97, now() - (d || ' days')::interval, now()
FROM generate_series(1, %(total)s) AS i,
LATERAL (SELECT CASE
    WHEN i <= %(huge)s THEN %(huge_id)s
    WHEN i <= %(huge)s + %(tiny)s THEN %(tiny_id)s
    WHEN i <= %(huge)s + 2 * %(tiny)s THEN %(tiny2_id)s
    ELSE (%(others)s::bigint[])[1 + i %% %(n_others)s] END AS c) AS leaf,
LATERAL (SELECT CASE WHEN c = %(huge_id)s THEN 5 + i %% 50 ELSE 60 + i %% 900 END AS p,
                CASE WHEN c = %(huge_id)s THEN 'a' ELSE 'z' END AS n,
                CASE WHEN c = %(huge_id)s THEN 300 + i %% 60 ELSE i %% 300 END AS d) AS shape
"""


@pytest.fixture
def scale_catalog() -> dict[str, Category]:
    store = make_category("Store", slug="store")
    big = make_category("Big", slug="big", parent=store)
    small = make_category("Small", slug="small", parent=store)
    leaves = {
        "huge": make_category("Huge", slug="huge", parent=big),
        "tiny": make_category("Tiny", slug="tiny", parent=small),
        "tiny2": make_category("Tiny 2", slug="tiny-2", parent=small),
    }
    others = [make_category(parent=big if n < 2 else store) for n in range(OTHERS)]
    with connection.cursor() as cursor:
        cursor.execute(
            SEED_SQL,
            {
                "total": HUGE + 2 * TINY + 150 * OTHERS,
                "huge": HUGE,
                "tiny": TINY,
                "huge_id": leaves["huge"].pk,
                "tiny_id": leaves["tiny"].pk,
                "tiny2_id": leaves["tiny2"].pk,
                "others": [other.pk for other in others],
                "n_others": OTHERS,
            },
        )
        cursor.execute("ANALYZE shop_category")
        cursor.execute("ANALYZE shop_product")
    return {**leaves, "big": big, "small": small}


def _page_plan(category: str, ordering: str) -> str:
    """The planner's plan for the page query of ``?category=<category>&in_stock=true
    &ordering=<ordering>`` (a list never cached), as the API's paginator sends it:
    the selector's products, ordered by the ordering's field then id, 21 rows."""
    field = ProductPagination.orderings[ordering]
    tie = "-id" if field.startswith("-") else "id"
    products = selectors.product_list(staff=False, category=category, in_stock=True)
    with CaptureQueriesContext(connection) as queries:
        list(products.order_by(field, tie)[:21])
    (page,) = [query["sql"] for query in queries.captured_queries if "LIMIT" in query["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {page}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _product_scans(plan: str) -> list[str]:
    """How each scan of shop_product reads it: the index's name, or "Seq Scan"."""
    scans = []
    for line in plan.splitlines():
        if re.search(r"Scan.* on shop_product\b", line):
            used = re.search(r"using (\w+)", line)
            scans.append(used.group(1) if used else line.strip().split(" on ")[0])
    return scans


# Indexes that lead with the category: the (category, key, id) ones and the foreign key's.
BY_CATEGORY = re.compile(r"shop_prod_cat_\w+|shop_product_category_id\w*")


@postgresql_plans
def test_a_categorys_page_seeks_its_index_by_every_ordering_tiny_or_huge(scale_catalog):
    """A leaf (one seek) and a subtree (one seek per category), 15 or 12,000 products,
    by every ordering, in stock only (a list never cached): shop_product is read only
    through indexes on the category, never by a sequential scan nor by walking a global
    sort-key index past the other categories' rows; the huge leaf, alone or in its
    subtree, through its ordering's (category, key, id) index, which reads 20-odd of its
    12,000 rows. (15 rows may be read from either index on the category and sorted.)"""
    wrong = {}
    for category in ("tiny", "huge", "small", "big"):
        for ordering, index in ORDERINGS.items():
            scans = _product_scans(_page_plan(category, ordering))
            by_category = bool(scans) and all(BY_CATEGORY.fullmatch(scan) for scan in scans)
            if not by_category or (category in ("huge", "big") and index not in scans):
                wrong[(category, ordering)] = scans
    assert wrong == {}
    # a subtree is one seek per category: "big", its huge leaf and its two others
    assert len(_product_scans(_page_plan("big", "name"))) == 4


@pytest.mark.parametrize("ordering", ["price", "-name"])
def test_a_subtrees_pages_are_the_plain_querys_both_ways(ordering):
    """Following ``next`` then ``previous`` through a subtree of three categories
    (products in the middle one too), ties on the sort key included, gives every
    active product of the subtree once, in the ordering's order, as one sorted
    query would."""
    root = make_category("Root", slug="root")
    mid = make_category("Mid", slug="mid", parent=root)
    leaf = make_category("Leaf", slug="leaf", parent=mid)
    outside = make_product(make_category("Outside", slug="outside"))
    for n in range(23):
        make_product(
            (root, mid, leaf)[n % 3],
            name=f"Item {n % 5}",
            price=f"{n % 4}.50",
            popularity=n % 6,
            is_active=n % 11 != 0,
        )
    key = ordering  # the API's names of these two are the fields'
    expected = list(
        Product.objects.filter(category__in=[root, mid, leaf], is_active=True)
        .order_by(key, f"{key[0] if key[0] == '-' else ''}id")
        .values_list("pk", flat=True)
    )
    client = client_for()
    forward, pages = [], []
    url: str | None = f"{PRODUCTS}?category=root&ordering={ordering}&page_size=4"
    while url:
        page = client.get(url).json()
        pages.append(page["results"])
        forward += [item["id"] for item in page["results"]]
        url = page["next"]
        last = page
    backward = []
    url = last["previous"]
    while url:
        page = client.get(url).json()
        backward = [item["id"] for item in page["results"]] + backward
        url = page["previous"]

    assert len(expected) == 20
    assert outside.pk not in forward
    assert forward == expected
    assert backward + [item["id"] for item in pages[-1]] == expected
    assert ids(client.get(PRODUCTS, {"category": "leaf", "ordering": ordering})) == [
        pk for pk in expected if Product.objects.get(pk=pk).category_id == leaf.pk
    ]
