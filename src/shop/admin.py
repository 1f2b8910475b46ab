"""Staff operate the catalog and orders here too; writes go through the services,
so the admin keeps category paths right and drops cached catalog pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from shop.models import Category, Order, OrderLine, Payment, Product
from shop.services.catalog import (
    CATEGORY_FIELDS,
    category_create,
    category_delete,
    category_update,
    product_delete,
    product_save,
)
from shop.services.orders import order_transition


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "depth", "path")
    list_filter = ("depth",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("parent",)
    readonly_fields = ("path", "depth")

    def save_model(self, request: Any, obj: Category, form: Any, change: bool) -> None:
        if change:
            fields = {name: getattr(obj, name) for name in CATEGORY_FIELDS}
            category_update(category=obj, data=fields)
        else:
            created = category_create(
                name=obj.name, slug=obj.slug, parent=obj.parent, description=obj.description
            )
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth

    def delete_model(self, request: Any, obj: Category) -> None:
        category_delete(category=obj)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "sku", "category", "price", "currency", "stock", "is_active")
    list_filter = ("is_active", "currency", "category")
    search_fields = ("name", "sku", "slug")
    list_select_related = ("category",)
    raw_id_fields = ("category",)
    readonly_fields = ("popularity", "created_at", "updated_at")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request: Any, obj: Product, form: Any, change: bool) -> None:
        product_save(obj)

    def delete_model(self, request: Any, obj: Product) -> None:
        product_delete(product=obj)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = (
        "product",
        "product_name",
        "product_sku",
        "unit_price",
        "currency",
        "quantity",
        "line_total",
    )

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders are read here; move them with the transition endpoint (or its actions)."""

    list_display = ("id", "user", "status", "payment_method", "total", "currency", "created_at")
    list_filter = ("status", "payment_method")
    search_fields = ("id", "user__username", "user__email")
    list_select_related = ("user",)
    readonly_fields = tuple(f.name for f in Order._meta.fields)
    inlines = [OrderLineInline]
    actions = ["mark_paid", "mark_shipped", "mark_delivered"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def _move(self, request: Any, queryset: Any, status: str) -> None:
        moved = 0
        for order in queryset:
            try:
                order_transition(order_id=order.pk, status=status, actor=request.user)
                moved += 1
            except Exception as exc:  # report each refusal, go on
                self.message_user(request, f"Order {order.pk}: {exc}", level="warning")
        self.message_user(request, f"{moved} order(s) moved to {status}.")

    @admin.action(description="Mark paid (offline payment received)")
    def mark_paid(self, request: Any, queryset: Any) -> None:
        self._move(request, queryset, "paid")

    @admin.action(description="Mark shipped")
    def mark_shipped(self, request: Any, queryset: Any) -> None:
        self._move(request, queryset, "shipped")

    @admin.action(description="Mark delivered")
    def mark_delivered(self, request: Any, queryset: Any) -> None:
        self._move(request, queryset, "delivered")


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("provider", "event_id", "order", "amount", "currency", "received_at")
    search_fields = ("event_id",)
    readonly_fields = ("order", "provider", "event_id", "amount", "currency", "received_at")
