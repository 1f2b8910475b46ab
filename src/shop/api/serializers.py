from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.http.fields import IdField
from core.http.openapi import ProblemSerializer
from core.http.pagination import envelope_serializer
from core.http.timestamps import iso_utc
from shop.models import MAX_QUANTITY, Category, Order, OrderStatus, PaymentMethod, Product
from shop.services.orders import MAX_ORDER_LINES, effective_status, order_allowed_transitions

# --- catalog ------------------------------------------------------------------------------


class CategoryRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class CategoryNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    depth = serializers.IntegerField(help_text="0 for a top-level category.")
    parent = serializers.SlugField(allow_null=True, help_text="The parent's slug.")
    product_count = serializers.IntegerField(
        help_text="Active products in this category and all its descendants."
    )
    children = serializers.ListField(
        child=serializers.DictField(), help_text="Subcategories, shaped like this one."
    )


CategoryTreeSerializer = envelope_serializer(
    "CategoryTree",
    CategoryNodeSerializer(many=True, help_text="Top-level categories, each with its subtree."),
)


class CategoryWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=140)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    parent = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        required=False,
        allow_null=True,
        help_text="The parent category's slug; null for a top-level category.",
    )


def shown_stock(product: Product) -> int:
    """The stock a reader is told: ``available_stock`` where the read annotated it
    (``selectors.with_available_stock``: units of overdue unpaid orders are on sale
    again at once); the recorded stock right after a staff write (which records such
    expiries first) or on a cached list page (whose stock is overlaid live)."""
    return int(getattr(product, "available_stock", product.stock))


class ProductSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer(read_only=True)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    stock = serializers.IntegerField(help_text="Units available now (read live).")
    popularity = serializers.IntegerField(help_text="Units sold in paid orders.")
    image_urls = serializers.ListField(child=serializers.URLField())

    class Meta:
        model = Product
        fields = (
            "id",
            "slug",
            "name",
            "sku",
            "description",
            "price",
            "currency",
            "stock",
            "is_active",
            "category",
            "image_urls",
            "popularity",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def to_representation(self, instance: Product) -> dict[str, Any]:
        return {**super().to_representation(instance), "stock": shown_stock(instance)}


def product_payload(product: Product) -> dict[str, Any]:
    """``ProductSerializer``'s output, built directly: the catalog's hot paths (every
    list miss, every detail) skip DRF's per-instance field machinery, which costs more
    than the query. ``ProductSerializer`` stays the documented contract, and a test
    checks the two agree field for field."""
    return {
        "id": product.pk,
        "slug": product.slug,
        "name": product.name,
        "sku": product.sku,
        "description": product.description,
        "price": f"{product.price:.2f}",
        "currency": product.currency,
        "stock": shown_stock(product),
        "is_active": product.is_active,
        "category": {"slug": product.category.slug, "name": product.category.name},
        "image_urls": list(product.image_urls),
        "popularity": product.popularity,
        "created_at": iso_utc(product.created_at),
        "updated_at": iso_utc(product.updated_at),
    }


class ProductWriteSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=220)
    sku = serializers.CharField(max_length=64)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), coerce_to_string=True
    )
    currency = serializers.RegexField(r"^[A-Z]{3}\Z", required=False, help_text="ISO 4217.")
    stock = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    low_stock_threshold = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    is_active = serializers.BooleanField(required=False)
    image_urls = serializers.ListField(
        child=serializers.URLField(max_length=500), max_length=10, required=False
    )


class ProductFilterSerializer(serializers.Serializer):
    """The list's query parameters; anything else is refused."""

    category = serializers.SlugField(
        required=False, help_text="A category slug; its subcategories are included."
    )
    min_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False
    )
    max_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False
    )
    in_stock = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true or false."
    )
    search = serializers.CharField(required=False, max_length=200, help_text="Words to find.")
    low_stock = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Staff only (anyone else gets a 401 or 403): true for the products whose stock "
        "available now is below their `low_stock_threshold` (out of stock included), false "
        "for the others. Never cached.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"max_price": ["Must be at least min_price."]}, code="invalid"
            )
        return attrs


# --- cart ---------------------------------------------------------------------------------


class CartProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    stock = serializers.IntegerField()
    is_active = serializers.BooleanField()

    def to_representation(self, instance: Product) -> dict[str, Any]:
        return {**super().to_representation(instance), "stock": shown_stock(instance)}


class CartItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = CartProductSerializer(read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    line_total = serializers.SerializerMethodField()

    def get_line_total(self, item: Any) -> str:
        return str(item.product.price * item.quantity)


class CartSerializer(serializers.Serializer):
    items = serializers.SerializerMethodField()
    item_count = serializers.SerializerMethodField(help_text="Units in the cart.")
    total = serializers.SerializerMethodField(help_text="Sum of the lines (decimal string).")
    currency = serializers.SerializerMethodField()

    def get_items(self, cart: Any) -> list[dict[str, Any]]:
        return CartItemSerializer(cart.prefetched_items, many=True).data

    def get_item_count(self, cart: Any) -> int:
        return sum(item.quantity for item in cart.prefetched_items)

    def get_total(self, cart: Any) -> str:
        return str(
            sum((i.product.price * i.quantity for i in cart.prefetched_items), Decimal("0.00"))
        )

    def get_currency(self, cart: Any) -> str | None:
        currencies = {item.product.currency for item in cart.prefetched_items}
        return currencies.pop() if len(currencies) == 1 else None


class CartItemAddSerializer(serializers.Serializer):
    product = IdField(help_text="The product's id.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)


class CartItemUpdateSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class CheckoutSerializer(serializers.Serializer):
    shipping_address = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )


# --- orders -------------------------------------------------------------------------------


class OrderItemInputSerializer(serializers.Serializer):
    product = IdField()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class OrderCreateSerializer(CheckoutSerializer):
    items = OrderItemInputSerializer(many=True, max_length=MAX_ORDER_LINES)


class OrderRefusalProblemSerializer(ProblemSerializer):
    """Problem details of an order refused for its stock: short stock, or more unpaid
    units than a customer may hold."""

    product = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The product refused (`insufficient_stock`, `product_unavailable`, "
        "`reservation_limit`); null with `reservation_limit` on all products together.",
    )
    available = serializers.IntegerField(
        required=False, help_text="With `insufficient_stock`: the units in stock."
    )
    requested = serializers.IntegerField(
        required=False, help_text="The units of `product` (or in all) this order asked for."
    )
    limit = serializers.IntegerField(
        required=False,
        help_text="With `reservation_limit`: the most unpaid units a customer may hold, of "
        "`product` or in all.",
    )
    held = serializers.IntegerField(
        required=False,
        help_text="With `reservation_limit`: the unpaid units you hold already, of `product` "
        "or in all (pending orders not expired, cash on delivery included).",
    )

    class Meta:
        ref_name = "OrderRefusalProblem"


class OrderLineSerializer(serializers.Serializer):
    product = serializers.IntegerField(
        source="product_id", allow_null=True, help_text="Null once the product is deleted."
    )
    name = serializers.CharField(source="product_name")
    sku = serializers.CharField(source="product_sku")
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    quantity = serializers.IntegerField()
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2)


class OrderSerializer(serializers.ModelSerializer):
    # context["user"]: who reads the order, for allowed_transitions.
    status = serializers.SerializerMethodField(
        help_text="pending, paid, shipped, delivered, cancelled or expired (an unpaid order "
        "past payment_due_at is expired)."
    )
    allowed_transitions = serializers.SerializerMethodField(
        help_text="The statuses you may move this order to now: staff along pending → paid → "
        "shipped → delivered, or to cancelled before shipping; its owner only to cancelled, "
        "before shipping. Empty when you may do nothing, e.g. once delivered, cancelled or "
        "expired (final)."
    )
    lines = OrderLineSerializer(many=True, read_only=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    user = serializers.IntegerField(source="user_id")

    class Meta:
        model = Order
        fields = (
            "id",
            "user",
            "status",
            "allowed_transitions",
            "payment_method",
            "currency",
            "total",
            "shipping_address",
            "lines",
            "created_at",
            "updated_at",
            "payment_due_at",
            "paid_at",
            "shipped_at",
            "delivered_at",
            "closed_at",
        )
        read_only_fields = fields

    def get_status(self, order: Order) -> str:
        return effective_status(order)

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=OrderStatus.choices))
    )
    def get_allowed_transitions(self, order: Order) -> list[str]:
        user = self.context.get("user")
        return [] if user is None else order_allowed_transitions(order=order, user=user)


class OrderFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            OrderStatus.PAID,
            OrderStatus.SHIPPED,
            OrderStatus.DELIVERED,
            OrderStatus.CANCELLED,
        ]
    )


class WebhookReceiptSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField(help_text="True when this event was already applied.")
    order = serializers.IntegerField()
    status = serializers.CharField()


ProductPageSerializer = envelope_serializer("ProductPage", ProductSerializer(many=True))
OrderPageSerializer = envelope_serializer("OrderPage", OrderSerializer(many=True))
