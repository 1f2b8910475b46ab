"""What the shop tells people, once each: the buyer's order confirmation and payment
notice, and staff's low-stock alerts. The shop's tasks call these."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.notifications.models import Notification
from core.notifications.services import notification_create
from shop.models import Order, PaymentMethod, Product


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
