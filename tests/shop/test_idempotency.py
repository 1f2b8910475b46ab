"""``Idempotency-Key`` on buy-now and checkout, one request at a time (the races are
in test_concurrency.py): replays, reuse with another body, per-user keys, keys
released by failed writes, in-progress and stale keys."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from core.tasking.idempotency import request_hash
from core.tasking.models import IdempotencyKey
from shop.models import Order
from shop.services.catalog import product_update
from tests.helpers import assert_invalid, assert_problem, client_for
from tests.shop.factories import (
    CART_ITEMS,
    CHECKOUT,
    ORDERS,
    customer,
    make_category,
    make_product,
    stock_of,
)

pytestmark = pytest.mark.django_db

KEY = "3f1c9a0e-5b7d-4c2a-9e8f-0a1b2c3d4e5f"


@pytest.fixture
def pan():
    return make_product(make_category("Pans"), name="Skillet", price="39.90", stock=10)


@pytest.fixture
def lid(pan):
    return make_product(pan.category, name="Lid", price="12.50", stock=10)


@pytest.fixture
def buyer():
    return customer()


def _post(client, body, key=KEY, url=ORDERS):
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def _order_body(*lines, **extra):
    return {"items": [{"product": p.pk, "quantity": q} for p, q in lines], **extra}


def test_a_retry_replays_the_first_response_and_orders_once(pan, buyer):
    client = client_for(buyer)
    body = _order_body((pan, 2))

    first = _post(client, body)
    second = _post(client, body)

    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert list(Order.objects.values_list("pk", flat=True)) == [first.json()["id"]]
    assert stock_of(pan) == 8


def test_the_same_body_with_keys_in_another_order_is_a_replay(pan, lid, buyer):
    client = client_for(buyer)
    first = _post(
        client,
        f'{{"shipping_address": "1 Main St", "items": [{{"product": {pan.pk}, "quantity": 2}}, '
        f'{{"product": {lid.pk}, "quantity": 1}}]}}',
    )

    second = _post(
        client,
        f'{{"items": [{{"quantity": 2, "product": {pan.pk}}}, '
        f'{{"quantity": 1, "product": {lid.pk}}}], "shipping_address": "1 Main St"}}',
    )

    assert first.status_code == 201, first.content
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1
    assert (stock_of(pan), stock_of(lid)) == (8, 9)


@pytest.mark.parametrize(
    "changed",
    [
        {"quantity": 3},
        {"shipping_address": "2 Other St"},
        {"payment_method": "cash_on_delivery"},
    ],
)
def test_the_same_key_with_another_body_is_422_and_changes_nothing(pan, buyer, changed):
    client = client_for(buyer)
    first = _post(client, _order_body((pan, 2)))
    assert first.status_code == 201
    other = _order_body((pan, changed.pop("quantity", 2)), **changed)

    response = _post(client, other)

    assert_problem(response, 422, "idempotency_key_reused")
    assert Order.objects.count() == 1
    assert stock_of(pan) == 8
    # and the key still replays its first response
    assert _post(client, _order_body((pan, 2))).json() == first.json()


def test_keys_belong_to_one_user(pan, buyer):
    mine = _post(client_for(buyer), _order_body((pan, 2)))

    theirs = _post(client_for(customer()), _order_body((pan, 3)))

    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["user"] != buyer.pk
    assert stock_of(pan) == 5


def test_a_failed_write_releases_the_key_so_a_retry_after_restock_works(pan, buyer):
    product_update(product=pan, data={"stock": 5})
    client = client_for(buyer)
    body = _order_body((pan, 8))

    for _ in range(2):  # re-run, not replayed: the failure was not stored
        response = _post(client, body)
        assert_problem(response, 409, "insufficient_stock")
        assert "Idempotent-Replayed" not in response
    assert IdempotencyKey.objects.count() == 0
    product_update(product=pan, data={"stock": 20})

    retried = _post(client, body)

    assert retried.status_code == 201
    assert stock_of(pan) == 12
    assert _post(client, body)["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


def test_an_invalid_body_does_not_use_up_the_key(pan, buyer):
    client = client_for(buyer)
    assert_invalid(_post(client, _order_body((pan, 0))), "items.0.quantity")

    response = _post(client, _order_body((pan, 1)))

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\there", "del\x7f"])
def test_a_malformed_key_is_400_and_nothing_is_ordered(pan, buyer, key):
    response = _post(client_for(buyer), _order_body((pan, 1)), key=key)

    assert_problem(response, 400, "invalid_idempotency_key")
    assert Order.objects.count() == 0
    assert stock_of(pan) == 10


def test_a_key_of_255_characters_is_fine(pan, buyer):
    client = client_for(buyer)

    first = _post(client, _order_body((pan, 1)), key="k" * 255)
    again = _post(client, _order_body((pan, 1)), key="k" * 255)

    assert first.status_code == 201, first.content
    assert [(line["product"], line["quantity"]) for line in first.json()["lines"]] == [(pan.pk, 1)]
    assert list(IdempotencyKey.objects.values_list("user", "key")) == [(buyer.pk, "k" * 255)]
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert again.json() == first.json()  # the whole key is kept, so the retry is a replay
    assert list(Order.objects.values_list("pk", flat=True)) == [first.json()["id"]]
    assert stock_of(pan) == 9


def test_a_key_still_in_progress_is_409_with_retry_after(pan, buyer):
    body = _order_body((pan, 2))
    IdempotencyKey.objects.create(
        user=buyer,
        scope="shop.order",
        key=KEY,
        request_hash=request_hash(body),
        created_at=timezone.now(),
    )

    response = _post(client_for(buyer), body)

    assert_problem(response, 409, "request_in_progress")
    assert int(response["Retry-After"]) >= 1
    assert Order.objects.count() == 0
    assert stock_of(pan) == 10


def test_a_key_left_in_progress_by_a_dead_process_is_taken_over(pan, buyer):
    body = _order_body((pan, 2))
    IdempotencyKey.objects.create(
        user=buyer,
        scope="shop.order",
        key=KEY,
        request_hash=request_hash(body),
        created_at=timezone.now() - timedelta(minutes=5),
    )

    response = _post(client_for(buyer), body)

    assert response.status_code == 201
    assert Order.objects.count() == 1
    assert _post(client_for(buyer), body)["Idempotent-Replayed"] == "true"


def test_a_key_older_than_a_day_is_forgotten(pan, buyer):
    client = client_for(buyer)
    first = _post(client, _order_body((pan, 2)))
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))

    again = _post(client, _order_body((pan, 3)))

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert again.json()["id"] != first.json()["id"]
    assert stock_of(pan) == 5


def test_checkout_replays_instead_of_finding_the_cart_empty(pan, buyer):
    client = client_for(buyer)
    client.post(CART_ITEMS, {"product": pan.pk, "quantity": 2}, format="json")

    first = _post(client, {}, url=CHECKOUT)
    second = _post(client, {}, url=CHECKOUT)

    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Order.objects.count() == 1
    assert stock_of(pan) == 8
    # without the key the (now empty) cart is refused
    assert_problem(client.post(CHECKOUT, {}, format="json"), 409, "cart_empty")


def test_checkout_and_buy_now_keys_are_independent(pan, buyer):
    client = client_for(buyer)
    client.post(CART_ITEMS, {"product": pan.pk, "quantity": 1}, format="json")

    bought = _post(client, _order_body((pan, 2)))
    checked_out = _post(client, {}, url=CHECKOUT)

    assert bought.status_code == checked_out.status_code == 201
    assert "Idempotent-Replayed" not in checked_out
    assert Order.objects.count() == 2
    assert stock_of(pan) == 7
