"""No hoarding: a customer may hold only so many unpaid units (per product and in all,
``SHOP_MAX_UNPAID_UNITS*``), past which an order is a 409 ``reservation_limit`` that
changes nothing; and the units of an unpaid order past its deadline are on sale again at
once: every read shows them, the next order or restock of the product records the expiry
(its units back once, its owner told), and beat finds nothing left to do. The races are
in test_concurrency.py."""

from __future__ import annotations

import pytest

from core.notifications.models import Notification
from shop.models import CartItem, Order, OrderLine, OrderStatus, PaymentMethod, Product
from shop.selectors import product_get
from shop.services.cart import cart_item_add
from shop.services.catalog import product_update
from shop.services.orders import order_cancel, order_transition, orders_expire_overdue
from tests.helpers import assert_problem, client_for
from tests.shop.factories import (
    CART,
    CHECKOUT,
    ORDERS,
    PRODUCTS,
    buy,
    customer,
    ids,
    make_category,
    make_product,
    past_due,
    place_order,
    product_url,
    staff,
    stock_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pan():
    return make_product(make_category("Pans"), name="Skillet", price="39.90", stock=100)


@pytest.fixture
def buyer():
    return customer()


def _state(*products: Product) -> tuple:
    """What a refused order must leave alone: orders, lines, stock, carts."""
    return (
        list(Order.objects.order_by("pk").values_list("pk", "status")),
        OrderLine.objects.count(),
        [stock_of(product) for product in products],
        list(CartItem.objects.order_by("pk").values_list("pk", "product", "quantity")),
    )


# --- the cap ------------------------------------------------------------------------------


def test_one_customer_cannot_reserve_a_whole_stock_with_unpaid_orders(buyer):
    """The finding: two unpaid bank-transfer orders of 1,000 units took a product's whole
    stock for the payment window."""
    crate = make_product(make_category(), stock=2000)
    client = client_for(buyer)
    before = _state(crate)

    for _ in range(2):
        body = assert_problem(buy(client, (crate, 1000)), 409, "reservation_limit")
        assert (body["limit"], body["held"], body["requested"]) == (10, 0, 1000)
        assert body["product"] == crate.pk

    assert _state(crate) == before
    assert stock_of(crate) == 2000


def test_the_cap_per_product_names_the_limit_and_what_is_held(pan, buyer):
    client = client_for(buyer)
    assert buy(client, (pan, 6)).status_code == 201
    assert buy(client, (pan, 2)).status_code == 201
    before = _state(pan)

    body = assert_problem(buy(client, (pan, 3)), 409, "reservation_limit")

    assert body["limit"] == 10
    assert body["held"] == 8
    assert body["requested"] == 3
    assert body["product"] == pan.pk
    assert "at most 10" in body["detail"]
    assert "hold 8" in body["detail"]
    assert _state(pan) == before
    assert buy(client, (pan, 2)).status_code == 201  # exactly up to the cap
    assert stock_of(pan) == 90


def test_the_cap_counts_the_same_product_across_lines(pan, buyer):
    body = assert_problem(buy(client_for(buyer), (pan, 6), (pan, 5)), 409, "reservation_limit")

    assert (body["held"], body["requested"], body["product"]) == (0, 11, pan.pk)
    assert stock_of(pan) == 100


def test_the_cap_on_all_products_together(buyer):
    category = make_category()
    products = [make_product(category, stock=20) for _ in range(6)]
    client = client_for(buyer)
    for product in products[:5]:
        assert buy(client, (product, 10)).status_code == 201
    before = _state(*products)

    body = assert_problem(buy(client, (products[5], 1)), 409, "reservation_limit")

    assert (body["limit"], body["held"], body["requested"]) == (50, 50, 1)
    assert body["product"] is None
    assert _state(*products) == before


def test_other_customers_are_not_capped_by_what_one_holds(pan, buyer):
    assert buy(client_for(buyer), (pan, 10)).status_code == 201

    assert buy(client_for(customer()), (pan, 10)).status_code == 201
    assert stock_of(pan) == 80


def test_cash_on_delivery_orders_hold_units_too(pan, buyer):
    place_order(buyer, (pan, 9), payment_method=PaymentMethod.CASH_ON_DELIVERY)

    body = assert_problem(buy(client_for(buyer), (pan, 2)), 409, "reservation_limit")

    assert body["held"] == 9


@pytest.mark.parametrize("release", ["paid", "cancelled", "overdue"])
def test_paid_cancelled_and_overdue_orders_hold_nothing(pan, buyer, release):
    order = place_order(buyer, (pan, 10))
    assert_problem(buy(client_for(buyer), (pan, 1)), 409, "reservation_limit")

    if release == "paid":
        order_transition(order_id=order.pk, status="paid", actor=staff())
    elif release == "cancelled":
        order_cancel(order=order, actor=buyer)
    else:
        past_due(order)

    response = buy(client_for(buyer), (pan, 10))
    assert response.status_code == 201, response.content


def test_the_caps_are_settings(pan, buyer, settings):
    settings.SHOP_MAX_UNPAID_UNITS_PER_PRODUCT = 2
    settings.SHOP_MAX_UNPAID_UNITS = 3
    lid = make_product(pan.category, stock=10)
    client = client_for(buyer)

    per_product = assert_problem(buy(client, (pan, 3)), 409, "reservation_limit")
    assert buy(client, (pan, 2)).status_code == 201
    in_all = assert_problem(buy(client, (lid, 2)), 409, "reservation_limit")

    assert (per_product["limit"], per_product["product"]) == (2, pan.pk)
    assert (in_all["limit"], in_all["held"], in_all["product"]) == (3, 2, None)


def test_a_capped_checkout_keeps_the_cart(pan, buyer):
    place_order(buyer, (pan, 7))
    cart_item_add(user=buyer, product_id=pan.pk, quantity=4)
    client = client_for(buyer)
    before = _state(pan)

    body = assert_problem(client.post(CHECKOUT, {}, format="json"), 409, "reservation_limit")

    assert (body["held"], body["requested"]) == (7, 4)
    assert _state(pan) == before
    assert [item["quantity"] for item in client.get(CART).json()["items"]] == [4]


def test_a_capped_order_does_not_use_up_its_idempotency_key(pan, buyer):
    place_order(buyer, (pan, 9))
    client = client_for(buyer)
    key = {"HTTP_IDEMPOTENCY_KEY": "cap-key-1"}
    body = {"items": [{"product": pan.pk, "quantity": 2}]}

    assert_problem(client.post(ORDERS, body, format="json", **key), 409, "reservation_limit")
    order_cancel(order=Order.objects.get(user=buyer), actor=buyer)
    retried = client.post(ORDERS, body, format="json", **key)

    assert retried.status_code == 201, retried.content
    assert "Idempotent-Replayed" not in retried


# --- an unpaid order past its deadline: its units on sale again at once -------------------


def test_overdue_units_read_as_stock_at_once_everywhere(buyer):
    crate = make_product(make_category(), name="Crate", stock=10)
    order = place_order(buyer, (crate, 10))
    shopper = customer()
    cart_item_add(user=shopper, product_id=crate.pk, quantity=1)
    client = client_for(shopper)
    assert client.get(product_url(crate.pk)).json()["stock"] == 0
    assert ids(client.get(PRODUCTS, {"in_stock": "true"})) == []

    past_due(order)

    assert client.get(product_url(crate.pk)).json()["stock"] == 10
    assert {p["id"]: p["stock"] for p in client.get(PRODUCTS).json()["results"]} == {crate.pk: 10}
    assert ids(client.get(PRODUCTS, {"in_stock": "true"})) == [crate.pk]
    assert ids(client.get(PRODUCTS, {"in_stock": "false"})) == []
    assert client.get(CART).json()["items"][0]["product"]["stock"] == 10
    # reading records nothing
    assert stock_of(crate) == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


def test_the_next_order_takes_overdue_units_and_records_the_expiry_once(buyer):
    crate = make_product(make_category(), stock=10)
    overdue = place_order(buyer, (crate, 6))
    other = place_order(customer(), (crate, 4))
    past_due(overdue)
    past_due(other)
    newcomer = customer()

    response = buy(client_for(newcomer), (crate, 10))

    assert response.status_code == 201, response.content
    assert stock_of(crate) == 0
    assert set(
        Order.objects.filter(pk__in=[overdue.pk, other.pk]).values_list("status", flat=True)
    ) == {"expired"}
    notices = Notification.objects.filter(kind="shop.order_expired")
    assert sorted(notices.values_list("data", flat=True), key=str) == sorted(
        [{"order": overdue.pk}, {"order": other.pk}], key=str
    )
    assert orders_expire_overdue() == 0  # beat: nothing left to record
    assert stock_of(crate) == 0
    assert notices.count() == 2


def test_an_order_refused_for_stock_records_no_expiry(buyer):
    crate = make_product(make_category(), stock=10)
    sold_out = make_product(crate.category, stock=0)
    overdue = place_order(buyer, (crate, 5))
    past_due(overdue)

    body = assert_problem(
        buy(client_for(customer()), (crate, 10), (sold_out, 1)), 409, "insufficient_stock"
    )

    assert body["product"] == sold_out.pk

    assert Order.objects.get(pk=overdue.pk).status == OrderStatus.PENDING
    assert stock_of(crate) == 5
    assert orders_expire_overdue() == 1  # beat records it later, once
    assert stock_of(crate) == 10


def test_beat_first_then_the_next_order_returns_the_units_once(buyer):
    crate = make_product(make_category(), stock=10)
    overdue = place_order(buyer, (crate, 10))
    past_due(overdue)

    assert orders_expire_overdue() == 1
    assert stock_of(crate) == 10
    assert buy(client_for(customer()), (crate, 10)).status_code == 201
    assert stock_of(crate) == 0
    assert buy(client_for(customer()), (crate, 1)).status_code == 409


def test_a_restock_counts_what_is_available_now(buyer):
    crate = make_product(make_category(), stock=10)
    overdue = place_order(buyer, (crate, 4))
    past_due(overdue)
    client = client_for(staff())

    response = client.patch(product_url(crate.pk), {"stock": 25}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["stock"] == 25
    assert Order.objects.get(pk=overdue.pk).status == OrderStatus.EXPIRED
    assert orders_expire_overdue() == 0
    assert stock_of(crate) == 25
    assert client.get(product_url(crate.pk)).json()["stock"] == 25


def test_a_staff_edit_does_not_write_back_a_stale_stock(buyer):
    crate = make_product(make_category(), stock=10)
    loaded = product_get(product_id=crate.pk, staff=True)  # a staff edit has read it
    place_order(buyer, (crate, 3))  # meanwhile, a sale

    product_update(product=loaded, data={"name": "Crate, renamed"})

    assert Product.objects.values_list("name", "stock").get(pk=crate.pk) == ("Crate, renamed", 7)


def test_an_edit_answers_the_stock_readers_see(buyer):
    crate = make_product(make_category(), stock=10)
    past_due(place_order(buyer, (crate, 4)))

    response = client_for(staff()).patch(product_url(crate.pk), {"name": "Crate"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["stock"] == 10
    assert stock_of(crate) == 6  # not a stock write: the expiry is left to beat
