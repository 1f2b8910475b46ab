"""The shop's live proofs (``core.site.proofs``): no oversell, and one order per
``Idempotency-Key``. Each buys the way the buy-now endpoint does (``OrderListView.post``):
``run_idempotent`` around ``order_place``, storing the order's body as the API would,
on a sandbox product of its own (its low-stock threshold 0, so no staff alert goes out)
that it removes afterwards with the orders placed."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from core.identity.models import User
from core.site.proofs import Outcome, ProofRun, proof
from core.site.proofs.sandbox import tally
from core.tasking.idempotency import REQUEST_IN_PROGRESS, IdempotencyError, run_idempotent
from shop import error_codes, selectors
from shop.api.serializers import OrderSerializer
from shop.models import Order, OrderLine, PaymentMethod, Product
from shop.services.catalog import category_create, category_delete, product_create, product_delete
from shop.services.orders import order_place

ORDER_SCOPE = "shop.order"  # the buy-now endpoint's idempotency scope


def _product(run: ProofRun, *, stock: int) -> Product:
    """A sandbox product in a sandbox category, both removed after the run (after the
    orders, which a clean-up registered later removes first)."""
    category = category_create(name="Proofs sandbox", slug=run.name("category"))
    run.cleanup(lambda: category_delete(category=category))
    product = product_create(
        data={
            "category": category,
            "name": "Proof sandbox product",
            "slug": run.name("product"),
            "sku": run.name("sku"),
            "price": Decimal("1.00"),
            "currency": "EUR",
            "stock": stock,
            "low_stock_threshold": 0,  # never "low": no alert reaches the real staff
        }
    )
    run.cleanup(lambda: product_delete(product=product))
    run.cleanup(lambda: Order.objects.filter(lines__product=product).delete())
    return product


def _buy(buyer: User, product: Product, *, key: str | None) -> tuple[int, Any, bool]:
    """One unit, as ``POST /api/v1/shop/orders/`` with that body and key: (status, the
    order's body, whether it was a replay)."""
    body = {"items": [{"product": product.pk, "quantity": 1}]}

    def write() -> tuple[int, Any]:
        order = order_place(
            user=buyer, lines=[(product.pk, 1)], payment_method=PaymentMethod.BANK_TRANSFER
        )
        shown = selectors.order_for(user=buyer, order_id=order.pk)
        return 201, OrderSerializer(shown, context={"user": buyer}).data

    outcome = run_idempotent(
        user_id=buyer.pk, scope=ORDER_SCOPE, key=key, payload=body, write=write
    )
    return outcome.status, outcome.body, outcome.replayed


def _stock(product: Product) -> int:
    stock: int = Product.objects.values_list("stock", flat=True).get(pk=product.pk)
    return stock


def _sold(product: Product) -> int:
    sold: int | None = OrderLine.objects.filter(product=product).aggregate(n=Sum("quantity"))["n"]
    return sold or 0


BUYERS, UNITS = 50, 10


@proof(
    "oversell",
    title="No oversell",
    description=f"{BUYERS} buyers race for the last {UNITS} units of a product: exactly "
    f"{UNITS} orders, stock 0, the others refused with insufficient_stock.",
    test="tests/shop/test_concurrency.py::test_fifty_buyers_race_for_the_last_ten_units",
)
def oversell(run: ProofRun) -> Outcome:
    # One unit each, one order each: far below each buyer's cap on unpaid units
    # (SHOP_MAX_UNPAID_UNITS*), so the race is about the stock alone.
    buyers = run.users("buyer", BUYERS)
    product = _product(run, stock=UNITS)

    results = run.race(len(buyers), lambda n: _buy(buyers[n], product, key=None))

    outcomes = tally(results)
    orders = Order.objects.filter(lines__product=product).distinct().count()
    buyers_served = Order.objects.filter(lines__product=product).values("user").distinct().count()
    stock, sold = _stock(product), _sold(product)
    refused = outcomes.get(error_codes.INSUFFICIENT_STOCK.code, 0)
    expected_refusals = len(buyers) - UNITS
    held = (
        orders == UNITS
        and buyers_served == UNITS
        and sold == UNITS
        and stock == 0
        and outcomes == {"ok": UNITS, error_codes.INSUFFICIENT_STOCK.code: expected_refusals}
    )
    if run.embedded:
        guard = (
            "The conditional UPDATE shop_product SET stock = stock - 1 WHERE id = … AND "
            "stock >= 1 of order_place, run by one writer at a time (SQLite: BEGIN "
            "IMMEDIATE, the others wait on the busy timeout); CHECK (stock >= 0) "
            "(shop_product_stock_gte_0) behind it."
        )
    else:
        guard = (
            "The conditional UPDATE shop_product SET stock = stock - 1 WHERE id = … AND "
            "stock >= 1 of order_place: it takes the product's row lock, and a racer "
            "waiting on it re-checks the WHERE against the committed stock; CHECK (stock "
            ">= 0) (shop_product_stock_gte_0) behind it."
        )
    return Outcome(
        held=held,
        expected=f"exactly {UNITS} orders, stock 0, {expected_refusals} refused with "
        "insufficient_stock",
        happened=f"{orders} orders by {buyers_served} buyers, {sold} units sold, stock "
        f"{stock}; answers: {_answers(outcomes)}",
        counts={
            "buyers": len(buyers),
            "orders": orders,
            "units_sold": sold,
            "stock": stock,
            "refused_insufficient_stock": refused,
        },
        guard=guard,
        details={"threads": len(buyers), "answers": outcomes, "initial_stock": UNITS},
    )


SENDS = 20
INITIAL_STOCK = 5
PATIENCE = 10  # retries after request_in_progress, each after its Retry-After


@proof(
    "idempotency",
    title="Idempotent checkout",
    description=f"One buyer sends one Idempotency-Key {SENDS} times at once: one order, "
    "and every answer names it.",
    test="tests/shop/test_concurrency.py::"
    "test_the_same_idempotency_key_from_several_threads_orders_once",
)
def idempotency(run: ProofRun) -> Outcome:
    buyer = run.user("buyer")
    product = _product(run, stock=INITIAL_STOCK)
    key = run.name("key")

    def send(_: int) -> tuple[str, int]:
        """The first answer's kind and the order the last answer names; a 409
        request_in_progress is retried after its Retry-After, as a client should."""
        first = None
        for _attempt in range(PATIENCE):
            try:
                _, body, replayed = _buy(buyer, product, key=key)
            except IdempotencyError as busy:
                if busy.problem.code != REQUEST_IN_PROGRESS.code:
                    raise
                first = first or REQUEST_IN_PROGRESS.code
                time.sleep(busy.retry_after or 1)
                continue
            return first or ("replayed" if replayed else "created"), body["id"]
        raise TimeoutError(f"still in progress after {PATIENCE} tries")

    results = run.race(SENDS, send)

    answered = [result for result in results if isinstance(result, tuple)]
    first_answers: dict[str, int] = {}
    for kind, _ in answered:
        first_answers[kind] = first_answers.get(kind, 0) + 1
    failures = tally([result for result in results if not isinstance(result, tuple)])
    named = {order_id for _, order_id in answered}
    orders = Order.objects.filter(user=buyer).count()
    order_ids = set(Order.objects.filter(user=buyer).values_list("pk", flat=True))
    stock = _stock(product)
    held = (
        orders == 1
        and len(answered) == SENDS
        and named == order_ids
        and stock == INITIAL_STOCK - 1
        and first_answers.get("created") == 1
    )
    return Outcome(
        held=held,
        expected=f"one order; all {SENDS} answers name it; stock {INITIAL_STOCK} → "
        f"{INITIAL_STOCK - 1}",
        happened=f"{orders} order(s); {len(answered)} answers naming "
        f"{_orders_named(named)}; stock {stock}; first answers: {_answers(first_answers)}"
        + (f"; failed: {_answers(failures)}" if failures else ""),
        counts={
            "sends": SENDS,
            "orders": orders,
            "answers_naming_the_order": sum(1 for _, o in answered if o in order_ids),
            "stock": stock,
            "first_answer_created": first_answers.get("created", 0),
            "first_answer_replayed": first_answers.get("replayed", 0),
            "first_answer_in_progress": first_answers.get(REQUEST_IN_PROGRESS.code, 0),
        },
        guard="The unique constraint core_idempotency_key_unique on (user, scope, key): "
        "the key's row is inserted and committed before the order is placed, so one "
        "request owns it; the others replay its stored answer, or get 409 "
        "request_in_progress with Retry-After while it runs, and retry.",
        details={"threads": SENDS, "first_answers": first_answers, "failures": failures},
    )


def _answers(outcomes: dict[str, int]) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in sorted(outcomes.items())) or "none"


def _orders_named(order_ids: set[int]) -> str:
    if not order_ids:
        return "no order"
    return "order " + ", ".join(str(order_id) for order_id in sorted(order_ids))
