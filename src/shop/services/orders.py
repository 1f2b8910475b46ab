"""Order writes: placing an order (stock reserved in the same transaction), what an
order is read as now, cancelling, staff transitions, and the beat job that records
expiries.

Stock is reserved with one conditional ``UPDATE ... SET stock = stock - n WHERE
stock >= n`` per line, in product-id order (rows are locked in one order, so
concurrent checkouts never deadlock), all in the order's transaction: a short
line rolls back the whole order. Status changes are conditional updates from
the statuses ``ORDER_WORKFLOW`` says the move may start from, so of two racing
cancels exactly one returns the stock; a refused move is the workflow's 409, naming
the statuses the actor may move the order to instead.

No hoarding: a customer's orders are placed one at a time (their user row is locked),
so the unpaid units they hold are counted and capped (``SHOP_MAX_UNPAID_UNITS*``)
without a race. An unpaid order past its deadline gives its units back at once: reads
add them to the stock (``selectors.released_units``), and the next order of the
product records the expiry before reserving, as beat does later; whichever records it
returns the units, once. Locks are always taken customer, then orders (by id), then
products (by id).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from core.http.catalogue import ProblemError
from core.http.validation import field_error
from core.identity import roles
from core.identity.models import User
from core.notifications.services import notification_create
from core.tasking.outbox import enqueue_on_commit
from shop import error_codes, selectors
from shop.models import (
    MAX_QUANTITY,
    ORDER_OWNER_MOVES,
    ORDER_STAFF_MOVES,
    ORDER_WORKFLOW,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Product,
    order_overdue,
)
from shop.services._common import _quantity

MAX_ORDER_LINES = 100


def _merge_lines(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = defaultdict(int)
    count = 0
    for index, (product_id, quantity) in enumerate(lines):
        count += 1
        _quantity(quantity, f"items.{index}.quantity")
        merged[product_id] += quantity
    if count == 0:
        raise field_error("items", "An order needs at least one item.", "empty")
    if count > MAX_ORDER_LINES:
        raise field_error("items", f"At most {MAX_ORDER_LINES} items per order.", "max_length")
    for product_id, quantity in merged.items():
        if quantity > MAX_QUANTITY:
            raise field_error("items", f"At most {MAX_QUANTITY} of product {product_id}.")
    return merged


def _reserve(quantities: dict[int, int]) -> None:
    """Take the stock, line by line in id order; any short line aborts the order."""
    for product_id in sorted(quantities):
        wanted = quantities[product_id]
        taken = Product.objects.filter(pk=product_id, is_active=True, stock__gte=wanted).update(
            stock=F("stock") - wanted
        )
        if taken:
            continue
        product = Product.objects.filter(pk=product_id).values("name", "stock", "is_active").first()
        if product is None or not product["is_active"]:
            raise ProblemError(
                error_codes.PRODUCT_UNAVAILABLE,
                f"Product {product_id} does not exist or is not sold.",
                product=product_id,
            )
        raise ProblemError(
            error_codes.INSUFFICIENT_STOCK,
            f"Only {product['stock']} of {product['name']!r} in stock; {wanted} requested.",
            product=product_id,
            requested=wanted,
            available=product["stock"],
        )


def _release(lines: Iterable[OrderLine]) -> None:
    """Give stock back, in product-id order (the order reservations lock rows in)."""
    quantities: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.product_id is not None:
            quantities[line.product_id] += line.quantity
    for product_id in sorted(quantities):
        Product.objects.filter(pk=product_id).update(stock=F("stock") + quantities[product_id])


def _lock_customer(user: User) -> None:
    """One order of a customer at a time: what they hold is counted and added to under
    this lock. ``FOR NO KEY UPDATE``: rows that merely reference the user (their new
    order, a notification) are not held up."""
    list(User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk"))


def _check_hold(*, user: User, quantities: dict[int, int]) -> None:
    """No hoarding: a 409 ``reservation_limit`` if the order would leave the customer
    holding more unpaid units than ``SHOP_MAX_UNPAID_UNITS_PER_PRODUCT`` of a product or
    ``SHOP_MAX_UNPAID_UNITS`` in all (under ``_lock_customer``)."""
    held = selectors.unpaid_units_held(user_id=user.pk, now=timezone.now())
    limit = settings.SHOP_MAX_UNPAID_UNITS_PER_PRODUCT
    for product_id in sorted(quantities):
        already, wanted = held.get(product_id, 0), quantities[product_id]
        if already + wanted > limit:
            raise ProblemError(
                error_codes.RESERVATION_LIMIT,
                f"You may hold at most {limit} unpaid units of product {product_id}: you "
                f"hold {already} and asked for {wanted}. Pay or cancel an order first.",
                limit=limit,
                held=already,
                requested=wanted,
                product=product_id,
            )
    limit = settings.SHOP_MAX_UNPAID_UNITS
    already, wanted = sum(held.values()), sum(quantities.values())
    if already + wanted > limit:
        raise ProblemError(
            error_codes.RESERVATION_LIMIT,
            f"You may hold at most {limit} unpaid units in all: you hold {already} and "
            f"asked for {wanted}. Pay or cancel an order first.",
            limit=limit,
            held=already,
            requested=wanted,
            product=None,
        )


def expire_overdue_holding(product_ids: Iterable[int], *, then_write: Iterable[int] = ()) -> int:
    """Record the expiry of the unpaid orders past their deadline that hold any of
    ``product_ids``, as beat would (their units back once, their owners told): before
    an order or a restock of a product, so its stock counts what readers already see.
    Call it in the write's transaction. Locks the orders (by id), then the products (by
    id) it returns units to and those in ``then_write``, which the caller updates next:
    its own updates then wait for no one. Returns how many orders it expired."""
    wanted = set(product_ids)
    now = timezone.now()
    holding = OrderLine.objects.filter(product_id__in=wanted).values("order_id")
    overdue = list(  # locked in id order; one that another write expired meanwhile drops out
        Order.objects.select_for_update()
        .filter(order_overdue(now), pk__in=holding)
        .order_by("pk")
        .values_list("pk", "user_id")
    )
    if not overdue:
        return 0
    released = OrderLine.objects.filter(order_id__in=[pk for pk, _ in overdue])
    products = set(released.exclude(product=None).values_list("product_id", flat=True))
    products |= set(then_write)
    list(
        Product.objects.select_for_update(no_key=True)
        .filter(pk__in=products)
        .order_by("pk")
        .values_list("pk")
    )
    expired = 0
    for order_id, user_id in overdue:
        if _close(order_id, to=OrderStatus.EXPIRED, due_before=now):
            _expiry_notice(order_id=order_id, user_id=user_id)
            expired += 1
    return expired


@transaction.atomic
def order_place(
    *,
    user: User,
    lines: Iterable[tuple[int, int]],
    shipping_address: str = "",
    payment_method: str = PaymentMethod.BANK_TRANSFER,
) -> Order:
    """Reserve stock and record the order with a snapshot of each line's price."""
    quantities = _merge_lines(lines)
    if payment_method not in PaymentMethod.values:
        raise field_error("payment_method", f"Use one of: {', '.join(PaymentMethod.values)}.")
    if not isinstance(shipping_address, str) or len(shipping_address) > 1000:
        raise field_error("shipping_address", "Text of at most 1000 characters.")
    if "\x00" in shipping_address:
        raise field_error("shipping_address", "NUL characters are not allowed.", "null_characters")
    _lock_customer(user)
    _check_hold(user=user, quantities=quantities)
    expire_overdue_holding(quantities, then_write=quantities)
    _reserve(quantities)
    # Read after reserving: these rows are now locked by this transaction, so the
    # snapshot is the price and stock the reservation saw.
    products = {product.pk: product for product in Product.objects.filter(pk__in=quantities)}
    currencies = {product.currency for product in products.values()}
    if len(currencies) != 1:
        raise field_error("items", "All items of an order must share one currency.", "currency")
    now = timezone.now()
    due = None
    if payment_method != PaymentMethod.CASH_ON_DELIVERY:
        due = now + timedelta(minutes=settings.SHOP_PAYMENT_WINDOW_MINUTES)
    order_lines = []
    total = Decimal("0.00")
    for product_id in sorted(quantities):
        product = products[product_id]
        quantity = quantities[product_id]
        line_total = product.price * quantity
        total += line_total
        order_lines.append(
            OrderLine(
                product=product,
                product_name=product.name,
                product_sku=product.sku,
                unit_price=product.price,
                currency=product.currency,
                quantity=quantity,
                line_total=line_total,
            )
        )
    order = Order.objects.create(
        user=user,
        currency=currencies.pop(),
        total=total,
        shipping_address=shipping_address.strip(),
        payment_method=payment_method,
        payment_due_at=due,
    )
    for line in order_lines:
        line.order = order
    OrderLine.objects.bulk_create(order_lines)
    for product_id, quantity in quantities.items():
        product = products[product_id]
        # Alert once, on the sale that crosses the threshold.
        if product.stock < product.low_stock_threshold <= product.stock + quantity:
            enqueue_on_commit("shop.tasks.low_stock_alert_task", product_id)
    enqueue_on_commit("shop.tasks.order_confirmation_task", order.pk)
    return order


def effective_status(order: Order, *, now: datetime | None = None) -> str:
    """What an order is, read now: a pending order past its payment deadline is
    expired even before beat records it (``make run`` runs no beat)."""
    now = now or timezone.now()
    if (
        order.status == OrderStatus.PENDING
        and order.payment_due_at is not None
        and order.payment_due_at <= now
    ):
        return OrderStatus.EXPIRED
    return order.status


def order_moves(*, order: Order, user: User) -> frozenset[str]:
    """The moves ``user`` may make on ``order``: staff move any order along, its owner
    may only cancel it; anyone else none."""
    if roles.is_site_staff(user):
        return ORDER_STAFF_MOVES
    if order.user_id == user.pk:
        return ORDER_OWNER_MOVES
    return frozenset()


def order_allowed_transitions(*, order: Order, user: User) -> list[str]:
    """The statuses ``user`` may move ``order`` to from the status a reader sees now
    (none from a final one): the order's ``allowed_transitions``, and the ``allowed``
    of the 409 refusing that user a move."""
    return ORDER_WORKFLOW.allowed(
        effective_status(order), moves=order_moves(order=order, user=user)
    )


def _close(order_id: int, *, to: str, due_before: datetime | None = None) -> bool:
    """Move an open order to cancelled or expired and give its stock back, exactly once:
    only the request whose conditional update matched does the release."""
    matched = Order.objects.filter(pk=order_id, status__in=ORDER_WORKFLOW.sources(to))
    if due_before is not None:
        matched = matched.filter(payment_due_at__lte=due_before)
    now = timezone.now()
    if not matched.update(status=to, closed_at=now, updated_at=now):
        return False
    lines = list(OrderLine.objects.filter(order_id=order_id))
    _release(lines)
    return True


def _expire_if_overdue(order: Order) -> bool:
    """Record the expiry a reader already sees (stock back once); True if it happened."""
    if effective_status(order) != OrderStatus.EXPIRED or order.status != OrderStatus.PENDING:
        return False
    return _close(order.pk, to=OrderStatus.EXPIRED, due_before=timezone.now())


def _refusal(order: Order, target: str, *, moves: frozenset[str]) -> ProblemError:
    """The 409 for a move the workflow does not allow from what the order reads as now."""
    return ORDER_WORKFLOW.illegal(effective_status(order), target, moves=moves)


def order_cancel(*, order: Order, actor: User) -> Order:
    """The owner or staff cancel before shipping; the stock comes back once."""
    if order.user_id != actor.pk and not roles.is_site_staff(actor):
        raise Order.DoesNotExist(f"No order {order.pk}.")
    cancelled = False
    with transaction.atomic():
        # Lock the row: the status acted on is the one the update matches (a payment
        # racing this cancel waits), so popularity and stock follow what really happened.
        order = Order.objects.select_for_update().get(pk=order.pk)
        was_paid = order.status == OrderStatus.PAID
        if not _expire_if_overdue(order) and _close(order.pk, to=OrderStatus.CANCELLED):
            cancelled = True
            if was_paid:  # refunded: no longer a sale
                _popularity(order.pk, sign=-1)
    # Raised after the block: a recorded expiry (stock back) is kept.
    order.refresh_from_db()
    if not cancelled:
        raise _refusal(order, OrderStatus.CANCELLED, moves=order_moves(order=order, user=actor))
    return order


def _popularity(order_id: int, *, sign: int) -> None:
    quantities: dict[int, int] = defaultdict(int)
    for product_id, quantity in OrderLine.objects.filter(
        order_id=order_id, product__isnull=False
    ).values_list("product_id", "quantity"):
        quantities[product_id] += quantity
    for product_id in sorted(quantities):
        change = quantities[product_id] * sign
        Product.objects.filter(pk=product_id).update(
            popularity=Greatest(F("popularity") + change, Value(0))
        )


_STAMPS: dict[str, str] = {
    OrderStatus.PAID: "paid_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
}


def order_transition(*, order_id: int, status: str, actor: User) -> Order:
    """Staff move an order along pending -> paid -> shipped -> delivered (or cancel it).
    Marking paid is how offline payments (bank transfer, cash on delivery) are confirmed."""
    if not roles.is_site_staff(actor):
        raise PermissionDenied("Only staff move orders.")
    order = Order.objects.get(pk=order_id)
    if status not in ORDER_STAFF_MOVES:
        allowed = ", ".join(s for s in ORDER_WORKFLOW.statuses if s in ORDER_STAFF_MOVES)
        raise field_error("status", f"Use one of: {allowed}.", "invalid_choice")
    if status == OrderStatus.CANCELLED:
        return order_cancel(order=order, actor=actor)
    if status == OrderStatus.PAID:
        return _mark_paid(order, moves=ORDER_STAFF_MOVES)
    now = timezone.now()
    with transaction.atomic():
        moved = Order.objects.filter(pk=order.pk, status__in=ORDER_WORKFLOW.sources(status)).update(
            status=status, updated_at=now, **{_STAMPS[status]: now}
        )
    order.refresh_from_db()
    if not moved:
        raise _refusal(order, status, moves=ORDER_STAFF_MOVES)
    return order


def _mark_paid(order: Order, *, moves: frozenset[str]) -> Order:
    """Pay a pending order (staff confirming an offline payment, or the card provider's
    webhook); ``moves`` are the payer's, for the refusal."""
    moved = False
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        # An overdue order is expired (recorded here, stock back once): it cannot be paid.
        # The refusal is raised after this block commits, so the expiry is kept.
        if not _expire_if_overdue(order):
            now = timezone.now()
            moved = bool(
                Order.objects.filter(
                    pk=order.pk, status__in=ORDER_WORKFLOW.sources(OrderStatus.PAID)
                ).update(status=OrderStatus.PAID, paid_at=now, updated_at=now)
            )
            if moved:
                _popularity(order.pk, sign=1)
                enqueue_on_commit("shop.tasks.order_paid_notification_task", order.pk)
    order.refresh_from_db()
    if not moved:
        raise _refusal(order, OrderStatus.PAID, moves=moves)
    return order


def orders_expire_overdue(*, limit: int = 500) -> int:
    """Beat: record the expiry of unpaid orders past their deadline (stock back once)
    and tell their owners. Readers already see them as expired."""
    now = timezone.now()
    expired = 0
    due = Order.objects.filter(
        status__in=ORDER_WORKFLOW.sources(OrderStatus.EXPIRED), payment_due_at__lte=now
    )
    for order_id, user_id in due.values_list("pk", "user_id")[:limit]:
        with transaction.atomic():
            if _close(order_id, to=OrderStatus.EXPIRED, due_before=now):
                expired += 1
                _expiry_notice(order_id=order_id, user_id=user_id)
    return expired


def _expiry_notice(*, order_id: int, user_id: int) -> None:
    """Tell the owner, from the write that recorded the expiry (beat, or the next order
    or restock of one of its products)."""
    notification_create(
        user_id=user_id,
        kind="shop.order_expired",
        title=f"Order {order_id} expired unpaid",
        body="Its items went back on sale. Place a new order to buy them.",
        data={"order": order_id},
    )
