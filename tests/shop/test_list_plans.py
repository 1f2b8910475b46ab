"""The whole catalog's page by price and a product search are index reads at scale: the
planner's own plans (nothing disabled) for the page query the API sends, on 20,000
products made in one statement and analyzed. (A category's page: test_category_plans.)"""

from __future__ import annotations

import pytest
from django.db import connection

from tests.helpers import client_for
from tests.helpers.plans import plan, scans, seed, sent
from tests.shop.factories import PRODUCTS, make_category

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plans"),
]

TOTAL = 20_000
RARE = 500  # one product in this many is a "lantern": 40 in all

# One statement: products spread over the categories, one in eleven inactive, prices
# from 1.00 to 999.99 in no relation to the id, dates over a year; every product is a
# "widget", and one in RARE a "lantern" (the search trigger fills the vector).
SEED_SQL = """
INSERT INTO shop_product (category_id, name, slug, sku, description, price, currency,
    stock, low_stock_threshold, is_active, image_urls, popularity, created_at, updated_at)
SELECT (%(categories)s::bigint[])[1 + i %% %(n_categories)s],
       CASE WHEN i %% %(rare)s = 0 THEN 'Brass lantern ' ELSE 'Steel widget ' END || i,
       'list-' || i, 'LIST-' || i, 'A sturdy widget.', 1 + (i * 7919 %% 99900) / 100.0,
       'EUR', i %% 9, 5, i %% 11 <> 0, '[]', i %% 97,
       now() - ((i * 31 %% 525600) || ' minutes')::interval, now()
FROM generate_series(1, %(total)s) AS i
"""

# What the API is asked, and the index its page query must read shop_product through.
PAGES = {
    "?ordering=price": "shop_prod_price",
    "?ordering=-price": "shop_prod_price",
    "?ordering=price&min_price=200&max_price=210": "shop_prod_price",
    "?ordering=-price&in_stock=true": "shop_prod_price",
    "?search=lantern": "shop_product_search_gin",
    "?search=lantern&ordering=relevance": "shop_product_search_gin",
    "?search=brass+lantern&ordering=price": "shop_product_search_gin",
}


@pytest.fixture
def catalog() -> None:
    categories = [make_category() for _ in range(12)]
    seed(
        SEED_SQL,
        {
            "categories": [category.pk for category in categories],
            "n_categories": len(categories),
            "rare": RARE,
            "total": TOTAL,
        },
        analyze=["shop_category", "shop_product"],
    )


def _page_queries(url: str) -> list[str]:
    """The page query (the one with a LIMIT) of the API's answer to ``url``, then of
    its ``next`` page: the keyset seek past the first page."""
    client = client_for()
    pages: list[dict] = []

    def get(link: str) -> None:
        response = client.get(link)
        assert response.status_code == 200, response.content
        pages.append(response.json())

    first = sent(lambda: get(PRODUCTS + url), "LIMIT")
    assert pages[0]["next"] is not None  # more than a page: the seek below is real
    second = sent(lambda: get(pages[0]["next"]), "LIMIT")
    return first + second


def test_the_catalog_by_price_and_a_search_read_their_index_never_the_whole_table(catalog):
    """By price over the whole catalog (no category), either way, within a price range
    and in stock only, the page and the next one walk the active products' (price, id)
    index: 21 entries, not 20,000 rows sorted. A search for a word 40 products hold,
    by any ordering, finds them through the vector's GIN index rather than walking a
    sort-key index past every product that lacks the word. No plan reads shop_product
    sequentially."""
    wrong = {}
    for url, index in PAGES.items():
        queries = _page_queries(url)
        read = [scans(plan(sql), "shop_product") for sql in queries]
        if len(queries) != 2 or any(index not in each or "Seq Scan" in each for each in read):
            wrong[url] = read
    assert wrong == {}
