"""Catalog writes: the category tree (a materialised path per node, rewritten for a
moved subtree) and products. Every write drops the cached catalog after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from core.cache import versioned as core_cache
from core.http.catalogue import ProblemError
from core.http.validation import field_error, full_clean
from shop import error_codes
from shop.models import Category, Product
from shop.selectors import CATALOG_NAMESPACE
from shop.services.orders import expire_overdue_holding

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
    full_clean(category, exclude=["path", "depth"])
    category.save()
    _set_path(category)
    category.save(update_fields=["path", "depth"])
    _catalog_changed()
    return category


@transaction.atomic
def category_update(*, category: Category, data: dict[str, Any]) -> Category:
    """Rename, describe or move a category; moving rewrites its subtree's paths. ``data``
    maps ``CATEGORY_FIELDS`` to the values sent, checked here (``full_clean``)."""
    old_path, old_depth = category.path, category.depth
    for field in CATEGORY_FIELDS:
        if field in data:
            setattr(category, field, data[field])
    parent = category.parent
    if parent is not None and (parent.pk == category.pk or parent.path.startswith(old_path)):
        raise field_error("parent", "A category cannot move under itself.", "cycle")
    full_clean(category, exclude=["path", "depth"])
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


def _check_image_urls(value: object) -> None:
    if not isinstance(value, list) or len(value) > MAX_IMAGES:
        raise field_error("image_urls", f"A list of at most {MAX_IMAGES} URLs.")
    check = URLValidator(schemes=["http", "https"])
    for index, url in enumerate(value):
        try:
            if not isinstance(url, str) or len(url) > 500:
                raise ValidationError("invalid")
            check(url)
        except ValidationError:
            raise field_error(f"image_urls.{index}", "An http(s) URL.") from None


def product_save(product: Product, *, fields: Iterable[str] | None = None) -> Product:
    """Check and save ``product``: every field, or only ``fields`` (an edit: the stock
    and popularity that orders change concurrently are not written back stale)."""
    _check_image_urls(product.image_urls)
    full_clean(product, exclude=["search_vector", "popularity"])
    update_fields = None if fields is None else [*fields, "updated_at"]
    try:
        with transaction.atomic():
            product.save(update_fields=update_fields)
    except IntegrityError as exc:  # a concurrent write took the slug or SKU
        field = "sku" if "sku" in str(exc) else "slug"
        raise field_error(field, f"A product with this {field} already exists.", "unique") from exc
    _catalog_changed()
    return product


@transaction.atomic
def product_create(*, data: dict[str, Any]) -> Product:
    """``data`` maps ``PRODUCT_FIELDS`` to the values sent, checked here (``product_save``)."""
    product = Product(**{field: data[field] for field in PRODUCT_FIELDS if field in data})
    return product_save(product)


@transaction.atomic
def product_update(*, product: Product, data: dict[str, Any]) -> Product:
    """Staff edits: ``data`` maps ``PRODUCT_FIELDS`` to the values sent, checked here
    (``product_save``); only those are written. ``stock`` is a restock or a correction:
    the units available now (the expiries readers already see are recorded first, so
    their units are not added on top later)."""
    fields = [field for field in PRODUCT_FIELDS if field in data]
    if "stock" in data:
        expire_overdue_holding([product.pk], then_write=[product.pk])
    for field in fields:
        setattr(product, field, data[field])
    return product_save(product, fields=fields)


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Order lines keep their snapshot (their product link becomes null)."""
    product.delete()
    _catalog_changed()
