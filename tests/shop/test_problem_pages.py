"""Every problem a shop endpoint answers with names a ``type`` that is a page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.tasking.idempotency import request_hash
from core.tasking.models import IdempotencyKey
from shop.models import Order, Product
from tests.helpers import client_for
from tests.shop.factories import (
    CATEGORIES,
    CHECKOUT,
    ORDERS,
    PRODUCTS,
    WEBHOOK,
    WEBHOOK_SECRET,
    category_url,
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


def _problems_seen(settings) -> dict[str, dict]:
    """Provoke every problem the shop's endpoints answer with; code -> body."""
    settings.SHOP_WEBHOOK_SECRET = WEBHOOK_SECRET
    category = make_category("Pans", slug="pans")
    product = make_product(category, stock=1)
    retired = make_product(category, is_active=False)
    buyer = customer()
    shopper, operator = client_for(buyer), client_for(staff())
    order = place_order(buyer, (product, 1))
    late = place_order(customer(), (make_product(category, stock=1), 1))
    Order.objects.filter(pk=late.pk).update(payment_due_at=timezone.now() - timedelta(minutes=1))

    mismatched, signature = signed(payment_event(order, amount="0.01"))

    def buy(item, **headers):
        return shopper.post(ORDERS, {"items": [item]}, format="json", **headers)

    responses = [
        buy({"product": product.pk, "quantity": 5}),
        buy({"product": retired.pk, "quantity": 1}),
        buy({"product": product.pk, "quantity": 0}),
        shopper.post(CHECKOUT, {}, format="json"),
        operator.delete(category_url("pans")),
        operator.post(order_url(late.pk, "transition"), {"status": "paid"}, format="json"),
        client_for().post(WEBHOOK, b"{}", content_type="application/json"),
        client_for().post(
            WEBHOOK, mismatched, content_type="application/json", HTTP_NEXUS_SIGNATURE=signature
        ),
        buy({"product": product.pk, "quantity": 1}, HTTP_IDEMPOTENCY_KEY="k" * 300),
        client_for().get(ORDERS),
        shopper.post(CATEGORIES, {"name": "X", "slug": "x"}, format="json"),
        shopper.get(order_url(order.pk + 1000)),
        client_for().get(WEBHOOK),
        client_for().get(PRODUCTS, {"ordering": "stock"}),
    ]
    Product.objects.filter(pk=product.pk).update(stock=10)
    assert (
        buy({"product": product.pk, "quantity": 1}, HTTP_IDEMPOTENCY_KEY="once").status_code == 201
    )
    responses.append(buy({"product": product.pk, "quantity": 2}, HTTP_IDEMPOTENCY_KEY="once"))
    busy = {"product": product.pk, "quantity": 1}
    IdempotencyKey.objects.create(  # another request with this key is still running
        user=buyer,
        scope="shop.order",
        key="busy",
        request_hash=request_hash({"items": [busy]}),
        created_at=timezone.now(),
    )
    responses.append(buy(busy, HTTP_IDEMPOTENCY_KEY="busy"))
    return {response.json()["code"]: response.json() for response in responses}


def test_every_problem_code_the_shop_answers_with_has_a_page(settings):
    seen = _problems_seen(settings)

    assert set(seen) == {
        "insufficient_stock",
        "product_unavailable",
        "validation_error",
        "cart_empty",
        "category_not_empty",
        "illegal_transition",
        "invalid_signature",
        "payment_mismatch",
        "invalid_idempotency_key",
        "not_authenticated",
        "permission_denied",
        "not_found",
        "method_not_allowed",
        "idempotency_key_reused",
        "request_in_progress",
    }
    browser = Client()
    for code, body in seen.items():
        assert body["type"] == f"/problems/{code}/"
        page = browser.get(body["type"])
        assert page.status_code == 200, code
        assert f"Problem: {code}" in page.content.decode()


def test_the_problem_index_lists_the_shop_codes():
    page = Client().get("/problems/").content.decode()

    for code in (
        "insufficient_stock",
        "product_unavailable",
        "illegal_transition",
        "cart_empty",
        "category_not_empty",
        "invalid_signature",
        "payment_mismatch",
    ):
        assert f'id="{code}"' in page
