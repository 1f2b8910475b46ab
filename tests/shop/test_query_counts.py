"""No N+1: lists run the same number of queries whatever the page size."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.services.cart import cart_item_add
from tests.helpers import client_for, warm_token_user
from tests.shop.factories import (
    CART,
    CATEGORIES,
    ORDERS,
    PRODUCTS,
    customer,
    ids,
    make_category,
    make_product,
    place_order,
    staff,
)

pytestmark = pytest.mark.django_db


def _count(client, url, params=None) -> tuple[int, list[str], object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(queries), [q["sql"] for q in queries.captured_queries], response


@pytest.fixture
def catalog():
    root = make_category("Root", slug="root")
    leaf = make_category("Leaf", slug="leaf", parent=make_category("Mid", slug="mid", parent=root))
    other = make_category("Other", slug="other", parent=root)
    return [
        make_product(leaf if n % 2 else other, price=f"{n % 7}.50", stock=n % 3) for n in range(101)
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"ordering": "price"},
        {"ordering": "-popularity", "category": "root", "min_price": "1", "in_stock": "true"},
        {"search": "product", "ordering": "relevance"},
    ],
)
def test_product_list_queries_do_not_grow_with_the_page(catalog, params):
    client = client_for(customer())

    cache.clear()
    warm_token_user(client)
    miss_small, _, small = _count(client, PRODUCTS, {**params, "page_size": 1})
    hit_small, _, _ = _count(client, PRODUCTS, {**params, "page_size": 1})
    cache.clear()
    warm_token_user(client)
    miss_large, _, large = _count(client, PRODUCTS, {**params, "page_size": 100})
    hit_large, hit_sql, _ = _count(client, PRODUCTS, {**params, "page_size": 100})

    assert len(ids(small)) == 1
    assert len(ids(large)) > 1
    assert miss_small == miss_large
    if "in_stock" in params:
        # filtering on stock never reads the cache: stock changes with every sale
        assert hit_small == hit_large == miss_large
        return
    assert hit_small == hit_large < miss_large
    # a cache hit reads only the live stock from the product table
    assert len([sql for sql in hit_sql if '"shop_product"' in sql]) == 1


def test_product_detail_hit_reads_only_live_stock(catalog):
    client = client_for()
    _count(client, f"{PRODUCTS}{catalog[0].pk}/")

    count, sql, response = _count(client, f"{PRODUCTS}{catalog[0].pk}/")

    assert response.json()["id"] == catalog[0].pk
    assert count == 1
    assert '"shop_product"' in sql[0]


def test_category_tree_queries_do_not_grow_with_the_tree():
    parent = make_category("Root", slug="root")
    make_product(parent)
    cache.clear()
    small, _, _ = _count(client_for(), CATEGORIES)

    for n in range(30):
        parent = make_category(f"Level {n}", parent=parent if n % 3 else None)
        make_product(parent)
    cache.clear()
    large, _, response = _count(client_for(), CATEGORIES)

    assert small == large == 2
    assert len(response.json()["results"]) == 11


@pytest.fixture
def many_orders(settings):
    # one buyer's 101 unpaid orders: far past the caps on what a customer may hold
    settings.SHOP_MAX_UNPAID_UNITS = settings.SHOP_MAX_UNPAID_UNITS_PER_PRODUCT = 1000
    buyer = customer()
    category = make_category()
    products = [make_product(category, stock=1000) for _ in range(3)]
    for n in range(101):
        place_order(buyer, *[(product, 1 + n % 2) for product in products[: 1 + n % 3]])
    return buyer


@pytest.mark.parametrize("who", ["owner", "staff"])
@pytest.mark.parametrize("params", [{}, {"status": "pending"}, {"status": "expired"}])
def test_order_list_queries_do_not_grow_with_the_page(many_orders, who, params):
    client = warm_token_user(client_for(many_orders if who == "owner" else staff()))

    small, _, first = _count(client, ORDERS, {**params, "page_size": 1})
    large, _, page = _count(client, ORDERS, {**params, "page_size": 100})

    if params.get("status") == "expired":
        assert ids(page) == []
    else:
        assert len(ids(first)) == 1
        assert len(ids(page)) == 100
        assert sum(len(order["lines"]) for order in page.json()["results"]) > 100
    assert small == large


def test_cart_queries_do_not_grow_with_its_lines():
    shopper = customer()
    category = make_category()
    cart_item_add(user=shopper, product_id=make_product(category).pk, quantity=1)
    client = warm_token_user(client_for(shopper))
    small, _, _ = _count(client, CART)

    for _ in range(20):
        cart_item_add(user=shopper, product_id=make_product(category).pk, quantity=2)
    large, _, response = _count(client, CART)

    assert len(response.json()["items"]) == 21
    assert small == large
