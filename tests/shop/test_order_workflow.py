"""An order's status machine as a client sees it: ``allowed_transitions`` lists what the
requesting user may do next (staff move it along, its owner may only cancel), and a
move it does not list is a 409 ``illegal_transition`` whose ``allowed`` is that same
list, leaving the order as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.models import Order, OrderStatus, Product
from shop.services.orders import order_cancel, order_transition
from tests.helpers import assert_problem, client_for
from tests.shop.factories import (
    ORDERS,
    WEBHOOK,
    WEBHOOK_SECRET,
    customer,
    make_category,
    make_product,
    order_url,
    payment_event,
    place_order,
    signed,
    staff,
)

pytestmark = pytest.mark.django_db

LIFECYCLE = ["pending", "paid", "shipped", "delivered"]


@pytest.fixture
def pan():
    return make_product(make_category("Pans"), name="Skillet", sku="PAN-1", price="39.90", stock=10)


@pytest.fixture
def buyer():
    return customer()


def _order_at(status: str, buyer, pan) -> Order:
    """An order of ``buyer``'s moved to ``status`` by staff (expired: past its deadline,
    not yet recorded, as a reader sees it before beat runs)."""
    order = place_order(buyer, (pan, 2))
    operator = staff()
    if status == "cancelled":
        order_cancel(order=order, actor=operator)
    elif status == "expired":
        Order.objects.filter(pk=order.pk).update(
            payment_due_at=timezone.now() - timedelta(minutes=1)
        )
    else:
        for step in LIFECYCLE[1 : LIFECYCLE.index(status) + 1]:
            order_transition(order_id=order.pk, status=step, actor=operator)
    return Order.objects.get(pk=order.pk)


def _row(order: Order, product: Product) -> tuple:
    """The order's whole row and its product's stock and popularity."""
    return (
        Order.objects.filter(pk=order.pk).values().get(),
        Product.objects.values_list("stock", "popularity").get(pk=product.pk),
    )


def _allowed(client, order: Order) -> list[str]:
    response = client.get(order_url(order.pk))
    assert response.status_code == 200, response.content
    return response.json()["allowed_transitions"]


def _listed(client) -> dict[int, list[str]]:
    return {o["id"]: o["allowed_transitions"] for o in client.get(ORDERS).json()["results"]}


@pytest.mark.parametrize(
    ("status", "owner", "operator"),
    [
        ("pending", ["cancelled"], ["paid", "cancelled"]),
        ("paid", ["cancelled"], ["shipped", "cancelled"]),
        ("shipped", [], ["delivered"]),
        ("delivered", [], []),
        ("cancelled", [], []),
        ("expired", [], []),
    ],
)
def test_allowed_transitions_are_what_the_reader_may_do(pan, buyer, status, owner, operator):
    order = _order_at(status, buyer, pan)

    mine = client_for(buyer).get(order_url(order.pk)).json()
    theirs = client_for(staff()).get(order_url(order.pk)).json()

    assert mine["status"] == theirs["status"] == status
    assert mine["allowed_transitions"] == owner
    assert theirs["allowed_transitions"] == operator
    assert_problem(client_for(customer()).get(order_url(order.pk)), 404, "not_found")


def test_every_order_body_carries_the_readers_allowed_transitions(pan, buyer):
    created = client_for(buyer).post(
        ORDERS, {"items": [{"product": pan.pk, "quantity": 1}]}, format="json"
    )
    pending = created.json()["id"]
    shipped = _order_at("shipped", buyer, pan)
    operator = client_for(staff())

    mine = _listed(client_for(buyer))
    theirs = _listed(operator)
    delivered = operator.post(
        order_url(shipped.pk, "transition"), {"status": "delivered"}, format="json"
    )

    assert created.status_code == 201, created.content
    assert created.json()["allowed_transitions"] == ["cancelled"]
    assert mine == {pending: ["cancelled"], shipped.pk: []}
    assert theirs == {pending: ["paid", "cancelled"], shipped.pk: ["delivered"]}
    assert delivered.status_code == 200, delivered.content
    assert delivered.json()["allowed_transitions"] == []


def test_a_staff_member_who_owns_the_order_moves_it_as_staff(pan):
    operator = staff()
    order = place_order(operator, (pan, 1))

    assert _allowed(client_for(operator), order) == ["paid", "cancelled"]


@pytest.mark.parametrize(
    ("status", "target"),
    [
        ("pending", "shipped"),
        ("pending", "delivered"),
        ("paid", "paid"),
        ("paid", "delivered"),
        ("shipped", "cancelled"),
        ("shipped", "paid"),
        ("delivered", "cancelled"),
        ("delivered", "shipped"),
        ("cancelled", "paid"),
        ("cancelled", "cancelled"),
    ],
)
def test_a_staff_move_not_allowed_is_a_409_listing_the_allowed_ones(pan, buyer, status, target):
    order = _order_at(status, buyer, pan)
    client = client_for(staff())
    allowed = _allowed(client, order)
    before = _row(order, pan)

    response = client.post(order_url(order.pk, "transition"), {"status": target}, format="json")

    body = assert_problem(response, 409, "illegal_transition")
    assert body["current_status"] == status
    assert body["allowed"] == allowed
    assert f"This order is {status}; it cannot become {target}." in body["detail"]
    assert _row(order, pan) == before


@pytest.mark.parametrize("status", ["shipped", "delivered", "cancelled"])
@pytest.mark.parametrize("who", ["owner", "staff"])
def test_cancelling_when_it_is_not_allowed_is_a_409_listing_the_readers_moves(
    pan, buyer, status, who
):
    order = _order_at(status, buyer, pan)
    client = client_for(buyer if who == "owner" else staff())
    allowed = _allowed(client, order)
    before = _row(order, pan)

    response = client.post(order_url(order.pk, "cancel"))

    body = assert_problem(response, 409, "illegal_transition")
    assert (body["current_status"], body["allowed"]) == (status, allowed)
    assert _row(order, pan) == before


def test_the_refusal_says_why_nothing_is_allowed(pan, buyer):
    shipped = _order_at("shipped", buyer, pan)
    delivered = _order_at("delivered", buyer, pan)

    by_owner = client_for(buyer).post(order_url(shipped.pk, "cancel")).json()
    by_staff = client_for(staff()).post(order_url(shipped.pk, "cancel")).json()
    final = client_for(staff()).post(order_url(delivered.pk, "cancel")).json()

    assert by_owner["allowed"] == []
    assert by_owner["detail"].endswith("None of its next statuses is yours to set.")
    assert by_staff["allowed"] == ["delivered"]
    assert by_staff["detail"].endswith("Allowed next: delivered.")
    assert final["allowed"] == []
    assert final["detail"].endswith("delivered is final.")


def test_an_overdue_order_reads_and_refuses_as_expired_with_nothing_allowed(pan, buyer):
    order = _order_at("expired", buyer, pan)
    client = client_for(staff())
    allowed = _allowed(client, order)

    response = client.post(order_url(order.pk, "transition"), {"status": "paid"}, format="json")

    body = assert_problem(response, 409, "illegal_transition")
    assert (body["current_status"], body["allowed"]) == ("expired", allowed) == ("expired", [])
    assert Order.objects.get(pk=order.pk).paid_at is None


def test_a_payment_for_an_order_no_longer_pending_names_its_status(pan, buyer, settings):
    settings.SHOP_WEBHOOK_SECRET = WEBHOOK_SECRET
    order = _order_at("cancelled", buyer, pan)
    before = _row(order, pan)
    body, signature = signed(payment_event(order))

    response = client_for().post(
        WEBHOOK, body, content_type="application/json", HTTP_NEXUS_SIGNATURE=signature
    )

    problem = assert_problem(response, 409, "illegal_transition")
    assert (problem["current_status"], problem["allowed"]) == (OrderStatus.CANCELLED, [])
    assert _row(order, pan) == before
