"""What the cached catalog keeps apart, seen from the outside: a page filled by one
request is never answered to another that would get a different body (another origin,
staff or not, the parameters as sent), a stock filter is never cached, a refusal is
never cached, and the category tree is read once."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import assert_invalid, client_for
from tests.shop.factories import (
    CATEGORIES,
    PRODUCTS,
    category_url,
    customer,
    ids,
    make_category,
    make_product,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    """Three active products (prices 1, 2, 3) and an inactive one."""
    category = make_category("Shelf", slug="shelf")
    active = [make_product(category, price=f"{n}.00") for n in (1, 2, 3)]
    hidden = make_product(category, price="4.00", is_active=False)
    return active, hidden


def _queries(client, url, params=None, **extra) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {}, **extra)
    assert response.status_code == 200, response.content
    return len(queries), response


def test_each_host_gets_next_links_to_itself(shelf):
    client = client_for()
    params = {"ordering": "price", "page_size": 1}

    first = client.get(PRODUCTS, params)
    other = client.get(PRODUCTS, params, HTTP_HOST="localhost")

    assert urlsplit(first.json()["next"]).netloc == "testserver"
    assert urlsplit(other.json()["next"]).netloc == "localhost"
    assert ids(first) == ids(other)


def test_each_scheme_gets_next_links_in_its_own_scheme(shelf):
    client = client_for()
    params = {"ordering": "price", "page_size": 1}

    plain = client.get(PRODUCTS, params)
    secure = client.get(PRODUCTS, params, secure=True)

    assert urlsplit(plain.json()["next"]).scheme == "http"
    assert urlsplit(secure.json()["next"]).scheme == "https"


def test_a_repeated_parameter_is_kept_apart_from_its_last_value(shelf):
    make_category("Other", slug="other")
    client = client_for()

    once = client.get(f"{PRODUCTS}?category=shelf&ordering=price&page_size=1")
    twice = client.get(f"{PRODUCTS}?category=other&category=shelf&ordering=price&page_size=1")

    assert "category=other" not in once.json()["next"]
    assert "category=other&category=shelf" in twice.json()["next"]


def test_next_links_repeat_the_parameters_as_sent(shelf):
    client = client_for()

    plain = client.get(PRODUCTS, {"ordering": "price", "page_size": 1, "min_price": "1"})
    spelled = client.get(PRODUCTS, {"ordering": "price", "page_size": 1, "min_price": "1.00"})

    assert "min_price=1&" in plain.json()["next"]
    assert "min_price=1.00&" in spelled.json()["next"]
    assert ids(plain) == ids(spelled)


def test_staff_and_shoppers_never_share_a_cached_list(shelf):
    active, hidden = shelf
    shopper, operator = client_for(customer()), client_for(staff())

    assert ids(shopper.get(PRODUCTS, {"ordering": "price"})) == [p.pk for p in active]
    assert ids(operator.get(PRODUCTS, {"ordering": "price"})) == [
        *(p.pk for p in active),
        hidden.pk,
    ]
    assert ids(shopper.get(PRODUCTS, {"ordering": "price"})) == [p.pk for p in active]


def test_a_list_is_read_once_then_only_its_live_stock(shelf):
    client = client_for()
    params = {"ordering": "price", "category": "shelf"}

    miss, first = _queries(client, PRODUCTS, params)
    hit, again = _queries(client, PRODUCTS, params)

    assert again.json() == first.json()
    assert hit == 1 < miss


def test_a_stock_filter_is_never_served_from_the_cache(shelf):
    client = client_for()
    params = {"ordering": "price", "in_stock": "true"}

    miss, first = _queries(client, PRODUCTS, params)
    again, second = _queries(client, PRODUCTS, params)

    assert again == miss
    assert second.json() == first.json()


def test_an_unknown_category_is_a_400_each_time(shelf):
    client = client_for()

    for _ in range(2):
        body = assert_invalid(client.get(PRODUCTS, {"category": "nowhere"}), "category")
        assert body["errors"]["category"] == [
            {"message": "No category with this slug.", "code": "does_not_exist"}
        ]
        assert body["detail"] == "Invalid input in: category."
    make_category("Nowhere", slug="nowhere")
    assert ids(client.get(PRODUCTS, {"category": "nowhere"})) == []


def test_the_category_tree_and_a_category_are_read_once(shelf):
    client = client_for()

    _queries(client, CATEGORIES)
    tree_hit, tree = _queries(client, CATEGORIES)
    node_hit, node = _queries(client, category_url("shelf"))

    assert tree_hit == node_hit == 0
    assert tree.json()["results"][0]["product_count"] == 3
    assert node.json()["slug"] == "shelf"
    assert node.json()["ancestors"] == []
