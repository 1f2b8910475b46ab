"""Every shop write: catalog, cart, orders, payments. REST, admin, tasks and the
demo seed all come through here.

Stock is reserved with one conditional ``UPDATE ... SET stock = stock - n WHERE
stock >= n`` per line, in product-id order (rows are locked in one order, so
concurrent checkouts never deadlock), all in the order's transaction: a short
line rolls back the whole order. Status changes are conditional updates from
the expected status, so of two racing cancels exactly one returns the stock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Greatest, Substr
from django.utils import timezone

from core.cache import versioned as core_cache
from core.http.catalogue import ProblemError
from core.identity import roles
from core.notifications.models import Notification
from core.notifications.services import notification_create
from core.tasking.outbox import enqueue_on_commit
from shop import error_codes
from shop.models import (
    MAX_QUANTITY,
    Cart,
    CartItem,
    Category,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    Product,
)

logger = logging.getLogger(__name__)

CATALOG_NAMESPACE = "shop.catalog"
MAX_ORDER_LINES = 100
MAX_IMAGES = 10
PRODUCT_FIELDS = (
    "category",
    "name",
    "slug",
    "sku",
    "description",
    "price",
    "currency",
    "stock",
    "low_stock_threshold",
    "is_active",
    "image_urls",
)
CATEGORY_FIELDS = ("name", "slug", "description", "parent")


def _field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _full_clean(instance: Any, *, exclude: Iterable[str] = ()) -> None:
    """Model validation (lengths, validators, choices, uniqueness) as field errors."""
    instance.full_clean(exclude=list(exclude), validate_constraints=False)


# --- catalog --------------------------------------------------------------------------


def _catalog_changed() -> None:
    """Every catalog write: cached lists and details are dropped after commit."""
    core_cache.invalidate(CATALOG_NAMESPACE)


def _set_path(category: Category) -> None:
    parent = category.parent
    category.path = f"{parent.path if parent else '/'}{category.pk}/"
    category.depth = parent.depth + 1 if parent else 0


@transaction.atomic
def category_create(
    *, name: str, slug: str, parent: Category | None = None, description: str = ""
) -> Category:
    category = Category(name=name, slug=slug, parent=parent, description=description)
    _full_clean(category, exclude=["path", "depth"])
    category.save()
    _set_path(category)
    category.save(update_fields=["path", "depth"])
    _catalog_changed()
    return category


@transaction.atomic
def category_update(*, category: Category, data: dict[str, Any]) -> Category:
    """Rename, describe or move a category; moving rewrites its subtree's paths."""
    old_path, old_depth = category.path, category.depth
    for field in CATEGORY_FIELDS:
        if field in data:
            setattr(category, field, data[field])
    parent = category.parent
    if parent is not None and (parent.pk == category.pk or parent.path.startswith(old_path)):
        raise _field_error("parent", "A category cannot move under itself.", "cycle")
    _full_clean(category, exclude=["path", "depth"])
    _set_path(category)
    category.save()
    if category.path != old_path:
        Category.objects.filter(path__startswith=old_path).exclude(pk=category.pk).update(
            path=Concat(Value(category.path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + (category.depth - old_depth),
        )
    _catalog_changed()
    return category


@transaction.atomic
def category_delete(*, category: Category) -> None:
    if category.children.exists() or category.products.exists():
        raise ProblemError(
            error_codes.CATEGORY_NOT_EMPTY,
            f"Category {category.slug!r} still has subcategories or products.",
        )
    category.delete()
    _catalog_changed()


def _check_image_urls(value: Any) -> None:
    if not isinstance(value, list) or len(value) > MAX_IMAGES:
        raise _field_error("image_urls", f"A list of at most {MAX_IMAGES} URLs.")
    check = URLValidator(schemes=["http", "https"])
    for index, url in enumerate(value):
        try:
            if not isinstance(url, str) or len(url) > 500:
                raise ValidationError("invalid")
            check(url)
        except ValidationError:
            raise _field_error(f"image_urls.{index}", "An http(s) URL.") from None


def product_save(product: Product) -> Product:
    _check_image_urls(product.image_urls)
    _full_clean(product, exclude=["search_vector", "popularity"])
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:  # a concurrent write took the slug or SKU
        field = "sku" if "sku" in str(exc) else "slug"
        raise _field_error(field, f"A product with this {field} already exists.", "unique") from exc
    _catalog_changed()
    return product


@transaction.atomic
def product_create(*, data: dict[str, Any]) -> Product:
    product = Product(**{field: data[field] for field in PRODUCT_FIELDS if field in data})
    return product_save(product)


@transaction.atomic
def product_update(*, product: Product, data: dict[str, Any]) -> Product:
    """Staff edits. ``stock`` here is a restock or a correction (an absolute value)."""
    for field in PRODUCT_FIELDS:
        if field in data:
            setattr(product, field, data[field])
    return product_save(product)


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Order lines keep their snapshot (their product link becomes null)."""
    product.delete()
    _catalog_changed()


# --- cart -----------------------------------------------------------------------------


def _quantity(value: Any, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise _field_error(field, f"A whole number from 1 to {MAX_QUANTITY}.", "invalid")
    return value


def _sellable(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        raise ProblemError(
            error_codes.PRODUCT_UNAVAILABLE,
            f"Product {product_id} does not exist or is not sold.",
            product=product_id,
        )
    return product


def cart_for(*, user: Any) -> Cart:
    return Cart.objects.get_or_create(user=user)[0]


@transaction.atomic
def cart_item_add(*, user: Any, product_id: int, quantity: int) -> CartItem:
    """Add to the cart; the same product again adds to its line (up to the cap)."""
    quantity = _quantity(quantity)
    product = _sellable(product_id)
    cart = Cart.objects.select_for_update().get(pk=cart_for(user=user).pk)
    item = CartItem.objects.filter(cart=cart, product=product).first()
    if item is None:
        item = CartItem.objects.create(cart=cart, product=product, quantity=quantity)
    else:
        total = item.quantity + quantity
        if total > MAX_QUANTITY:
            raise _field_error("quantity", f"At most {MAX_QUANTITY} of one product.")
        item.quantity = total
        item.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    return item


def _own_item(*, user: Any, item_id: int) -> CartItem:
    item = CartItem.objects.filter(pk=item_id, cart__user=user).first()
    if item is None:
        raise CartItem.DoesNotExist(f"No cart item {item_id} in your cart.")
    return item


@transaction.atomic
def cart_item_update(*, user: Any, item_id: int, quantity: int) -> CartItem:
    item = _own_item(user=user, item_id=item_id)
    item.quantity = _quantity(quantity)
    item.save(update_fields=["quantity"])
    Cart.objects.filter(pk=item.cart_id).update(updated_at=timezone.now())
    return item


@transaction.atomic
def cart_item_remove(*, user: Any, item_id: int) -> None:
    item = _own_item(user=user, item_id=item_id)
    item.delete()
    Cart.objects.filter(pk=item.cart_id).update(updated_at=timezone.now())


def cart_checkout(
    *, user: Any, shipping_address: str = "", payment_method: str = PaymentMethod.BANK_TRANSFER
) -> Order:
    """The cart becomes an order (and empties) in one transaction."""
    with transaction.atomic():
        cart = Cart.objects.select_for_update().filter(user=user).first()
        items = list(CartItem.objects.filter(cart=cart)) if cart else []
        if not items:
            raise ProblemError(error_codes.CART_EMPTY, "Your cart is empty.")
        order = order_place(
            user=user,
            lines=[(item.product_id, item.quantity) for item in items],
            shipping_address=shipping_address,
            payment_method=payment_method,
        )
        CartItem.objects.filter(pk__in=[item.pk for item in items]).delete()
    return order


@transaction.atomic
def carts_clear_abandoned(*, older_than_days: int | None = None) -> int:
    """Beat: empty carts nobody touched for a while; returns how many lines went."""
    days = older_than_days or settings.SHOP_CART_ABANDONED_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = CartItem.objects.filter(cart__updated_at__lt=cutoff).delete()
    return deleted


# --- orders ---------------------------------------------------------------------------


def _merge_lines(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = defaultdict(int)
    count = 0
    for index, (product_id, quantity) in enumerate(lines):
        count += 1
        _quantity(quantity, f"items.{index}.quantity")
        merged[product_id] += quantity
    if count == 0:
        raise _field_error("items", "An order needs at least one item.", "empty")
    if count > MAX_ORDER_LINES:
        raise _field_error("items", f"At most {MAX_ORDER_LINES} items per order.", "max_length")
    for product_id, quantity in merged.items():
        if quantity > MAX_QUANTITY:
            raise _field_error("items", f"At most {MAX_QUANTITY} of product {product_id}.")
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


@transaction.atomic
def order_place(
    *,
    user: Any,
    lines: Iterable[tuple[int, int]],
    shipping_address: str = "",
    payment_method: str = PaymentMethod.BANK_TRANSFER,
) -> Order:
    """Reserve stock and record the order with a snapshot of each line's price."""
    quantities = _merge_lines(lines)
    if payment_method not in PaymentMethod.values:
        raise _field_error("payment_method", f"Use one of: {', '.join(PaymentMethod.values)}.")
    if not isinstance(shipping_address, str) or len(shipping_address) > 1000:
        raise _field_error("shipping_address", "Text of at most 1000 characters.")
    if "\x00" in shipping_address:
        raise _field_error("shipping_address", "NUL characters are not allowed.", "null_characters")
    _reserve(quantities)
    # Read after reserving: these rows are now locked by this transaction, so the
    # snapshot is the price and stock the reservation saw.
    products = {product.pk: product for product in Product.objects.filter(pk__in=quantities)}
    currencies = {product.currency for product in products.values()}
    if len(currencies) != 1:
        raise _field_error("items", "All items of an order must share one currency.", "currency")
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


def effective_status(order: Order, *, now: Any = None) -> str:
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


def _close(order_id: int, *, to: str, from_statuses: Iterable[str], due_before: Any = None) -> bool:
    """Move an open order to cancelled or expired and give its stock back, exactly once:
    only the request whose conditional update matched does the release."""
    matched = Order.objects.filter(pk=order_id, status__in=list(from_statuses))
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
    return _close(
        order.pk,
        to=OrderStatus.EXPIRED,
        from_statuses=[OrderStatus.PENDING],
        due_before=timezone.now(),
    )


def _illegal(order: Order, target: str) -> ProblemError:
    current = effective_status(order)
    return ProblemError(
        error_codes.ILLEGAL_TRANSITION,
        f"Order {order.pk} is {current}; it cannot become {target}.",
        current_status=current,
    )


def order_cancel(*, order: Order, actor: Any) -> Order:
    """The owner or staff cancel before shipping; the stock comes back once."""
    if order.user_id != actor.pk and not roles.is_site_staff(actor):
        raise Order.DoesNotExist(f"No order {order.pk}.")
    cancelled = False
    with transaction.atomic():
        # Lock the row: the status acted on is the one the update matches (a payment
        # racing this cancel waits), so popularity and stock follow what really happened.
        order = Order.objects.select_for_update().get(pk=order.pk)
        was_paid = order.status == OrderStatus.PAID
        if not _expire_if_overdue(order) and _close(
            order.pk,
            to=OrderStatus.CANCELLED,
            from_statuses=[OrderStatus.PENDING, OrderStatus.PAID],
        ):
            cancelled = True
            if was_paid:  # refunded: no longer a sale
                _popularity(order.pk, sign=-1)
    # Raised after the block: a recorded expiry (stock back) is kept.
    order.refresh_from_db()
    if not cancelled:
        raise _illegal(order, OrderStatus.CANCELLED)
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


# Staff transitions: target -> the statuses it may come from.
_TRANSITIONS: dict[str, tuple[str, ...]] = {
    OrderStatus.PAID: (OrderStatus.PENDING,),
    OrderStatus.SHIPPED: (OrderStatus.PAID,),
    OrderStatus.DELIVERED: (OrderStatus.SHIPPED,),
    OrderStatus.CANCELLED: (OrderStatus.PENDING, OrderStatus.PAID),
}
_STAMPS = {
    OrderStatus.PAID: "paid_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
}


def order_transition(*, order_id: int, status: str, actor: Any) -> Order:
    """Staff move an order along pending -> paid -> shipped -> delivered (or cancel it).
    Marking paid is how offline payments (bank transfer, cash on delivery) are confirmed."""
    if not roles.is_site_staff(actor):
        raise PermissionDenied("Only staff move orders.")
    order = Order.objects.get(pk=order_id)
    if status not in _TRANSITIONS:
        allowed = ", ".join(_TRANSITIONS)
        raise _field_error("status", f"Use one of: {allowed}.", "invalid_choice")
    if status == OrderStatus.CANCELLED:
        return order_cancel(order=order, actor=actor)
    if status == OrderStatus.PAID:
        return _mark_paid(order)
    now = timezone.now()
    with transaction.atomic():
        moved = Order.objects.filter(pk=order.pk, status__in=_TRANSITIONS[status]).update(
            status=status, updated_at=now, **{_STAMPS[status]: now}
        )
    order.refresh_from_db()
    if not moved:
        raise _illegal(order, status)
    return order


def _mark_paid(order: Order) -> Order:
    moved = False
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        # An overdue order is expired (recorded here, stock back once): it cannot be paid.
        # The refusal is raised after this block commits, so the expiry is kept.
        if not _expire_if_overdue(order):
            now = timezone.now()
            moved = bool(
                Order.objects.filter(pk=order.pk, status=OrderStatus.PENDING).update(
                    status=OrderStatus.PAID, paid_at=now, updated_at=now
                )
            )
            if moved:
                _popularity(order.pk, sign=1)
                enqueue_on_commit("shop.tasks.order_paid_notification_task", order.pk)
    order.refresh_from_db()
    if not moved:
        raise _illegal(order, OrderStatus.PAID)
    return order


def orders_expire_overdue(*, limit: int = 500) -> int:
    """Beat: record the expiry of unpaid orders past their deadline (stock back once)
    and tell their owners. Readers already see them as expired."""
    now = timezone.now()
    expired = 0
    due = Order.objects.filter(status=OrderStatus.PENDING, payment_due_at__lte=now)
    for order_id in due.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            if _close(
                order_id,
                to=OrderStatus.EXPIRED,
                from_statuses=[OrderStatus.PENDING],
                due_before=now,
            ):
                expired += 1
                order = Order.objects.get(pk=order_id)
                notification_create(
                    user_id=order.user_id,
                    kind="shop.order_expired",
                    title=f"Order {order_id} expired unpaid",
                    body="Its items went back on sale. Place a new order to buy them.",
                    data={"order": order_id},
                )
    return expired


# --- payments -------------------------------------------------------------------------


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
    Returns the payment and whether this call recorded it (False: a redelivery)."""
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
        raise _field_error("data", "A payment event names order, amount and currency.") from None
    order = Order.objects.filter(pk=order_id).first() if 0 < order_id < 2**63 else None
    if order is None:
        raise _field_error("data.order", f"No order {order_id}.", "does_not_exist")
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
                _mark_paid(order)  # a refusal (cancelled) rolls the payment back too
    except IntegrityError:  # the same event delivered twice at once: the other one won
        return Payment.objects.get(provider=provider, event_id=event_id), False
    if expired:
        order.refresh_from_db()
        raise _illegal(order, OrderStatus.PAID)
    return payment, True


# --- notifications (tasks call these) ---------------------------------------------------


def order_confirmation_send(*, order_id: int) -> bool:
    """Tell the buyer (in-app and by email), once."""
    now = timezone.now()
    with transaction.atomic():
        if not Order.objects.filter(pk=order_id, confirmation_sent_at__isnull=True).update(
            confirmation_sent_at=now
        ):
            return False
        order = Order.objects.get(pk=order_id)
        notification_create(
            user_id=order.user_id,
            kind="shop.order_placed",
            title=f"Order {order.pk} confirmed: {order.total} {order.currency}",
            body=_payment_instructions(order),
            data={"order": order.pk, "total": str(order.total), "currency": order.currency},
            email=True,
        )
    return True


def _payment_instructions(order: Order) -> str:
    if order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
        return "Pay in cash when it is delivered."
    deadline = order.payment_due_at.strftime("%Y-%m-%d %H:%M UTC") if order.payment_due_at else ""
    if order.payment_method == PaymentMethod.BANK_TRANSFER:
        return (
            f"Transfer {order.total} {order.currency} with reference NEXUS-{order.pk} "
            f"before {deadline}; unpaid orders expire and their items go back on sale."
        )
    return f"Pay by card before {deadline}."


def order_paid_notify(*, order_id: int) -> None:
    order = Order.objects.get(pk=order_id)
    if Notification.objects.filter(
        user_id=order.user_id, kind="shop.order_paid", data__order=order.pk
    ).exists():
        return  # a redelivered task
    notification_create(
        user_id=order.user_id,
        kind="shop.order_paid",
        title=f"Payment received for order {order.pk}",
        data={"order": order.pk},
    )


def low_stock_alert(*, product_id: int) -> int:
    """Tell every staff user a product fell below its threshold; returns how many."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None or product.stock >= product.low_stock_threshold:
        return 0
    staff = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_staff=True) | Q(is_superuser=True))
    )
    # A redelivered task (or a second crossing before anyone looked) adds nothing for
    # staff who still have this product's alert unread.
    alerted = Notification.objects.filter(
        kind="shop.low_stock", data__product=product.pk, read_at__isnull=True
    ).values_list("user_id", flat=True)
    count = 0
    for user_id in staff.exclude(pk__in=list(alerted)).values_list("pk", flat=True):
        notification_create(
            user_id=user_id,
            kind="shop.low_stock",
            title=f"Low stock: {product.name} ({product.stock} left)",
            data={"product": product.pk, "stock": product.stock},
        )
        count += 1
    return count
