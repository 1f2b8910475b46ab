"""Races on the real PostgreSQL: real threads, each with its own connection and its
own committed transactions, released together by a barrier. Stock never goes
negative, never oversells, never deadlocks; a key, a cancel, a webhook event and a
checkout each take effect once; one customer's orders cannot pass the cap on unpaid
units together, and an overdue order's units come back once, whoever records it."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import Sum

from core.notifications.models import Notification
from shop.models import CartItem, Order, OrderLine, Payment, Product
from shop.services.cart import cart_item_add
from shop.services.orders import order_cancel, order_transition, orders_expire_overdue
from tests.helpers import client_for, race
from tests.shop.factories import (
    CART_ITEMS,
    CHECKOUT,
    ORDERS,
    WEBHOOK,
    WEBHOOK_SECRET,
    customer,
    make_category,
    make_product,
    order_url,
    past_due,
    payment_event,
    place_order,
    signed,
    staff,
    stock_of,
)

race_db = pytest.mark.django_db(transaction=True)


def _outcome(response) -> tuple[int, str | None, dict]:
    body = response.json() if response.content else {}
    return response.status_code, body.get("code"), body


def _sold(product: Product) -> int:
    return (
        OrderLine.objects.filter(product=product, order__status="pending").aggregate(
            n=Sum("quantity")
        )["n"]
        or 0
    )


@race_db
def test_fifty_buyers_race_for_the_last_ten_units(eager):
    product = make_product(make_category(), stock=10)
    clients = [client_for(customer()) for _ in range(50)]

    def buy(client):
        return _outcome(
            client.post(ORDERS, {"items": [{"product": product.pk, "quantity": 1}]}, format="json")
        )

    outcomes = race(buy, clients)

    assert Counter(status for status, _, _ in outcomes) == {201: 10, 409: 40}
    refusals = [body for status, _, body in outcomes if status == 409]
    assert {body["code"] for body in refusals} == {"insufficient_stock"}
    assert {body["product"] for body in refusals} == {product.pk}
    assert stock_of(product) == 0
    assert Order.objects.count() == 10
    assert Order.objects.values("user").distinct().count() == 10
    assert _sold(product) == 10


@race_db
def test_multi_line_orders_in_opposite_orders_neither_deadlock_nor_oversell(eager):
    category = make_category()
    a = make_product(category, stock=15)
    b = make_product(category, stock=25)
    c = make_product(category, stock=100)
    forward = [
        {"product": a.pk, "quantity": 1},
        {"product": b.pk, "quantity": 2},
        {"product": c.pk, "quantity": 1},
    ]
    backward = list(reversed(forward))
    middle = [forward[1], forward[2], forward[0]]
    jobs = [(client_for(customer()), (forward, backward, middle)[i % 3]) for i in range(30)]

    def buy(job):
        client, items = job
        return _outcome(client.post(ORDERS, {"items": items}, format="json"))

    outcomes = race(buy, jobs)

    # every order needs 2 of b's 25: exactly 12 fit, whatever the line order
    statuses = Counter(status for status, _, _ in outcomes)
    assert statuses == {201: 12, 409: 18}, outcomes
    assert {code for status, code, _ in outcomes if status == 409} == {"insufficient_stock"}
    for product, initial in ((a, 15), (b, 25), (c, 100)):
        assert stock_of(product) >= 0
        assert _sold(product) + stock_of(product) == initial
    assert (stock_of(a), stock_of(b), stock_of(c)) == (3, 1, 88)


@race_db
def test_the_same_idempotency_key_from_several_threads_orders_once(eager):
    product = make_product(make_category(), stock=10)
    client = client_for(customer())
    body = {"items": [{"product": product.pk, "quantity": 2}]}
    key = "race-key-1"

    def buy(_):
        response = client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        return (*_outcome(response), response.get("Retry-After"))

    outcomes = race(buy, range(8))

    assert Order.objects.count() == 1
    order_id = Order.objects.get().pk
    assert stock_of(product) == 8
    for status, code, response_body, retry_after in outcomes:
        if status == 201:
            assert response_body["id"] == order_id
        else:
            assert (status, code) == (409, "request_in_progress"), response_body
            assert int(retry_after) >= 1
    assert any(status == 201 for status, *_ in outcomes)

    replay = client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == order_id
    assert Order.objects.count() == 1


@race_db
def test_two_cancels_of_the_same_order_return_its_stock_once(eager):
    product = make_product(make_category(), stock=20)
    owner = customer()
    orders = [place_order(owner, (product, 2)) for _ in range(5)]
    assert stock_of(product) == 10
    owner_client, staff_client = client_for(owner), client_for(staff())
    jobs = [(client, order.pk) for order in orders for client in (owner_client, staff_client)]

    def cancel(job):
        client, order_id = job
        return order_id, *_outcome(client.post(order_url(order_id, "cancel")))

    outcomes = race(cancel, jobs)

    for order in orders:
        mine = sorted(
            (status, code) for order_id, status, code, _ in outcomes if order_id == order.pk
        )
        assert mine == [(200, None), (409, "illegal_transition")]
    assert set(Order.objects.values_list("status", flat=True)) == {"cancelled"}
    assert stock_of(product) == 20


@race_db
def test_a_webhook_delivered_several_times_at_once_pays_once(eager, settings):
    settings.SHOP_WEBHOOK_SECRET = WEBHOOK_SECRET
    product = make_product(make_category(), stock=10)
    order = place_order(customer(), (product, 3))
    body, signature = signed(payment_event(order, event_id="evt_race"))

    def deliver(_):
        response = client_for().post(
            WEBHOOK, body, content_type="application/json", HTTP_NEXUS_SIGNATURE=signature
        )
        return _outcome(response)

    outcomes = race(deliver, range(6))

    assert {status for status, _, _ in outcomes} == {200}
    assert sorted(body["duplicate"] for _, _, body in outcomes) == [False] + [True] * 5
    assert Payment.objects.count() == 1
    assert Order.objects.get().status == "paid"
    assert Product.objects.values_list("stock", "popularity").get(pk=product.pk) == (7, 3)


@race_db
def test_concurrent_adds_to_a_new_cart_merge_into_one_line(eager):
    product = make_product(make_category(), stock=10)
    shopper = customer()
    client = client_for(shopper)

    def add(_):
        return client.post(
            CART_ITEMS, {"product": product.pk, "quantity": 1}, format="json"
        ).status_code

    statuses = race(add, range(10))

    assert statuses == [201] * 10
    assert list(CartItem.objects.filter(cart__user=shopper).values_list("product", "quantity")) == [
        (product.pk, 10)
    ]


@race_db
def test_a_cart_checked_out_twice_at_once_becomes_one_order(eager):
    product = make_product(make_category(), stock=10)
    shopper = customer()
    cart_item_add(user=shopper, product_id=product.pk, quantity=4)
    client = client_for(shopper)

    outcomes = race(lambda _: _outcome(client.post(CHECKOUT, {}, format="json")), range(4))

    assert (
        sorted((status, code) for status, code, _ in outcomes)
        == [(201, None)] + [(409, "cart_empty")] * 3
    )
    assert Order.objects.count() == 1
    assert stock_of(product) == 6
    assert CartItem.objects.count() == 0


@pytest.mark.django_db
def test_an_order_paid_while_its_cancel_is_in_flight_leaves_no_popularity(monkeypatch):
    """The interleaving forced: the cancel request has read the order (pending); the
    payment commits; then the cancel's conditional update runs (paid -> cancelled)."""
    product = make_product(make_category(), stock=10)
    owner = customer()
    order = place_order(owner, (product, 3))
    real_cancel = order_cancel

    def cancel_after_payment_lands(*, order, actor):
        order_transition(order_id=order.pk, status="paid", actor=staff())
        return real_cancel(order=order, actor=actor)

    monkeypatch.setattr("shop.services.orders.order_cancel", cancel_after_payment_lands)

    response = client_for(owner).post(order_url(order.pk, "cancel"))

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert Product.objects.values_list("stock", "popularity").get(pk=product.pk) == (10, 0)


# --- no hoarding: the cap and the return of overdue units, raced ---------------------------


@race_db
def test_one_customers_concurrent_orders_cannot_pass_the_cap_on_a_product(eager):
    product = make_product(make_category(), stock=100)
    client = client_for(customer())

    def buy(_):
        return _outcome(
            client.post(ORDERS, {"items": [{"product": product.pk, "quantity": 3}]}, format="json")
        )

    outcomes = race(buy, range(8))

    # 10 per product: three orders of 3 fit, a fourth would hold 12
    assert Counter(status for status, _, _ in outcomes) == {201: 3, 409: 5}, outcomes
    refusals = [body for status, _, body in outcomes if status == 409]
    assert {body["code"] for body in refusals} == {"reservation_limit"}
    assert {(body["limit"], body["held"], body["product"]) for body in refusals} == {
        (10, 9, product.pk)
    }
    assert stock_of(product) == 91
    assert _sold(product) == 9


@race_db
def test_one_customers_concurrent_orders_cannot_pass_the_cap_on_all_products(eager):
    category = make_category()
    products = [make_product(category, stock=10) for _ in range(12)]
    client = client_for(customer())

    def buy(product):
        return _outcome(
            client.post(ORDERS, {"items": [{"product": product.pk, "quantity": 10}]}, format="json")
        )

    outcomes = race(buy, products)

    # 50 in all: five orders of 10 fit
    assert Counter(status for status, _, _ in outcomes) == {201: 5, 409: 7}, outcomes
    refusals = [body for status, _, body in outcomes if status == 409]
    assert {(b["code"], b["limit"], b["held"], b["product"]) for b in refusals} == {
        ("reservation_limit", 50, 50, None)
    }
    assert sum(stock_of(product) for product in products) == 70
    assert Order.objects.count() == 5


@race_db
def test_beat_and_the_next_orders_return_overdue_units_once(eager):
    category = make_category()
    a, b = make_product(category, stock=10), make_product(category, stock=10)
    held = [place_order(customer(), (a, 1), (b, 1)) for _ in range(10)]
    past_due(*held)
    assert (stock_of(a), stock_of(b)) == (0, 0)
    buyers = [(client_for(customer()), n) for n in range(12)]

    def work(job):
        if job == "beat":
            return orders_expire_overdue()
        client, n = job
        items = [{"product": a.pk, "quantity": 1}, {"product": b.pk, "quantity": 1}]
        return _outcome(client.post(ORDERS, {"items": items[:: 1 if n % 2 else -1]}, format="json"))

    outcomes = race(work, ["beat", *buyers[:6], "beat", *buyers[6:], "beat"])

    orders = [outcome for outcome in outcomes if isinstance(outcome, tuple)]
    beats = [outcome for outcome in outcomes if not isinstance(outcome, tuple)]
    assert all(isinstance(expired, int) for expired in beats), beats
    # ten units of each came back once: ten orders fit, and nothing is left
    assert Counter(status for status, _, _ in orders) == {201: 10, 409: 2}, orders
    assert {code for status, code, _ in orders if status == 409} == {"insufficient_stock"}
    assert (stock_of(a), stock_of(b)) == (0, 0)
    assert set(
        Order.objects.filter(pk__in=[o.pk for o in held]).values_list("status", flat=True)
    ) == {"expired"}
    notices = Notification.objects.filter(kind="shop.order_expired")
    assert sorted(notice["order"] for notice in notices.values_list("data", flat=True)) == sorted(
        order.pk for order in held
    )
    assert orders_expire_overdue() == 0


@race_db
def test_two_beat_runs_at_once_return_each_orders_units_once(eager):
    product = make_product(make_category(), stock=60)
    held = [place_order(customer(), (product, 3)) for _ in range(20)]
    past_due(*held)
    assert stock_of(product) == 0

    expired = race(lambda _: orders_expire_overdue(), range(4))

    assert sum(expired) == 20, expired
    assert stock_of(product) == 60
    assert Notification.objects.filter(kind="shop.order_expired").count() == 20
    assert set(Order.objects.values_list("status", flat=True)) == {"expired"}
