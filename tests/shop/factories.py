"""Shop test data, built through ``shop.services`` so category paths, search
vectors and cache invalidation are what the product does. API clients and problem
assertions are in tests.helpers."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from shop.models import Category, Order, Product
from shop.services.catalog import category_create, product_create
from shop.services.orders import order_place
from tests.core.factories import UserFactory

CATEGORIES = "/api/v1/shop/categories/"
PRODUCTS = "/api/v1/shop/products/"
CART = "/api/v1/shop/cart/"
CART_ITEMS = "/api/v1/shop/cart/items/"
CHECKOUT = "/api/v1/shop/cart/checkout/"
ORDERS = "/api/v1/shop/orders/"
WEBHOOK = "/api/v1/shop/payments/webhook/"
WEBHOOK_SECRET = "whsec-test-0123456789"

_sequence = itertools.count(1)


def category_url(slug: str) -> str:
    return f"{CATEGORIES}{slug}/"


def product_url(pk: int) -> str:
    return f"{PRODUCTS}{pk}/"


def cart_item_url(pk: int) -> str:
    return f"{CART_ITEMS}{pk}/"


def order_url(pk: int, action: str = "") -> str:
    return f"{ORDERS}{pk}/{action + '/' if action else ''}"


def customer(**kwargs: Any):
    return UserFactory(**kwargs)


def staff(**kwargs: Any):
    return UserFactory(is_staff=True, **kwargs)


def make_category(name: str | None = None, *, slug: str | None = None, parent=None) -> Category:
    n = next(_sequence)
    name = name or f"Category {n}"
    return category_create(
        name=name, slug=slug or f"{name.lower().replace(' ', '-')}-{n}", parent=parent
    )


def make_product(category: Category | None = None, **overrides: Any) -> Product:
    n = next(_sequence)
    data: dict[str, Any] = {
        "category": category or make_category(),
        "name": f"Product {n}",
        "slug": f"product-{n}",
        "sku": f"SKU-{n}",
        "description": "",
        "price": Decimal("10.00"),
        "stock": 10,
    }
    data.update(overrides)
    if "price" in data:
        data["price"] = Decimal(str(data["price"]))
    return product_create(data=data)


def place_order(user: Any, *lines: tuple[Product, int], **kwargs: Any) -> Order:
    """An order placed through the service (as the API does)."""
    return order_place(
        user=user, lines=[(product.pk, quantity) for product, quantity in lines], **kwargs
    )


def stock_of(product: Product) -> int:
    return Product.objects.values_list("stock", flat=True).get(pk=product.pk)


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def signed(
    event: dict[str, Any] | bytes,
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
) -> tuple[bytes, str]:
    """A webhook body and its ``Nexus-Signature``, built as the OpenAPI description
    documents: ``t=<unix>,v1=<hex hmac_sha256(secret, "<t>." + body)>``."""
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={t},v1={digest}"


def payment_event(order: Order, /, *, event_id: str = "evt_1", **data: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "payment.succeeded",
        "data": {
            "order": order.pk,
            "amount": str(order.total),
            "currency": order.currency,
            **data,
        },
    }


def buy(client: Any, *lines: tuple[Product, int], **extra: Any) -> Any:
    """POST an order (buy-now) of ``(product, quantity)`` lines, with ``extra`` body fields."""
    items = [{"product": product.pk, "quantity": quantity} for product, quantity in lines]
    return client.post(ORDERS, {"items": items, **extra}, format="json")


def past_due(*orders: Order) -> None:
    """Move the orders' payment deadline a minute into the past."""
    past = timezone.now() - timedelta(minutes=1)
    Order.objects.filter(pk__in=[order.pk for order in orders]).update(payment_due_at=past)
