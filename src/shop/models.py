"""Shop tables. Invariants the database enforces itself: stock never negative,
quantities positive and bounded, money non-negative, one cart line per product,
one payment per provider event, unique slugs and SKUs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from core.tasking.workflow import Workflow

MAX_QUANTITY = 1000  # per line: a sane cap for one order
CURRENCY_VALIDATOR = RegexValidator(r"^[A-Z]{3}$", "An ISO 4217 code, e.g. EUR.")


class Category(models.Model):
    """A node of the category tree. ``path`` is the materialised chain of ancestor ids
    (``/1/5/9/``), so a subtree is one indexed prefix match."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    sku = models.CharField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, default="EUR", validators=[CURRENCY_VALIDATOR])
    stock = models.IntegerField(default=0, validators=[MinValueValidator(0)])
    low_stock_threshold = models.PositiveIntegerField(default=5)
    is_active = models.BooleanField(default=True)
    image_urls = models.JSONField(default=list, blank=True)
    # Units sold in paid orders; maintained by the payment service.
    popularity = models.PositiveIntegerField(default=0)
    # Weighted (name A, description B); kept fresh by a PostgreSQL trigger (migration 0002).
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="shop_product_stock_gte_0"),
            models.CheckConstraint(condition=Q(price__gte=0), name="shop_product_price_gte_0"),
        ]
        # Keyset pagination: each ordering has an index ending in id, for active products,
        # over the whole catalog and within one category (a category's page is one seek
        # per category of its subtree: ``shop.selectors.CategorySeekQuerySet``).
        indexes = [
            models.Index(
                fields=["category", "price", "id"],
                name="shop_prod_cat_price",
                condition=Q(is_active=True),
            ),
            models.Index(
                fields=["category", "created_at", "id"],
                name="shop_prod_cat_created",
                condition=Q(is_active=True),
            ),
            models.Index(
                fields=["category", "name", "id"],
                name="shop_prod_cat_name",
                condition=Q(is_active=True),
            ),
            models.Index(
                fields=["category", "popularity", "id"],
                name="shop_prod_cat_popular",
                condition=Q(is_active=True),
            ),
            models.Index(
                fields=["price", "id"], name="shop_prod_price", condition=Q(is_active=True)
            ),
            models.Index(
                fields=["created_at", "id"], name="shop_prod_created", condition=Q(is_active=True)
            ),
            models.Index(fields=["name", "id"], name="shop_prod_name", condition=Q(is_active=True)),
            models.Index(
                fields=["popularity", "id"], name="shop_prod_popular", condition=Q(is_active=True)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Cart(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_cart"
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"cart of user {self.user_id}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)]
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="shop_cartitem_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_QUANTITY),
                name="shop_cartitem_quantity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x product {self.product_id}"


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending payment"
    PAID = "paid", "Paid"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired (unpaid)"


# An order's status machine: where it may go from each status. Staff move it along
# (marking it paid confirms an offline payment), its owner may only cancel it, the card
# provider's webhook only pays it, and the clock expires it: a pending order past
# ``payment_due_at`` reads expired at once, and beat records it.
ORDER_WORKFLOW = Workflow(
    "order",
    {
        OrderStatus.PENDING: (OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.EXPIRED),
        OrderStatus.PAID: (OrderStatus.SHIPPED, OrderStatus.CANCELLED),
        OrderStatus.SHIPPED: (OrderStatus.DELIVERED,),
        OrderStatus.DELIVERED: (),
        OrderStatus.CANCELLED: (),
        OrderStatus.EXPIRED: (),
    },
)
ORDER_STAFF_MOVES = frozenset(
    {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED}
)
ORDER_OWNER_MOVES = frozenset({OrderStatus.CANCELLED})
ORDER_PROVIDER_MOVES = frozenset({OrderStatus.PAID})


def order_overdue(now: datetime, *, prefix: str = "") -> Q:
    """Unpaid orders past their payment deadline: they read expired and their units are
    on sale again at once, before anything records it (``prefix``: the path to the
    order from the model queried, e.g. ``"order__"``)."""
    return Q(**{f"{prefix}status": OrderStatus.PENDING, f"{prefix}payment_due_at__lte": now})


def order_holding(now: datetime, *, prefix: str = "") -> Q:
    """Unpaid orders that still hold their stock: pending, within their payment window
    or without one (cash on delivery, paid when delivered). What a customer may hold
    is capped (``SHOP_MAX_UNPAID_UNITS*``)."""
    return Q(**{f"{prefix}status": OrderStatus.PENDING}) & (
        Q(**{f"{prefix}payment_due_at__isnull": True}) | Q(**{f"{prefix}payment_due_at__gt": now})
    )


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CASH_ON_DELIVERY = "cash_on_delivery", "Cash on delivery"
    CARD = "card", "Card (provider webhook)"


class Order(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shop_orders"
    )
    status = models.CharField(
        max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    payment_method = models.CharField(
        max_length=24, choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )
    currency = models.CharField(max_length=3, validators=[CURRENCY_VALIDATOR])
    total = models.DecimalField(max_digits=14, decimal_places=2)
    shipping_address = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # An unpaid order past this reads as expired and cannot be paid (none for cash on
    # delivery, which is paid when delivered and confirmed by staff).
    payment_due_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # cancelled or expired
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="shop_order_total_gte_0"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="shop_order_user_recent"),
            models.Index(fields=["status", "payment_due_at"], name="shop_order_status_due"),
            models.Index(fields=["-created_at", "-id"], name="shop_order_recent"),
        ]

    def __str__(self) -> str:
        return f"order {self.pk}"


class OrderLine(models.Model):
    """A snapshot: what was bought, at which price, whatever the product becomes."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, null=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    product_name = models.CharField(max_length=200)
    product_sku = models.CharField(max_length=64)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_QUANTITY),
                name="shop_orderline_quantity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"


class Payment(models.Model):
    """A payment event from a provider, unique per provider event id (webhooks
    are delivered at least once)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=255)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="shop_payment_event")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"
