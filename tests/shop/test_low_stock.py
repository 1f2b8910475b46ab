"""Staff's restock list: ``low_stock`` on the product list. It reads the stock a reader
is told (units of overdue unpaid orders count as back on sale), each product against
its own ``low_stock_threshold``; it is never served from the catalog cache, and anyone
but staff is refused it."""

from __future__ import annotations

import pytest

from tests.helpers import assert_problem, client_for
from tests.shop.factories import (
    PRODUCTS,
    customer,
    ids,
    make_category,
    make_product,
    past_due,
    place_order,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    """Stock against threshold: 0 < 5, 4 < 5, 5 = 5, 2 < 3 (its own threshold), 40;
    and an inactive product at 1 < 5."""
    aisle = make_category("Aisle", slug="aisle")
    return {
        "empty": make_product(aisle, stock=0, price="1.00"),
        "four": make_product(aisle, stock=4, price="2.00"),
        "five": make_product(aisle, stock=5, price="3.00"),
        "own-threshold": make_product(aisle, stock=2, low_stock_threshold=3, price="4.00"),
        "plenty": make_product(aisle, stock=40, price="5.00"),
        "retired": make_product(aisle, stock=1, is_active=False, price="6.00"),
    }


def _names(shelf, response) -> list[str]:
    by_id = {product.pk: name for name, product in shelf.items()}
    assert response.status_code == 200, response.content
    return [by_id[pk] for pk in ids(response)]


def test_staff_see_the_products_below_their_threshold(shelf):
    response = client_for(staff()).get(PRODUCTS, {"low_stock": "true", "ordering": "price"})

    assert _names(shelf, response) == ["empty", "four", "own-threshold", "retired"]


def test_low_stock_false_is_the_rest(shelf):
    response = client_for(staff()).get(PRODUCTS, {"low_stock": "false", "ordering": "price"})

    assert _names(shelf, response) == ["five", "plenty"]


def test_low_stock_combines_with_the_other_filters(shelf):
    response = client_for(staff()).get(
        PRODUCTS, {"low_stock": "true", "in_stock": "true", "max_price": "4", "ordering": "price"}
    )

    assert _names(shelf, response) == ["four", "own-threshold"]


def test_a_sale_puts_a_product_on_the_list_at_once(shelf, django_capture_on_commit_callbacks):
    client = client_for(staff())
    before = client.get(PRODUCTS, {"low_stock": "true", "ordering": "price"})
    assert "five" not in _names(shelf, before)

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(customer(), (shelf["five"], 1))

    after = client.get(PRODUCTS, {"low_stock": "true", "ordering": "price"})
    assert _names(shelf, after) == ["empty", "four", "five", "own-threshold", "retired"]
    assert [item["stock"] for item in after.json()["results"]][2] == 4

    # an overdue unpaid order's units are on sale again: off the list, before beat runs
    past_due(order)
    again = client.get(PRODUCTS, {"low_stock": "true", "ordering": "price"})
    assert "five" not in _names(shelf, again)


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("customer", 403)])
@pytest.mark.parametrize("value", ["true", "false"])
def test_low_stock_is_refused_to_anyone_but_staff(shelf, who, status, value):
    client = client_for(customer() if who == "customer" else None)

    response = client.get(PRODUCTS, {"low_stock": value})

    code = "not_authenticated" if status == 401 else "permission_denied"
    body = assert_problem(response, status, code)
    if status == 403:
        assert "low_stock" in body["detail"]
    # the plain catalog is still theirs
    assert client.get(PRODUCTS).status_code == 200


def test_a_malformed_low_stock_is_a_400_naming_it(shelf):
    response = client_for(staff()).get(PRODUCTS, {"low_stock": "lots"})

    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["low_stock"]
