"""The cart: add (merging lines), change, remove, check out into an order; and what
a shopper is told when that cannot work."""

from __future__ import annotations

import pytest

from shop.models import CartItem, Order, Product
from tests.helpers import assert_invalid, assert_problem, client_for
from tests.shop.factories import (
    CART,
    CART_ITEMS,
    CHECKOUT,
    cart_item_url,
    customer,
    make_category,
    make_product,
    stock_of,
)

pytestmark = pytest.mark.django_db

EMPTY_CART = {"items": [], "item_count": 0, "total": "0.00", "currency": None}


@pytest.fixture
def pan():
    return make_product(make_category("Pans"), name="Skillet", price="39.90", stock=10)


@pytest.fixture
def lid(pan):
    return make_product(pan.category, name="Lid", price="12.50", stock=4)


@pytest.fixture
def shopper():
    return customer()


def _add(client, product, quantity=1):
    return client.post(CART_ITEMS, {"product": product.pk, "quantity": quantity}, format="json")


def _lines(user) -> list[tuple[int, int]]:
    return list(
        CartItem.objects.filter(cart__user=user).order_by("pk").values_list("product", "quantity")
    )


def test_a_new_shoppers_cart_is_empty(shopper):
    response = client_for(shopper).get(CART)

    assert response.status_code == 200
    assert response.json() == EMPTY_CART


def test_adding_to_the_cart(pan, lid, shopper):
    client = client_for(shopper)

    _add(client, pan, 2)
    response = _add(client, lid)

    assert response.status_code == 201
    body = response.json()
    assert [
        (item["product"]["id"], item["quantity"], item["line_total"]) for item in body["items"]
    ] == [
        (pan.pk, 2, "79.80"),
        (lid.pk, 1, "12.50"),
    ]
    assert body["items"][0]["product"]["name"] == "Skillet"
    assert body["items"][0]["product"]["price"] == "39.90"
    assert body["item_count"] == 3
    assert body["total"] == "92.30"
    assert body["currency"] == "EUR"
    assert client.get(CART).json() == body
    assert stock_of(pan) == 10  # a cart reserves nothing


def test_adding_the_same_product_again_merges_the_line(pan, shopper):
    client = client_for(shopper)
    _add(client, pan, 2)

    response = _add(client, pan, 3)

    assert response.status_code == 201
    assert [(item["product"]["id"], item["quantity"]) for item in response.json()["items"]] == [
        (pan.pk, 5)
    ]
    assert _lines(shopper) == [(pan.pk, 5)]


def test_quantity_defaults_to_one(pan, shopper):
    response = client_for(shopper).post(CART_ITEMS, {"product": pan.pk}, format="json")

    assert response.status_code == 201
    assert _lines(shopper) == [(pan.pk, 1)]


def test_merging_past_the_cap_is_400_and_keeps_the_line(pan, shopper):
    client = client_for(shopper)
    _add(client, pan, 600)

    assert_invalid(_add(client, pan, 401), "quantity")
    assert _lines(shopper) == [(pan.pk, 600)]


@pytest.mark.parametrize("quantity", [0, -1, 1001, "x", 1.5, None])
def test_a_bad_quantity_is_400(pan, shopper, quantity):
    response = client_for(shopper).post(
        CART_ITEMS, {"product": pan.pk, "quantity": quantity}, format="json"
    )

    assert_invalid(response, "quantity")
    assert _lines(shopper) == []


@pytest.mark.parametrize("product", [None, "abc", 0, "9223372036854775808"])
def test_a_bad_product_reference_is_400(shopper, product):
    response = client_for(shopper).post(
        CART_ITEMS, {"product": product, "quantity": 1}, format="json"
    )

    assert_invalid(response, "product")
    assert _lines(shopper) == []


@pytest.mark.parametrize("problem", ["inactive", "unknown"])
def test_an_unsellable_product_cannot_be_added(pan, shopper, problem):
    if problem == "inactive":
        Product.objects.filter(pk=pan.pk).update(is_active=False)
    product_id = pan.pk if problem == "inactive" else pan.pk + 1000

    response = client_for(shopper).post(
        CART_ITEMS, {"product": product_id, "quantity": 1}, format="json"
    )

    body = assert_problem(response, 409, "product_unavailable")
    assert body["product"] == product_id
    assert _lines(shopper) == []


def test_changing_a_lines_quantity(pan, shopper):
    client = client_for(shopper)
    item_id = _add(client, pan, 2).json()["items"][0]["id"]

    response = client.patch(cart_item_url(item_id), {"quantity": 7}, format="json")

    assert response.status_code == 200
    assert response.json()["items"][0]["quantity"] == 7
    assert response.json()["total"] == "279.30"
    assert _lines(shopper) == [(pan.pk, 7)]


@pytest.mark.parametrize("quantity", [0, 1001, "x"])
def test_changing_to_a_bad_quantity_is_400(pan, shopper, quantity):
    client = client_for(shopper)
    item_id = _add(client, pan, 2).json()["items"][0]["id"]

    assert_invalid(
        client.patch(cart_item_url(item_id), {"quantity": quantity}, format="json"), "quantity"
    )
    assert _lines(shopper) == [(pan.pk, 2)]


def test_removing_a_line(pan, lid, shopper):
    client = client_for(shopper)
    _add(client, pan)
    item_id = _add(client, lid).json()["items"][1]["id"]

    response = client.delete(cart_item_url(item_id))

    assert response.status_code == 204
    assert [item["product"]["id"] for item in client.get(CART).json()["items"]] == [pan.pk]


def test_another_users_cart_line_is_404_and_unchanged(pan, shopper):
    item_id = _add(client_for(shopper), pan, 2).json()["items"][0]["id"]
    intruder = client_for(customer())

    assert_problem(
        intruder.patch(cart_item_url(item_id), {"quantity": 9}, format="json"), 404, "not_found"
    )
    assert_problem(intruder.delete(cart_item_url(item_id)), 404, "not_found")
    assert _lines(shopper) == [(pan.pk, 2)]
    assert intruder.get(CART).json() == EMPTY_CART


def test_an_unknown_cart_line_is_404(shopper):
    client = client_for(shopper)

    assert_problem(
        client.patch(cart_item_url(999_999), {"quantity": 1}, format="json"), 404, "not_found"
    )
    assert_problem(client.delete(cart_item_url(999_999)), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", CART, None),
        ("post", CART_ITEMS, {"product": 1, "quantity": 1}),
        ("patch", cart_item_url(1), {"quantity": 2}),
        ("delete", cart_item_url(1), None),
        ("post", CHECKOUT, {}),
    ],
)
def test_the_cart_needs_a_login(pan, shopper, method, url, body):
    _add(client_for(shopper), pan, 2)

    response = getattr(client_for(), method)(url, body, format="json")

    assert_problem(response, 401, "not_authenticated")
    assert _lines(shopper) == [(pan.pk, 2)]
    assert Order.objects.count() == 0


# --- checkout -------------------------------------------------------------------------


def test_checkout_places_the_order_and_empties_the_cart(pan, lid, shopper):
    client = client_for(shopper)
    _add(client, pan, 2)
    _add(client, lid, 1)

    response = client.post(
        CHECKOUT,
        {"shipping_address": "1 Main St", "payment_method": "cash_on_delivery"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["total"] == "92.30"
    assert body["payment_method"] == "cash_on_delivery"
    assert body["shipping_address"] == "1 Main St"
    assert [(line["product"], line["quantity"]) for line in body["lines"]] == [
        (pan.pk, 2),
        (lid.pk, 1),
    ]
    assert client.get(CART).json() == EMPTY_CART
    assert (stock_of(pan), stock_of(lid)) == (8, 3)
    assert list(Order.objects.values_list("pk", "user")) == [(body["id"], shopper.pk)]


def test_checkout_of_an_empty_cart_is_409(shopper):
    assert_problem(client_for(shopper).post(CHECKOUT, {}, format="json"), 409, "cart_empty")
    assert Order.objects.count() == 0


def test_checkout_of_an_emptied_cart_is_409(pan, shopper):
    client = client_for(shopper)
    item_id = _add(client, pan).json()["items"][0]["id"]
    client.delete(cart_item_url(item_id))

    assert_problem(client.post(CHECKOUT, {}, format="json"), 409, "cart_empty")
    assert stock_of(pan) == 10


def test_checkout_with_a_product_withdrawn_since_it_was_added_keeps_the_cart(pan, lid, shopper):
    client = client_for(shopper)
    _add(client, pan, 2)
    _add(client, lid, 1)
    Product.objects.filter(pk=lid.pk).update(is_active=False)

    body = assert_problem(client.post(CHECKOUT, {}, format="json"), 409, "product_unavailable")

    assert body["product"] == lid.pk
    assert _lines(shopper) == [(pan.pk, 2), (lid.pk, 1)]
    assert (stock_of(pan), stock_of(lid)) == (10, 4)
    assert Order.objects.count() == 0


def test_checkout_with_short_stock_is_409_and_keeps_the_cart(pan, lid, shopper):
    client = client_for(shopper)
    _add(client, pan, 2)
    _add(client, lid, 5)

    body = assert_problem(client.post(CHECKOUT, {}, format="json"), 409, "insufficient_stock")

    assert (body["product"], body["available"], body["requested"]) == (lid.pk, 4, 5)
    assert _lines(shopper) == [(pan.pk, 2), (lid.pk, 5)]
    assert (stock_of(pan), stock_of(lid)) == (10, 4)
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"payment_method": "iou"}, "payment_method"),
        ({"shipping_address": "x" * 1001}, "shipping_address"),
    ],
)
def test_checkout_with_bad_options_is_400_and_keeps_the_cart(pan, shopper, body, field):
    client = client_for(shopper)
    _add(client, pan, 2)

    assert_invalid(client.post(CHECKOUT, body, format="json"), field)
    assert _lines(shopper) == [(pan.pk, 2)]
    assert stock_of(pan) == 10


def test_checkout_of_mixed_currencies_is_400_about_the_request_and_keeps_the_cart(pan, shopper):
    """The lines are the cart's, not a field of the checkout's body: the error is the
    body's as a whole (`non_field_errors`), not `items`, which the client never sent."""
    dollars = make_product(pan.category, name="Import", price="9.00", currency="USD", stock=3)
    client = client_for(shopper)
    _add(client, pan, 1)
    _add(client, dollars, 1)

    body = assert_invalid(client.post(CHECKOUT, {}, format="json"), "non_field_errors")

    assert body["errors"]["non_field_errors"][0]["message"] == (
        "All items of an order must share one currency."
    )
    assert _lines(shopper) == [(pan.pk, 1), (dollars.pk, 1)]
    assert (stock_of(pan), stock_of(dollars)) == (10, 3)
    assert Order.objects.count() == 0


def test_checkout_leaves_other_carts_alone(pan, shopper):
    other = customer()
    _add(client_for(other), pan, 1)
    client = client_for(shopper)
    _add(client, pan, 2)

    response = client.post(CHECKOUT, {}, format="json")

    assert response.status_code == 201, response.content
    assert [(line["product"], line["quantity"]) for line in response.json()["lines"]] == [
        (pan.pk, 2)
    ]
    assert (_lines(shopper), _lines(other)) == ([], [(pan.pk, 1)])
    assert list(Order.objects.values_list("user", flat=True)) == [shopper.pk]
    assert stock_of(pan) == 8  # the other cart reserved nothing
