"""The card provider's webhook: signed as the OpenAPI description documents
(``Nexus-Signature: t=<unix>,v1=<hex hmac_sha256(secret, "<t>." + body)>``),
idempotent on the event id; anything unsigned, mis-signed or replayed is a 400
that changes nothing."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from core.notifications.models import Notification
from shop.models import Order, OrderStatus, Payment, Product
from tests.helpers import assert_invalid, assert_problem, client_for
from tests.shop.factories import (
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
    stock_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def secret(settings):
    settings.SHOP_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture
def product():
    return make_product(make_category(), price="24.95", stock=10)


@pytest.fixture
def order(product):
    return place_order(customer(), (product, 2))


def deliver(body: bytes, signature: str | None, client=None):
    headers = {} if signature is None else {"HTTP_NEXUS_SIGNATURE": signature}
    return (client or client_for()).post(WEBHOOK, body, content_type="application/json", **headers)


def _state(order: Order, product: Product) -> tuple:
    return (
        Order.objects.values_list("status", "paid_at").get(pk=order.pk),
        Payment.objects.count(),
        Product.objects.values_list("stock", "popularity").get(pk=product.pk),
    )


def test_a_signed_payment_pays_the_order_once_even_when_delivered_twice(
    order, product, eager, django_capture_on_commit_callbacks
):
    body, signature = signed(payment_event(order, event_id="evt_42"))

    with django_capture_on_commit_callbacks(execute=True):
        first = deliver(body, signature)
    with django_capture_on_commit_callbacks(execute=True):
        second = deliver(body, signature)

    assert first.status_code == 200, first.content
    assert first.json() == {
        "received": True,
        "duplicate": False,
        "order": order.pk,
        "status": "paid",
    }
    assert second.status_code == 200
    assert second.json() == {
        "received": True,
        "duplicate": True,
        "order": order.pk,
        "status": "paid",
    }
    payment = Payment.objects.get()
    assert (payment.order_id, payment.provider, payment.event_id) == (order.pk, "card", "evt_42")
    assert str(payment.amount) == "49.90"
    assert Product.objects.values_list("stock", "popularity").get(pk=product.pk) == (8, 2)
    assert client_for(order.user).get(order_url(order.pk)).json()["status"] == "paid"
    assert Notification.objects.filter(kind="shop.order_paid", user=order.user).count() == 1


def test_several_signatures_are_accepted_while_the_secret_rotates(order, product):
    body, signature = signed(payment_event(order))
    _, old = signed(body, secret="the-old-secret")
    t, v1 = signature.split(",")

    response = deliver(body, f"{t},{old.split(',')[1]},{v1}")

    assert response.status_code == 200
    assert response.json()["status"] == "paid"


def _tampered(order):
    body, signature = signed(payment_event(order))
    return body.replace(b'"evt_1"', b'"evt_2"'), signature


def _signature_cases(order):
    body, good = signed(payment_event(order))
    t, v1 = good.split(",")
    return {
        "unsigned": (body, None),
        "empty header": (body, ""),
        "garbage header": (body, "nonsense"),
        "no timestamp": (body, v1),
        "no v1": (body, t),
        "timestamp not a number": (body, f"t=soon,{v1}"),
        "v1 not hex": (body, f"{t},v1=zzzz"),
        "wrong secret": signed(payment_event(order), secret="not-the-secret"),
        "tampered body": _tampered(order),
        "replayed (6 minutes old)": signed(payment_event(order), timestamp=int(time.time()) - 360),
        "from the future": signed(payment_event(order), timestamp=int(time.time()) + 360),
        "signed over the body without the timestamp": (
            body,
            f"{t},v1=" + signed(body, timestamp=0)[1].split("v1=")[1],
        ),
        "huge header": (body, f"{good}," + "v1=" + "0" * 600),
    }


@pytest.mark.parametrize(
    "case",
    [
        "unsigned",
        "empty header",
        "garbage header",
        "no timestamp",
        "no v1",
        "timestamp not a number",
        "v1 not hex",
        "wrong secret",
        "tampered body",
        "replayed (6 minutes old)",
        "from the future",
        "signed over the body without the timestamp",
        "huge header",
    ],
)
def test_unsigned_mis_signed_and_replayed_calls_are_400_and_change_nothing(order, product, case):
    body, signature = _signature_cases(order)[case]
    before = _state(order, product)

    response = deliver(body, signature)

    assert_problem(response, 400, "invalid_signature")
    assert _state(order, product) == before


def test_without_a_configured_secret_every_call_is_refused(order, product, settings):
    body, signature = signed(payment_event(order))
    settings.SHOP_WEBHOOK_SECRET = ""
    before = _state(order, product)

    assert_problem(deliver(body, signature), 400, "invalid_signature")
    assert _state(order, product) == before


def test_a_bearer_token_is_no_substitute_for_a_signature(order, product):
    body, _ = signed(payment_event(order))
    before = _state(order, product)

    response = deliver(body, None, client=client_for(staff()))

    assert_problem(response, 400, "invalid_signature")
    assert _state(order, product) == before


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"type": "payment.succeeded", "data": {}}).encode(),  # no id
        json.dumps({"id": "evt_1", "type": "payment.succeeded"}).encode(),  # no data
        json.dumps({"id": "", "type": "payment.succeeded", "data": {}}).encode(),
    ],
)
def test_a_signed_body_that_is_not_an_event_is_400(order, product, raw):
    before = _state(order, product)

    assert_problem(deliver(*signed(raw)), 400, "invalid_signature")
    assert _state(order, product) == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"order": 999_999}, "data.order"),
        ({"amount": "lots"}, "data"),
        ({"order": None}, "data"),
    ],
)
def test_a_signed_event_with_bad_data_is_400_and_changes_nothing(order, product, data, field):
    before = _state(order, product)

    response = deliver(*signed(payment_event(order, **data)))

    assert_invalid(response, field)
    assert _state(order, product) == before


@pytest.mark.parametrize("data", [{"amount": "49.89"}, {"amount": "4990"}, {"currency": "USD"}])
def test_a_payment_that_does_not_match_the_total_is_409(order, product, data):
    before = _state(order, product)

    response = deliver(*signed(payment_event(order, **data)))

    assert_problem(response, 409, "payment_mismatch")
    assert _state(order, product) == before


def test_an_amount_written_differently_but_equal_is_accepted(order):
    response = deliver(*signed(payment_event(order, amount="49.9")))

    assert response.status_code == 200
    assert response.json()["status"] == "paid"


def test_other_event_types_are_acknowledged_and_ignored(order, product):
    event = {**payment_event(order), "type": "payment.failed"}
    before = _state(order, product)

    response = deliver(*signed(event))

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert _state(order, product) == before


def test_a_second_payment_event_for_a_paid_order_is_409_and_records_nothing(order, product):
    assert deliver(*signed(payment_event(order, event_id="evt_a"))).status_code == 200
    before = _state(order, product)

    response = deliver(*signed(payment_event(order, event_id="evt_b")))

    body = assert_problem(response, 409, "illegal_transition")
    assert body["current_status"] == "paid"
    assert _state(order, product) == before


def test_a_cancelled_order_cannot_be_paid(order, product):
    client_for(order.user).post(order_url(order.pk, "cancel"))
    before = _state(order, product)

    response = deliver(*signed(payment_event(order)))

    body = assert_problem(response, 409, "illegal_transition")
    assert body["current_status"] == "cancelled"
    assert _state(order, product) == before


def _past_deadline(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(seconds=1))


def test_paying_past_the_deadline_is_409_and_the_order_reads_expired(order, product):
    _past_deadline(order)

    response = deliver(*signed(payment_event(order)))

    body = assert_problem(response, 409, "illegal_transition")
    assert body["current_status"] == "expired"
    assert client_for(order.user).get(order_url(order.pk)).json()["status"] == "expired"
    assert Payment.objects.count() == 0
    assert Product.objects.get(pk=product.pk).popularity == 0


def test_paying_past_the_deadline_records_the_expiry_and_returns_stock_once(order, product):
    _past_deadline(order)

    deliver(*signed(payment_event(order, event_id="evt_late")))
    deliver(*signed(payment_event(order, event_id="evt_later")))

    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED
    assert stock_of(product) == 10


def test_the_webhook_only_accepts_post(order):
    assert_problem(client_for().get(WEBHOOK), 405, "method_not_allowed")


def test_a_signalling_nan_amount_is_400_not_500(order, product):
    before = _state(order, product)

    response = deliver(*signed(payment_event(order, amount="sNaN")))

    assert_invalid(response, "data")
    assert _state(order, product) == before
