"""Background work, through the outbox: the order confirmation (in-app and email),
the payment notice, low-stock alerts to staff, expiring unpaid orders and clearing
abandoned carts. Each task is safe to run twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import current_app
from django.utils import timezone

from core.notifications.models import Notification
from core.tasking.models import TaskOutbox
from shop import tasks
from shop.models import Cart, CartItem, Order
from shop.services.cart import cart_item_add
from shop.services.catalog import product_update
from tests.helpers import client_for
from tests.shop.factories import (
    ORDERS,
    cart_item_url,
    customer,
    make_category,
    make_product,
    order_url,
    place_order,
    staff,
    stock_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return make_product(make_category(), name="Skillet", price="39.90", stock=20)


def _buy(client, product, quantity=1):
    return client.post(
        ORDERS, {"items": [{"product": product.pk, "quantity": quantity}]}, format="json"
    )


def _outbox() -> list[tuple[str, list]]:
    return list(TaskOutbox.objects.order_by("pk").values_list("task_name", "args"))


def test_placing_an_order_writes_its_confirmation_to_the_outbox(
    product, django_capture_on_commit_callbacks
):
    buyer = client_for(customer())  # made before: its roles' cache drop commits too
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _buy(buyer, product)

    assert response.status_code == 201
    assert _outbox() == [("shop.tasks.order_confirmation_task", [response.json()["id"]])]
    assert len(callbacks) == 1  # published after commit


def test_a_refused_order_enqueues_nothing(product, django_capture_on_commit_callbacks):
    buyer = client_for(customer())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _buy(buyer, product, 21)

    assert response.status_code == 409
    assert _outbox() == []
    assert callbacks == []


def test_the_buyer_gets_one_notification_and_one_email_even_if_the_task_runs_twice(
    product, eager, mailoutbox, django_capture_on_commit_callbacks
):
    buyer = customer()

    with django_capture_on_commit_callbacks(execute=True):
        order_id = _buy(client_for(buyer), product, 2).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.order_confirmation_task(order_id) is False  # a redelivery

    notification = Notification.objects.get(kind="shop.order_placed")
    assert notification.user_id == buyer.pk
    assert notification.title == f"Order {order_id} confirmed: 79.80 EUR"
    assert f"NEXUS-{order_id}" in notification.body
    assert notification.data == {"order": order_id, "total": "79.80", "currency": "EUR"}
    assert notification.emailed_at is not None
    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        ([buyer.email], f"Order {order_id} confirmed: 79.80 EUR")
    ]
    assert Order.objects.get(pk=order_id).confirmation_sent_at is not None


def test_the_confirmation_task_from_the_outbox_runs_once(
    product, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """The worker's view: the task loaded by its name, with the outbox row's args."""
    buyer = customer()
    with django_capture_on_commit_callbacks(execute=False):
        order = place_order(buyer, (product, 1))
    name, args = _outbox()[0]
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the email it enqueues runs in-process

    with django_capture_on_commit_callbacks(execute=True):
        current_app.tasks[name].apply(args=args, throw=True)
        current_app.tasks[name].apply(args=args, throw=True)

    assert Notification.objects.filter(kind="shop.order_placed", user=buyer).count() == 1
    assert len(mailoutbox) == 1
    assert f"NEXUS-{order.pk}" in mailoutbox[0].body


def test_cash_on_delivery_confirmation_says_so(product, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(customer(), (product, 1), payment_method="cash_on_delivery")

    assert Notification.objects.get(kind="shop.order_placed", data__order=order.pk).body == (
        "Pay in cash when it is delivered."
    )


def test_a_payment_notifies_the_buyer_once(product, eager, django_capture_on_commit_callbacks):
    buyer = customer()
    order = place_order(buyer, (product, 1))

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff()).post(
            order_url(order.pk, "transition"), {"status": "paid"}, format="json"
        )
    tasks.order_paid_notification_task(order.pk)  # redelivered

    assert response.status_code == 200
    assert list(
        Notification.objects.filter(kind="shop.order_paid").values_list("user_id", "data")
    ) == [(buyer.pk, {"order": order.pk})]


# --- low stock --------------------------------------------------------------------------


@pytest.fixture
def operators():
    return [staff(), staff(), customer(is_superuser=True)]


def _low_stock_notices() -> list[tuple[int, dict]]:
    return list(
        Notification.objects.filter(kind="shop.low_stock")
        .order_by("user_id")
        .values_list("user_id", "data")
    )


def test_crossing_the_low_stock_threshold_alerts_every_staff_user_once(
    eager, operators, django_capture_on_commit_callbacks
):
    product = make_product(make_category(), stock=8, low_stock_threshold=5)
    buyer = client_for(customer())
    inactive = staff(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert _buy(buyer, product, 2).status_code == 201  # 6 left: above the threshold
    assert _low_stock_notices() == []
    with django_capture_on_commit_callbacks(execute=True):
        assert _buy(buyer, product, 2).status_code == 201  # 4 left: crosses it
    with django_capture_on_commit_callbacks(execute=True):
        assert _buy(buyer, product, 1).status_code == 201  # 3 left: already below

    assert _low_stock_notices() == sorted(
        (user.pk, {"product": product.pk, "stock": 4}) for user in operators
    )
    assert inactive.pk not in [user_id for user_id, _ in _low_stock_notices()]
    assert stock_of(product) == 3


def test_no_alert_when_restocked_before_the_task_runs(
    operators, django_capture_on_commit_callbacks
):
    product = make_product(make_category(), stock=6, low_stock_threshold=5)
    with django_capture_on_commit_callbacks(execute=False):
        place_order(customer(), (product, 2))
    assert ("shop.tasks.low_stock_alert_task", [product.pk]) in _outbox()
    product_update(product=product, data={"stock": 50})

    assert tasks.low_stock_alert_task(product.pk) == 0
    assert _low_stock_notices() == []


def test_a_redelivered_low_stock_alert_notifies_staff_once(operators):
    product = make_product(make_category(), stock=6, low_stock_threshold=5)
    place_order(customer(), (product, 2))

    tasks.low_stock_alert_task(product.pk)
    tasks.low_stock_alert_task(product.pk)

    assert len(_low_stock_notices()) == len(operators)


# --- beat -------------------------------------------------------------------------------


def test_beat_runs_the_shop_jobs_by_registered_names():
    schedule = current_app.conf.beat_schedule

    for entry in ("shop.expire-overdue-orders", "shop.clear-abandoned-carts"):
        assert schedule[entry]["task"] in current_app.tasks


def test_the_expiry_task_records_overdue_orders_once(product):
    buyer = customer()
    order = place_order(buyer, (product, 4))
    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(hours=1))

    assert tasks.orders_expire_overdue_task() == 1
    assert tasks.orders_expire_overdue_task() == 0

    assert Order.objects.get(pk=order.pk).status == "expired"
    assert stock_of(product) == 20
    assert Notification.objects.filter(kind="shop.order_expired", user=buyer).count() == 1


def test_abandoned_carts_are_emptied_and_recent_ones_kept(product, settings):
    settings.SHOP_CART_ABANDONED_DAYS = 30
    other = make_product(product.category)
    abandoned, touched, recent = customer(), customer(), customer()
    for user in (abandoned, touched, recent):
        cart_item_add(user=user, product_id=product.pk, quantity=1)
        cart_item_add(user=user, product_id=other.pk, quantity=2)
    Cart.objects.filter(user__in=[abandoned, touched]).update(
        updated_at=timezone.now() - timedelta(days=31)
    )
    Cart.objects.filter(user=recent).update(updated_at=timezone.now() - timedelta(days=29))
    item = CartItem.objects.filter(cart__user=touched).first()
    client_for(touched).patch(cart_item_url(item.pk), {"quantity": 3}, format="json")

    assert tasks.carts_clear_abandoned_task() == 2
    assert tasks.carts_clear_abandoned_task() == 0

    def lines(user):
        return CartItem.objects.filter(cart__user=user).count()

    assert (lines(abandoned), lines(touched), lines(recent)) == (0, 2, 2)
    assert (stock_of(product), stock_of(other)) == (20, 10)
