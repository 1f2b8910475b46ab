"""Cart writes: add, change and remove lines, check the cart out as an order (through
``orders.order_place``), and the beat job that empties abandoned carts."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.http.catalogue import ProblemError
from core.http.validation import field_error, fields_renamed
from core.identity.models import User
from shop import error_codes
from shop.models import MAX_QUANTITY, Cart, CartItem, Order, PaymentMethod, Product
from shop.services._common import _quantity
from shop.services.orders import order_place


def _sellable(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        raise ProblemError(
            error_codes.PRODUCT_UNAVAILABLE,
            f"Product {product_id} does not exist or is not sold.",
            product=product_id,
        )
    return product


def cart_for(*, user: User) -> Cart:
    return Cart.objects.get_or_create(user=user)[0]


@transaction.atomic
def cart_item_add(*, user: User, product_id: int, quantity: int) -> CartItem:
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
            raise field_error("quantity", f"At most {MAX_QUANTITY} of one product.")
        item.quantity = total
        item.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    return item


def _own_item(*, user: User, item_id: int) -> CartItem:
    item = CartItem.objects.filter(pk=item_id, cart__user=user).first()
    if item is None:
        raise CartItem.DoesNotExist(f"No cart item {item_id} in your cart.")
    return item


@transaction.atomic
def cart_item_update(*, user: User, item_id: int, quantity: int) -> CartItem:
    item = _own_item(user=user, item_id=item_id)
    item.quantity = _quantity(quantity)
    item.save(update_fields=["quantity"])
    Cart.objects.filter(pk=item.cart_id).update(updated_at=timezone.now())
    return item


@transaction.atomic
def cart_item_remove(*, user: User, item_id: int) -> None:
    item = _own_item(user=user, item_id=item_id)
    item.delete()
    Cart.objects.filter(pk=item.cart_id).update(updated_at=timezone.now())


def cart_checkout(
    *, user: User, shipping_address: str = "", payment_method: str = PaymentMethod.BANK_TRANSFER
) -> Order:
    """The cart becomes an order (and empties) in one transaction."""
    with transaction.atomic():
        cart = Cart.objects.select_for_update().filter(user=user).first()
        items = list(CartItem.objects.filter(cart=cart)) if cart else []
        if not items:
            raise ProblemError(error_codes.CART_EMPTY, "Your cart is empty.")
        # The lines are the cart's, not a field of the checkout's body: a refusal of
        # them (mixed currencies) is about the request as a whole.
        with fields_renamed({"items": "non_field_errors"}):
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
