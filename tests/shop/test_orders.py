"""Orders as buyers and staff see them: buy now, the lifecycle, cancelling, who may
see and move which order, and the expiry of unpaid orders, which a reader sees at
once (no beat needed) and beat only records."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.notifications.models import Notification
from shop.models import Order, OrderLine, OrderStatus, PaymentMethod, Product
from shop.services.catalog import product_delete, product_update
from shop.services.orders import order_cancel, order_transition, orders_expire_overdue
from tests.helpers import assert_invalid, assert_problem, client_for
from tests.helpers.pages import ids as page_ids
from tests.helpers.pages import walk
from tests.shop.factories import (
    ORDERS,
    buy,
    customer,
    ids,
    make_category,
    make_product,
    order_url,
    past_due,
    place_order,
    product_url,
    staff,
    stock_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pan():
    return make_product(make_category("Pans"), name="Skillet", sku="PAN-1", price="39.90", stock=10)


@pytest.fixture
def lid(pan):
    return make_product(pan.category, name="Lid", sku="LID-1", price="12.50", stock=4)


@pytest.fixture
def buyer():
    return customer()


def _state(*products: Product) -> tuple:
    """What a refused action must leave alone: orders, their lines, stock, popularity."""
    return (
        list(Order.objects.order_by("pk").values_list("pk", "status", "closed_at", "paid_at")),
        OrderLine.objects.count(),
        [
            Product.objects.values_list("stock", "popularity").get(pk=product.pk)
            for product in products
        ],
    )


# --- buy now --------------------------------------------------------------------------


def test_buy_now_reserves_stock_and_snapshots_the_lines(pan, lid, buyer):
    before = timezone.now()

    response = buy(client_for(buyer), (pan, 2), (lid, 1), shipping_address="  1 Main St  ")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"] == buyer.pk
    assert body["status"] == "pending"
    assert body["payment_method"] == "bank_transfer"
    assert body["currency"] == "EUR"
    assert body["total"] == "92.30"
    assert body["shipping_address"] == "1 Main St"
    assert body["lines"] == [
        {
            "product": pan.pk,
            "name": "Skillet",
            "sku": "PAN-1",
            "unit_price": "39.90",
            "currency": "EUR",
            "quantity": 2,
            "line_total": "79.80",
        },
        {
            "product": lid.pk,
            "name": "Lid",
            "sku": "LID-1",
            "unit_price": "12.50",
            "currency": "EUR",
            "quantity": 1,
            "line_total": "12.50",
        },
    ]
    order = Order.objects.get(pk=body["id"])
    assert before + timedelta(hours=23) < order.payment_due_at < before + timedelta(hours=25)
    assert (stock_of(pan), stock_of(lid)) == (8, 3)


def test_the_same_product_twice_is_one_line(pan, buyer):
    response = buy(client_for(buyer), (pan, 2), (pan, 3))

    assert response.status_code == 201
    assert [(line["product"], line["quantity"]) for line in response.json()["lines"]] == [
        (pan.pk, 5)
    ]
    assert stock_of(pan) == 5


def test_the_snapshot_survives_price_changes_and_deletion(pan, buyer):
    order_id = buy(client_for(buyer), (pan, 1)).json()["id"]

    product_update(product=pan, data={"price": Decimal("50.00"), "name": "New name"})
    line = client_for(buyer).get(order_url(order_id)).json()["lines"][0]
    assert (line["name"], line["unit_price"]) == ("Skillet", "39.90")

    product_delete(product=pan)
    detail = client_for(buyer).get(order_url(order_id))
    assert detail.status_code == 200
    assert detail.json()["lines"][0]["product"] is None
    assert detail.json()["lines"][0]["name"] == "Skillet"
    assert detail.json()["total"] == "39.90"


def test_cash_on_delivery_has_no_payment_deadline(pan, buyer):
    response = buy(client_for(buyer), (pan, 1), payment_method="cash_on_delivery")

    assert response.status_code == 201
    assert response.json()["payment_method"] == "cash_on_delivery"
    assert response.json()["payment_due_at"] is None


def test_short_stock_is_409_naming_the_product_and_nothing_is_kept(pan, lid, buyer):
    before = _state(pan, lid)

    # the pan (lower id) is reserved first, then the lid is short: all rolls back
    response = buy(client_for(buyer), (pan, 2), (lid, 5))

    body = assert_problem(response, 409, "insufficient_stock")
    assert body["product"] == lid.pk
    assert body["available"] == 4
    assert body["requested"] == 5
    assert _state(pan, lid) == before


@pytest.mark.parametrize("problem", ["inactive", "unknown"])
def test_an_unsellable_product_is_409_and_nothing_is_kept(pan, lid, buyer, problem):
    if problem == "inactive":
        Product.objects.filter(pk=lid.pk).update(is_active=False)
        missing = lid.pk
    else:
        missing = lid.pk + 1000
    before = _state(pan, lid)

    response = client_for(buyer).post(
        ORDERS,
        {"items": [{"product": pan.pk, "quantity": 1}, {"product": missing, "quantity": 1}]},
        format="json",
    )

    body = assert_problem(response, 409, "product_unavailable")
    assert body["product"] == missing
    assert _state(pan, lid) == before


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([{"product": "P", "quantity": 0}], "items.0.quantity"),
        ([{"product": "P", "quantity": -1}], "items.0.quantity"),
        ([{"product": "P", "quantity": 1001}], "items.0.quantity"),
        ([{"product": "P", "quantity": "x"}], "items.0.quantity"),
        ([{"product": "P", "quantity": 1.5}], "items.0.quantity"),
        ([{"product": "P"}], "items.0.quantity"),
        ([{"product": 0, "quantity": 1}], "items.0.product"),
        ([{"product": "9223372036854775808", "quantity": 1}], "items.0.product"),
        ([{"product": "P", "quantity": 600}, {"product": "P", "quantity": 600}], "items"),
        ([], "items"),
        ([{"product": "P", "quantity": 1}] * 101, "items"),
        ("not a list", "items"),
    ],
)
def test_bad_order_input_is_400_and_nothing_is_kept(pan, buyer, items, field):
    if isinstance(items, list):
        items = [
            {**item, "product": pan.pk} if item.get("product") == "P" else item for item in items
        ]
    pan_state = _state(pan)

    response = client_for(buyer).post(ORDERS, {"items": items}, format="json")

    assert_invalid(response, field)
    assert _state(pan) == pan_state


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"payment_method": "bitcoin"}, "payment_method"),
        ({"shipping_address": "x" * 1001}, "shipping_address"),
    ],
)
def test_bad_order_options_are_400(pan, buyer, extra, field):
    response = buy(client_for(buyer), (pan, 1), **extra)

    assert_invalid(response, field)
    assert Order.objects.count() == 0
    assert stock_of(pan) == 10


def test_an_order_cannot_mix_currencies(pan, buyer):
    dollars = make_product(pan.category, currency="USD", stock=5)

    response = buy(client_for(buyer), (pan, 1), (dollars, 1))

    assert_invalid(response, "items")
    assert (stock_of(pan), stock_of(dollars)) == (10, 5)
    assert Order.objects.count() == 0


def test_ordering_needs_a_login(pan):
    assert_problem(buy(client_for(), (pan, 1)), 401, "not_authenticated")
    assert stock_of(pan) == 10


# --- seeing orders ------------------------------------------------------------------


def test_a_customer_lists_only_their_orders_newest_first(pan, buyer):
    mine = [place_order(buyer, (pan, 1)) for _ in range(3)]
    theirs = place_order(customer(), (pan, 1))

    response = client_for(buyer).get(ORDERS)

    assert response.status_code == 200
    assert ids(response) == [order.pk for order in reversed(mine)]
    assert theirs.pk not in ids(response)
    assert response.json()["results"][0]["lines"][0]["product"] == pan.pk


def test_staff_list_every_order(pan, buyer):
    mine = place_order(buyer, (pan, 1))
    theirs = place_order(customer(), (pan, 1))

    assert ids(client_for(staff()).get(ORDERS)) == [theirs.pk, mine.pk]


def test_the_order_list_pages_with_a_cursor(pan, buyer):
    orders = [place_order(buyer, (pan, 1)) for _ in range(5)]
    client = client_for(buyer)

    first = client.get(ORDERS, {"page_size": 2})
    second = client.get(first.json()["next"])
    third = client.get(second.json()["next"])

    assert ids(first) + ids(second) + ids(third) == [order.pk for order in reversed(orders)]
    assert third.json()["next"] is None
    pages = walk(client, f"http://testserver{ORDERS}?page_size=2")  # and back with previous
    assert page_ids(pages) == [order.pk for order in reversed(orders)]


def test_the_order_list_filters_by_status(pan, buyer):
    pending = place_order(buyer, (pan, 1))
    paid = place_order(buyer, (pan, 1))
    order_transition(order_id=paid.pk, status="paid", actor=staff())
    cancelled = place_order(buyer, (pan, 1))
    order_cancel(order=cancelled, actor=buyer)
    client = client_for(buyer)

    assert ids(client.get(ORDERS, {"status": "pending"})) == [pending.pk]
    assert ids(client.get(ORDERS, {"status": "paid"})) == [paid.pk]
    assert ids(client.get(ORDERS, {"status": "cancelled"})) == [cancelled.pk]
    assert ids(client.get(ORDERS, {"status": "shipped"})) == []


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost"},
        {"cursor": "garbage"},
        pytest.param({"page_size": "0"}, id="page_size-0"),
        pytest.param({"page_size": "abc"}, id="page_size-abc"),
        pytest.param({"page_size": "101"}, id="page_size-101"),
    ],
)
def test_bad_order_list_parameters_are_400(buyer, params):
    assert_invalid(client_for(buyer).get(ORDERS, params), *params)


def test_the_order_list_needs_a_login():
    assert_problem(client_for().get(ORDERS), 401, "not_authenticated")


def test_the_owner_and_staff_see_an_order_and_another_customer_gets_404(pan, buyer):
    order = place_order(buyer, (pan, 1))

    assert client_for(buyer).get(order_url(order.pk)).json()["id"] == order.pk
    assert client_for(staff()).get(order_url(order.pk)).json()["id"] == order.pk
    assert_problem(client_for(customer()).get(order_url(order.pk)), 404, "not_found")
    assert_problem(client_for().get(order_url(order.pk)), 401, "not_authenticated")
    assert_problem(client_for(buyer).get(order_url(order.pk + 1000)), 404, "not_found")


# --- cancelling ------------------------------------------------------------------------


def test_the_owner_cancels_and_the_stock_comes_back_once(pan, lid, buyer):
    order = place_order(buyer, (pan, 3), (lid, 2))
    client = client_for(buyer)

    response = client.post(order_url(order.pk, "cancel"))

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["closed_at"] is not None
    assert (stock_of(pan), stock_of(lid)) == (10, 4)

    again = client.post(order_url(order.pk, "cancel"))
    body = assert_problem(again, 409, "illegal_transition")
    assert body["current_status"] == "cancelled"
    assert (stock_of(pan), stock_of(lid)) == (10, 4)


def test_another_customer_cannot_cancel_and_nothing_changes(pan, buyer):
    order = place_order(buyer, (pan, 3))
    before = _state(pan)

    response = client_for(customer()).post(order_url(order.pk, "cancel"))

    assert_problem(response, 404, "not_found")
    assert _state(pan) == before


def test_cancelling_needs_a_login(pan, buyer):
    order = place_order(buyer, (pan, 3))
    before = _state(pan)

    assert_problem(client_for().post(order_url(order.pk, "cancel")), 401, "not_authenticated")
    assert _state(pan) == before


def test_staff_cancel_anyones_order(pan, buyer):
    order = place_order(buyer, (pan, 3))

    response = client_for(staff()).post(order_url(order.pk, "cancel"))

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert stock_of(pan) == 10


def test_cancelling_a_paid_order_refunds_its_popularity(pan, buyer):
    order = place_order(buyer, (pan, 3))
    order_transition(order_id=order.pk, status="paid", actor=staff())
    assert Product.objects.get(pk=pan.pk).popularity == 3

    response = client_for(buyer).post(order_url(order.pk, "cancel"))

    assert response.json()["status"] == "cancelled"
    assert Product.objects.values_list("stock", "popularity").get(pk=pan.pk) == (10, 0)


@pytest.mark.parametrize("reached", ["shipped", "delivered"])
def test_an_order_cannot_be_cancelled_after_shipping(pan, buyer, reached):
    order = place_order(buyer, (pan, 3))
    operator = staff()
    for status in ("paid", "shipped", "delivered")[: ("shipped", "delivered").index(reached) + 2]:
        order_transition(order_id=order.pk, status=status, actor=operator)
    before = _state(pan)

    for client in (client_for(buyer), client_for(operator)):
        body = assert_problem(client.post(order_url(order.pk, "cancel")), 409, "illegal_transition")
        assert body["current_status"] == reached
    assert _state(pan) == before


# --- the staff transition endpoint --------------------------------------------------------


def test_the_lifecycle_pending_paid_shipped_delivered(pan, buyer):
    order = place_order(buyer, (pan, 2))
    client = client_for(staff())

    statuses = []
    for status in ("paid", "shipped", "delivered"):
        response = client.post(order_url(order.pk, "transition"), {"status": status}, format="json")
        assert response.status_code == 200, response.content
        statuses.append(response.json()["status"])

    assert statuses == ["paid", "shipped", "delivered"]
    body = client_for(buyer).get(order_url(order.pk)).json()
    assert body["status"] == "delivered"
    assert body["paid_at"] <= body["shipped_at"] <= body["delivered_at"]
    assert body["closed_at"] is None
    assert Product.objects.values_list("stock", "popularity").get(pk=pan.pk) == (8, 2)


LIFECYCLE = ["pending", "paid", "shipped", "delivered"]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("pending", "shipped"),
        ("pending", "delivered"),
        ("paid", "paid"),
        ("paid", "delivered"),
        ("shipped", "paid"),
        ("shipped", "shipped"),
        ("shipped", "cancelled"),
        ("delivered", "paid"),
        ("delivered", "shipped"),
        ("delivered", "cancelled"),
        ("cancelled", "paid"),
        ("cancelled", "shipped"),
        ("cancelled", "cancelled"),
    ],
)
def test_illegal_transitions_are_409_and_change_nothing(pan, buyer, start, target):
    order = place_order(buyer, (pan, 2))
    operator = staff()
    if start == "cancelled":
        order_cancel(order=order, actor=operator)
    else:
        for status in LIFECYCLE[1 : LIFECYCLE.index(start) + 1]:
            order_transition(order_id=order.pk, status=status, actor=operator)
    before = _state(pan)

    response = client_for(operator).post(
        order_url(order.pk, "transition"), {"status": target}, format="json"
    )

    body = assert_problem(response, 409, "illegal_transition")
    assert body["current_status"] == start
    assert _state(pan) == before


@pytest.mark.parametrize("who", ["owner", "another customer"])
@pytest.mark.parametrize("target", ["paid", "shipped", "cancelled"])
def test_customers_cannot_move_orders_not_even_their_own(pan, buyer, who, target):
    order = place_order(buyer, (pan, 2))
    before = _state(pan)
    client = client_for(buyer if who == "owner" else customer())

    response = client.post(order_url(order.pk, "transition"), {"status": target}, format="json")

    assert_problem(response, 403, "permission_denied")
    assert _state(pan) == before


def test_moving_an_order_needs_a_login(pan, buyer):
    order = place_order(buyer, (pan, 2))
    before = _state(pan)

    response = client_for().post(
        order_url(order.pk, "transition"), {"status": "paid"}, format="json"
    )

    assert_problem(response, 401, "not_authenticated")
    assert _state(pan) == before


@pytest.mark.parametrize("status", ["expired", "pending", "refunded", ""])
def test_transition_to_an_unknown_or_internal_status_is_400(pan, buyer, status):
    order = place_order(buyer, (pan, 2))
    before = _state(pan)

    response = client_for(staff()).post(
        order_url(order.pk, "transition"), {"status": status}, format="json"
    )

    assert_invalid(response, "status")
    assert _state(pan) == before


def test_transition_of_an_unknown_order_is_404():
    response = client_for(staff()).post(
        order_url(999_999, "transition"), {"status": "paid"}, format="json"
    )

    assert_problem(response, 404, "not_found")


def test_staff_cancel_through_the_transition_endpoint(pan, buyer):
    order = place_order(buyer, (pan, 2))

    response = client_for(staff()).post(
        order_url(order.pk, "transition"), {"status": "cancelled"}, format="json"
    )

    assert response.json()["status"] == "cancelled"
    assert stock_of(pan) == 10


# --- time-derived state: unpaid orders past their deadline ---------------------------------


def test_an_overdue_order_reads_expired_in_detail_and_list_before_beat_runs(pan, buyer):
    overdue = place_order(buyer, (pan, 2))
    fresh = place_order(buyer, (pan, 1))
    past_due(overdue)
    client = client_for(buyer)

    assert client.get(order_url(overdue.pk)).json()["status"] == "expired"
    assert ids(client.get(ORDERS, {"status": "expired"})) == [overdue.pk]
    assert ids(client.get(ORDERS, {"status": "pending"})) == [fresh.pk]
    listed = {item["id"]: item["status"] for item in client.get(ORDERS).json()["results"]}
    assert listed == {overdue.pk: "expired", fresh.pk: "pending"}
    # reading records nothing: beat does the write
    assert Order.objects.get(pk=overdue.pk).status == OrderStatus.PENDING
    assert stock_of(pan) == 7


def test_an_overdue_order_cannot_be_paid(pan, buyer):
    order = place_order(buyer, (pan, 2))
    past_due(order)
    client = client_for(staff())

    for _ in range(2):
        response = client.post(order_url(order.pk, "transition"), {"status": "paid"}, format="json")
        body = assert_problem(response, 409, "illegal_transition")
        assert body["current_status"] == "expired"

    assert client_for(buyer).get(order_url(order.pk)).json()["status"] == "expired"
    assert Product.objects.get(pk=pan.pk).popularity == 0
    assert Order.objects.get(pk=order.pk).paid_at is None


def test_refusing_to_pay_an_overdue_order_records_the_expiry_and_returns_stock_once(pan, buyer):
    order = place_order(buyer, (pan, 2))
    past_due(order)
    client = client_for(staff())

    for _ in range(2):
        response = client.post(order_url(order.pk, "transition"), {"status": "paid"}, format="json")
        assert_problem(response, 409, "illegal_transition")

    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED
    assert stock_of(pan) == 10
    assert orders_expire_overdue() == 0
    assert stock_of(pan) == 10


def test_an_overdue_order_cannot_be_cancelled(pan, buyer):
    order = place_order(buyer, (pan, 2))
    past_due(order)

    body = assert_problem(
        client_for(buyer).post(order_url(order.pk, "cancel")), 409, "illegal_transition"
    )

    assert body["current_status"] == "expired"
    assert stock_of(pan) == 10  # the expiry was recorded; its stock came back once
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED


def test_beat_records_expiry_returns_stock_once_and_notifies_the_owner(pan, lid, buyer):
    overdue = place_order(buyer, (pan, 2), (lid, 1))
    fresh = place_order(buyer, (pan, 1))
    cash = place_order(buyer, (pan, 1), payment_method=PaymentMethod.CASH_ON_DELIVERY)
    paid = place_order(buyer, (lid, 1))
    order_transition(order_id=paid.pk, status="paid", actor=staff())
    for order in (overdue, paid):
        past_due(order)

    assert orders_expire_overdue() == 1
    assert orders_expire_overdue() == 0

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        overdue.pk: "expired",
        fresh.pk: "pending",
        cash.pk: "pending",
        paid.pk: "paid",
    }
    assert Order.objects.get(pk=overdue.pk).closed_at is not None
    assert (stock_of(pan), stock_of(lid)) == (8, 3)
    notices = Notification.objects.filter(kind="shop.order_expired")
    assert list(notices.values_list("user_id", "data")) == [(buyer.pk, {"order": overdue.pk})]
    assert client_for(buyer).get(order_url(overdue.pk)).json()["status"] == "expired"


def test_beat_after_a_refused_cancel_recorded_the_expiry_changes_nothing(pan, buyer):
    order = place_order(buyer, (pan, 2))
    past_due(order)
    client_for(buyer).post(order_url(order.pk, "cancel"))
    assert stock_of(pan) == 10

    assert orders_expire_overdue() == 0
    assert stock_of(pan) == 10
    assert Notification.objects.filter(kind="shop.order_expired").count() == 0


def test_a_paid_order_past_the_deadline_is_still_paid(pan, buyer):
    order = place_order(buyer, (pan, 2))
    order_transition(order_id=order.pk, status="paid", actor=staff())
    past_due(order)

    assert client_for(buyer).get(order_url(order.pk)).json()["status"] == "paid"
    assert ids(client_for(buyer).get(ORDERS, {"status": "expired"})) == []


def test_deleting_a_product_keeps_orders_readable_and_cancellable(pan, buyer):
    order = place_order(buyer, (pan, 2))
    deleted = client_for(staff()).delete(product_url(pan.pk))

    response = client_for(buyer).post(order_url(order.pk, "cancel"))

    assert deleted.status_code == 204
    assert not Product.objects.filter(pk=pan.pk).exists()
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled"
    assert [(line["product"], line["name"], line["quantity"]) for line in body["lines"]] == [
        (None, "Skillet", 2)
    ]
    assert client_for(buyer).get(order_url(order.pk)).json() == body
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.closed_at is not None) == ("cancelled", True)
