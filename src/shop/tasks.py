"""Shop tasks: thin, load by id, call a service; each is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from core.tasking.outbox import NexusTask
from shop.services.cart import carts_clear_abandoned
from shop.services.notifications import low_stock_alert, order_confirmation_send, order_paid_notify
from shop.services.orders import orders_expire_overdue


@shared_task(name="shop.tasks.order_confirmation_task", base=NexusTask)
def order_confirmation_task(order_id: int) -> bool:
    return order_confirmation_send(order_id=order_id)


@shared_task(name="shop.tasks.order_paid_notification_task", base=NexusTask)
def order_paid_notification_task(order_id: int) -> None:
    order_paid_notify(order_id=order_id)


@shared_task(name="shop.tasks.low_stock_alert_task", base=NexusTask)
def low_stock_alert_task(product_id: int) -> int:
    return low_stock_alert(product_id=product_id)


@shared_task(name="shop.tasks.orders_expire_overdue_task", base=NexusTask)
def orders_expire_overdue_task() -> int:
    return orders_expire_overdue()


@shared_task(name="shop.tasks.carts_clear_abandoned_task", base=NexusTask)
def carts_clear_abandoned_task() -> int:
    return carts_clear_abandoned()
