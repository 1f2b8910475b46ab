"""Shop reads, shaped for the API: a fixed number of queries whatever the page size."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Self, TypedDict

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast, Coalesce
from django.db.models.query import ModelIterable
from django.utils import timezone

from core.cache.versioned import cached, query_part
from core.identity import roles
from core.identity.models import User
from core.search import sqlite as sqlite_search
from shop.models import (
    Cart,
    CartItem,
    Category,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    order_holding,
    order_overdue,
)

# The cached catalog (the category tree and the product list pages); every catalog
# write invalidates it after commit (``shop.services.catalog``).
CATALOG_NAMESPACE = "shop.catalog"
CATALOG_TTL = 300


class CategoryNode(TypedDict):
    """A category of ``category_tree``, its subcategories nested in ``children``."""

    id: int
    slug: str
    name: str
    description: str
    depth: int
    parent: str | None  # the parent's slug
    product_count: int  # active products in the category and its subcategories
    children: list[CategoryNode]


def category_tree() -> list[CategoryNode]:
    """Every category with the number of active products in its subtree, nested.
    Two queries, whatever the size of the tree."""
    # Parents before children (depth), siblings in creation order (id). Not by ``path``:
    # its ids are not zero-padded, so "/10/" sorts before "/9/" and the order of the roots
    # would change whenever the ids gain a digit.
    categories = list(Category.objects.order_by("depth", "id"))
    direct = dict(
        Product.objects.filter(is_active=True)
        .values_list("category_id")
        .annotate(n=Count("id"))
        .values_list("category_id", "n")
    )
    nodes: dict[int, CategoryNode] = {
        category.pk: {
            "id": category.pk,
            "slug": category.slug,
            "name": category.name,
            "description": category.description,
            "depth": category.depth,
            "parent": None,
            "product_count": 0,
            "children": [],
        }
        for category in categories
    }
    parents = {category.pk: category.parent_id for category in categories}
    for category in categories:
        count = direct.get(category.pk, 0)
        node_id: int | None = category.pk
        while node_id is not None:  # add to the category and each ancestor
            nodes[node_id]["product_count"] += count
            node_id = parents.get(node_id)
    roots: list[CategoryNode] = []
    by_id = {category.pk: category for category in categories}
    for category in categories:  # ordered by depth: parents come first
        node = nodes[category.pk]
        if category.parent_id is None:
            roots.append(node)
        else:
            node["parent"] = by_id[category.parent_id].slug
            nodes[category.parent_id]["children"].append(node)
    return roots


def category_tree_cached() -> list[CategoryNode]:
    """``category_tree``, from the catalog cache (no query on a hit)."""
    return cached(CATALOG_NAMESPACE, ["tree"], category_tree)


def category_by_slug(slug: str) -> Category:
    return Category.objects.select_related("parent").get(slug=slug)


def category_subtree_ids(slug: str) -> list[int] | None:
    """The ids of a category and its descendants, or None if no such category."""
    category = Category.objects.filter(slug=slug).values("path").first()
    if category is None:
        return None
    return list(
        Category.objects.filter(path__startswith=category["path"]).values_list("pk", flat=True)
    )


# --- stock: what is available now ----------------------------------------------------------


def released_units(product: OuterRef | None = None) -> Coalesce:
    """The units of ``product`` (default: the product row queried) held by unpaid
    orders past their deadline: on sale again at once, before beat (or the next order
    of the product, or a staff restock) records the expiry and adds them to ``stock``."""
    overdue = Order.objects.filter(order_overdue(timezone.now())).values("pk")
    units = (
        OrderLine.objects.filter(product=product or OuterRef("pk"), order__in=overdue)
        .values("product")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    return Coalesce(Subquery(units, output_field=IntegerField()), 0)


def available_stock() -> CombinedExpression:
    """The recorded stock plus ``released_units``: what a reader is told is in stock,
    annotated as ``available_stock`` (in the same query)."""
    return F("stock") + released_units()


def unpaid_units_held(*, user_id: int, now: datetime) -> dict[int | None, int]:
    """The units the user holds unpaid (``order_holding``), by product (None: a product
    deleted since). One query; what ``SHOP_MAX_UNPAID_UNITS*`` cap."""
    rows = (
        OrderLine.objects.filter(order__user_id=user_id)
        .filter(order_holding(now, prefix="order__"))
        .values("product")
        .annotate(n=Sum("quantity"))
        .values_list("product", "n")
    )
    return dict(rows)


# Past this many categories in a subtree, its page is one query on the IN list (the
# planner's choice) rather than one seek per category: each branch is planned, about
# 1-3 ms a branch on a loaded machine (bench/RESULTS.md, "The category list's plan").
SEEK_MAX_CATEGORIES = 32


class CategorySeekQuerySet(QuerySet[Product]):
    """Products whose page in a category subtree is one index seek per category.

    ``in_categories(ids)`` filters on ``category_id IN ids``. Evaluated ordered and
    sliced (a keyset page), such a queryset over several categories runs as
    ``(... WHERE category_id = c1 ORDER BY key, id LIMIT n) UNION ALL (... c2 ...)
    ORDER BY key, id LIMIT n``: each branch reads at most n entries of the
    ``(category, key, id)`` index and is planned with its own category's statistics,
    so a 15-product category costs what it should next to a 400,000-product one,
    by every ordering (PostgreSQL 15 cannot read an index in order across an IN
    list: it either sorts the whole subtree or walks the global sort-key index
    filtering out every other category, which at a million products and a
    misestimated subtree takes seconds). One category is one seek already
    (``IN (c)`` is ``= c``). The rows are the same as the plain query's, in the same
    order: each category's first n, merged, hold the first n of all."""

    _seek_categories: tuple[int, ...] = ()

    def in_categories(self, ids: Sequence[int]) -> Self:
        products = self.filter(category_id__in=ids)
        if 1 < len(ids) <= SEEK_MAX_CATEGORIES:
            products._seek_categories = tuple(ids)
        return products

    def _clone(self) -> Self:
        # Every chained queryset is a clone: it keeps the categories to seek.
        clone: Self = super()._clone()  # type: ignore[misc]  # Django's, not in the stubs
        clone._seek_categories = self._seek_categories
        return clone

    def _fetch_all(self) -> None:
        if self._result_cache is None and self._seeks():
            self._result_cache = list(self._per_category())
        super()._fetch_all()

    def _seeks(self) -> bool:
        query = self.query
        return bool(
            self._seek_categories
            and connection.vendor == "postgresql"
            and query.order_by
            and query.high_mark is not None
            and not query.combinator
            and not query.distinct
            and self._iterable_class is ModelIterable
        )

    def _per_category(self) -> QuerySet[Product]:
        low, high = self.query.low_mark, self.query.high_mark
        ordering = list(self.query.order_by)
        base = self.all()
        base._seek_categories = ()
        base.query.clear_limits()
        branches = [base.filter(category_id=category)[:high] for category in self._seek_categories]
        merged = branches[0].union(*branches[1:], all=True).order_by(*ordering)
        page: QuerySet[Product] = merged[low:high]
        return page


def product_queryset(*, staff: bool) -> QuerySet[Product]:
    products = CategorySeekQuerySet(Product).select_related("category").defer("search_vector")
    return products if staff else products.filter(is_active=True)


def product_get(*, product_id: int, staff: bool) -> Product:
    """One product with its category and its ``available_stock``; an inactive one only
    for staff. DoesNotExist otherwise."""
    return (
        product_queryset(staff=staff).annotate(available_stock=available_stock()).get(pk=product_id)
    )


def product_list(
    *,
    staff: bool,
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool | None = None,
    low_stock: bool | None = None,
    search: str | None = None,
) -> QuerySet[Product]:
    """The catalog a viewer browses (staff also see inactive products), filtered;
    ``category`` takes its subcategories along. An unknown category slug is a
    ValidationError on ``category``. ``low_stock`` is a staff filter: the entrypoint
    refuses it to anyone else."""
    category_ids = None
    if category is not None:
        category_ids = category_subtree_ids(category)
        if category_ids is None:
            raise ValidationError(
                {"category": ValidationError("No category with this slug.", code="does_not_exist")}
            )
    return product_filter(
        product_queryset(staff=staff),
        category_ids=category_ids,
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
        low_stock=low_stock,
        search=search,
    )


# Filters on the stock, which every sale changes: a list filtered on them is not cached.
STOCK_FILTERS = frozenset({"in_stock", "low_stock"})


def product_page(
    *,
    staff: bool,
    origin: str,
    query: Mapping[str, Sequence[str]],
    page: Callable[[QuerySet[Product]], dict[str, Any]],
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool | None = None,
    low_stock: bool | None = None,
    search: str | None = None,
) -> dict[str, Any]:
    """A page of ``product_list`` (the list envelope ``page`` makes), cached, with live
    stock and popularity laid over.

    ``page`` cuts the page off the filtered products and shapes it (the entrypoint's
    pagination: ordering, cursor and page size, and its absolute links).
    The key is the origin, scheme and host (``next`` is an absolute URL), whether the
    viewer is staff (they also see inactive products) and every query parameter as
    sent, each with all its values in order (``next`` repeats them). A list filtered
    on stock (``in_stock`` or ``low_stock`` in the query) is never cached: every sale
    changes it. On a hit, one query: the live fields."""

    def load() -> dict[str, Any]:
        return page(
            product_list(
                staff=staff,
                category=category,
                min_price=min_price,
                max_price=max_price,
                in_stock=in_stock,
                low_stock=low_stock,
                search=search,
            )
        )

    if STOCK_FILTERS.intersection(query):
        body = load()
    else:
        # "page2": pages carry ``previous`` since the list envelope (keys of older
        # pages, without it, are left to expire).
        parts = [origin, staff, query_part(query)]
        body = cached(CATALOG_NAMESPACE, ["page2", *parts], load, timeout=CATALOG_TTL)
    return {**body, "results": _with_live_fields(body["results"])}


def _with_live_fields(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overlay stock and popularity, which every sale changes, on cached catalog data;
    a product deleted since is left out."""
    live = product_live_fields([item["id"] for item in items])
    fresh = []
    for item in items:
        if item["id"] in live:
            stock, popularity = live[item["id"]]
            fresh.append({**item, "stock": stock, "popularity": popularity})
    return fresh


def product_filter(
    products: QuerySet[Product],
    *,
    category_ids: list[int] | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool | None = None,
    low_stock: bool | None = None,
    search: str | None = None,
) -> QuerySet[Product]:
    """The list's filters. The stock filters read the stock available now
    (``available_stock``), as the list shows it."""
    if category_ids is not None:
        if isinstance(products, CategorySeekQuerySet) and not search:
            products = products.in_categories(category_ids)
        else:  # a search's rank orders no index: the GIN index finds its rows
            products = products.filter(category_id__in=category_ids)
    if min_price is not None:
        products = products.filter(price__gte=min_price)
    if max_price is not None:
        products = products.filter(price__lte=max_price)
    on_stock: list[Q] = []
    if in_stock is not None:
        on_stock.append(Q(available_stock__gt=0) if in_stock else Q(available_stock=0))
    if low_stock is True:
        on_stock.append(Q(available_stock__lt=F("low_stock_threshold")))
    elif low_stock is False:
        on_stock.append(Q(available_stock__gte=F("low_stock_threshold")))
    if on_stock:
        products = products.alias(available_stock=available_stock()).filter(*on_stock)
    if search:
        products = product_search(products, search)
    return products


# SQLite's FTS5 table of products (migration 0003) and bm25's weights for its columns:
# ts_rank's for the vector's A (name) and B (description).
PRODUCT_FTS_TABLE = "shop_product_fts"
PRODUCT_FTS_WEIGHTS = (1.0, 0.4)


def product_search(products: QuerySet[Product], text: str) -> QuerySet[Product]:
    """The stored weighted vector (name above description) against a web-style query,
    ranked (``rank``); on SQLite the same reading of the query, stemmed, against an
    FTS5 table ranked with ``bm25`` weighted alike (``core.search.sqlite``)."""
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config="english")
        return products.filter(search_vector=query).annotate(
            rank=Cast(SearchRank(F("search_vector"), query), FloatField())
        )
    return sqlite_search.search(
        products,
        text,
        table=PRODUCT_FTS_TABLE,
        weights=PRODUCT_FTS_WEIGHTS,
        fields=("name", "description"),
    )


def product_live_fields(ids: list[int]) -> dict[int, tuple[int, int]]:
    """Available stock and popularity change with every sale (and stock with every
    deadline passed): read live, one indexed query."""
    products = Product.objects.filter(pk__in=ids).annotate(available_stock=available_stock())
    return {
        pk: (stock, popularity)
        for pk, stock, popularity in products.values_list("pk", "available_stock", "popularity")
    }


def cart_detail(*, user: User) -> Cart:
    cart = Cart.objects.filter(user=user).first()
    if cart is None:
        cart = Cart(user=user)
        cart.prefetched_items = []  # type: ignore[attr-defined]  # read by the cart serializer
        return cart
    items = list(
        CartItem.objects.filter(cart=cart)
        .select_related("product")
        .annotate(available_stock=F("product__stock") + released_units(OuterRef("product_id")))
        .order_by("id")
    )
    for item in items:  # the cart serializer shows each product's stock as its page does
        product: Any = item.product
        product.available_stock = item.available_stock
    cart.prefetched_items = items  # type: ignore[attr-defined]  # read by the cart serializer
    return cart


def order_list(*, user: User, status: str | None = None) -> QuerySet[Order]:
    """Own orders; staff see everyone's. Lines are prefetched (two queries a page).
    ``status`` is the status a reader sees: an unpaid order past its deadline is
    ``expired`` even before beat records it."""
    orders = Order.objects.all()
    if not roles.is_site_staff(user):
        orders = orders.filter(user=user)
    if status:
        overdue = order_overdue(timezone.now())
        if status == OrderStatus.EXPIRED:
            orders = orders.filter(Q(status=OrderStatus.EXPIRED) | overdue)
        elif status == OrderStatus.PENDING:
            orders = orders.filter(status=OrderStatus.PENDING).exclude(overdue)
        else:
            orders = orders.filter(status=status)
    return orders.prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))


def order_for(*, user: User, order_id: int) -> Order:
    """An order the user may see (their own, or any for staff); DoesNotExist otherwise."""
    return order_list(user=user).get(pk=order_id)
