"""Card payments: verifying the provider's signed webhook calls and recording a
``payment.succeeded`` event once per event id, which pays its order."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from core.http.catalogue import ProblemError
from core.http.validation import field_error
from shop import error_codes
from shop.models import ORDER_PROVIDER_MOVES, Order, OrderStatus, Payment
from shop.services.orders import _expire_if_overdue, _mark_paid, _refusal

SIGNATURE_HEADER = "Nexus-Signature"
SIGNATURE_TOLERANCE = 300  # seconds: older signed calls are replays


def webhook_signature(*, body: bytes, timestamp: int, secret: str) -> str:
    """``v1`` of the scheme: hex HMAC-SHA256 of ``"<timestamp>.<raw body>"``."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def webhook_verify(*, body: bytes, header: str | None, now: float | None = None) -> dict[str, Any]:
    """Check ``Nexus-Signature: t=<unix seconds>,v1=<hex>`` and return the event."""
    secret = settings.SHOP_WEBHOOK_SECRET
    refused = ProblemError(error_codes.INVALID_SIGNATURE, error_codes.INVALID_SIGNATURE.description)
    if not secret or not header or len(header) > 512:
        raise refused
    parts: dict[str, list[str]] = defaultdict(list)
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts[key].append(value)
    try:
        timestamp = int(parts["t"][0])
    except (IndexError, ValueError):
        raise refused from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > SIGNATURE_TOLERANCE:
        raise refused
    expected = webhook_signature(body=body, timestamp=timestamp, secret=secret)
    if not any(hmac.compare_digest(expected, candidate) for candidate in parts["v1"]):
        raise refused
    not_an_event = ProblemError(
        error_codes.INVALID_SIGNATURE, "The signed body is not a payment event."
    )
    try:
        event = json.loads(body)
    except ValueError:
        raise not_an_event from None
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and 0 < len(event["id"]) <= 255
        and isinstance(event.get("data"), dict)
    ):
        raise not_an_event
    return event


def payment_record(*, event: dict[str, Any], provider: str = "card") -> tuple[Payment, bool]:
    """A verified ``payment.succeeded`` event pays its order, once per event id.
    Returns the payment and whether this call recorded it (False: a redelivery).
    ``event`` is the provider's JSON as ``webhook_verify`` returns it: its ``data``
    (order, amount, currency) is checked here."""
    event_id = event["id"]
    existing = Payment.objects.filter(provider=provider, event_id=event_id).first()
    if existing is not None:
        return existing, False
    data = event["data"]
    try:
        order_id = data["order"]
        if isinstance(order_id, bool) or not isinstance(order_id, int | str):
            raise TypeError(order_id)
        order_id = int(order_id)
        amount = Decimal(str(data["amount"]))
        currency = str(data["currency"])
        if not amount.is_finite():
            raise ValueError(amount)
    except (KeyError, ValueError, TypeError, ArithmeticError):
        raise field_error("data", "A payment event names order, amount and currency.") from None
    order = Order.objects.filter(pk=order_id).first() if 0 < order_id < 2**63 else None
    if order is None:
        raise field_error("data.order", f"No order {order_id}.", "does_not_exist")
    if amount != order.total or currency != order.currency:
        raise ProblemError(
            error_codes.PAYMENT_MISMATCH,
            f"Order {order_id} costs {order.total} {order.currency}; got {amount} {currency}.",
        )
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order.pk)
            expired = _expire_if_overdue(order)  # kept: this block commits
            if not expired:
                payment = Payment.objects.create(
                    order=order,
                    provider=provider,
                    event_id=event_id,
                    amount=amount,
                    currency=currency,
                )
                # A refusal (cancelled) rolls the payment back too.
                _mark_paid(order, moves=ORDER_PROVIDER_MOVES)
    except IntegrityError:  # the same event delivered twice at once: the other one won
        return Payment.objects.get(provider=provider, event_id=event_id), False
    if expired:
        order.refresh_from_db()
        raise _refusal(order, OrderStatus.PAID, moves=ORDER_PROVIDER_MOVES)
    return payment, True
