"""Bench-only URLconf: every product URL, plus the raw-SQL ceiling of the catalog
reads that bench/shop_run.py measures next to the API in the same run.

The ceiling views are minimal Django views (no DRF, no cache, no throttle, no
serializer): the same reads as ``GET /api/v1/shop/products/`` (the category subtree,
then one keyset page ordered by price) and the product detail, in raw SQL, with the
same fields per product as the API, encoded with ``json.dumps``. They sit behind
the same middleware as the API. ``in_stock=true`` filters as the API does: on the
stock available now, the recorded stock plus the units of unpaid orders past their
deadline (``shop.selectors.available_stock``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as product_urlpatterns

PAGE_SIZE = 20

SUBTREE_SQL = (
    "SELECT id FROM shop_category WHERE path LIKE "
    "(SELECT path FROM shop_category WHERE slug = %s) || '%%'"
)
# ``same``: the statements the API's selector sends (captured from it): the subtree's
# ids as a list, the keyset written out as the API writes it.
AVAILABLE = """(p.stock + COALESCE((
    SELECT sum(l.quantity) FROM shop_orderline l JOIN shop_order o ON o.id = l.order_id
    WHERE l.product_id = p.id AND o.status = 'pending' AND o.payment_due_at <= now()), 0))"""
SAME_SQL = """
SELECT p.id, p.slug, p.name, p.sku, p.description, p.price, p.currency, {available},
       p.is_active, p.image_urls, p.popularity, p.created_at, p.updated_at, c.slug, c.name
FROM shop_product p JOIN shop_category c ON c.id = p.category_id
WHERE p.is_active AND p.category_id = ANY(%s) AND p.price >= %s AND p.price <= %s {stock}
ORDER BY p.price, p.id
LIMIT %s
"""
SAME_AFTER_SQL = """
SELECT p.id, p.slug, p.name, p.sku, p.description, p.price, p.currency, {available},
       p.is_active, p.image_urls, p.popularity, p.created_at, p.updated_at, c.slug, c.name
FROM shop_product p JOIN shop_category c ON c.id = p.category_id
WHERE p.is_active AND p.category_id = ANY(%s) AND p.price >= %s AND p.price <= %s {stock}
  AND p.price >= %s AND (p.price > %s OR (p.id > %s AND p.price = %s))
ORDER BY p.price, p.id
LIMIT %s
"""
# ``lateral``: a rewrite for comparison, the top N of each category on the
# (category, price, id) index, then merged (as the LATERAL top-20 of DESIGN.md).
LATERAL_SQL = """
SELECT p.id, p.slug, p.name, p.sku, p.description, p.price, p.currency, p.available,
       p.is_active, p.image_urls, p.popularity, p.created_at, p.updated_at, c.slug, c.name
FROM unnest(%s::bigint[]) AS k(category_id)
CROSS JOIN LATERAL (
    SELECT p.*, {available} AS available FROM shop_product p
    WHERE p.is_active AND p.category_id = k.category_id AND p.price >= %s AND p.price <= %s
      AND (p.price, p.id) > (%s, %s) {stock}
    ORDER BY p.price, p.id LIMIT %s
) p
JOIN shop_category c ON c.id = p.category_id
ORDER BY p.price, p.id
LIMIT %s
"""
DETAIL_SQL = """
SELECT p.id, p.slug, p.name, p.sku, p.description, p.price, p.currency, p.stock,
       p.is_active, p.image_urls, p.popularity, p.created_at, p.updated_at, c.slug, c.name
FROM shop_product p JOIN shop_category c ON c.id = p.category_id
WHERE p.id = %s AND p.is_active
"""


def _decimal(request: HttpRequest, name: str, default: str) -> Decimal:
    try:
        return Decimal(request.GET.get(name, default))
    except InvalidOperation:
        raise Http404(name) from None


def raw_products(request: HttpRequest) -> HttpResponse:
    """``?category=&min_price=&max_price=[&in_stock=true][&after_price=&after_id=]
    [&sql=lateral]``, ordered by price: the subtree's ids, then one page (two
    statements; the API reads the category's path, then its subtree's ids)."""
    low = _decimal(request, "min_price", "0")
    high = _decimal(request, "max_price", "1000000000")
    after = None
    if "after_id" in request.GET:
        after = (_decimal(request, "after_price", "0"), int(request.GET["after_id"]))
    stock = f"AND {AVAILABLE} > 0" if request.GET.get("in_stock") == "true" else ""
    shape = {"available": AVAILABLE, "stock": stock}
    with connection.cursor() as cursor:
        cursor.execute(SUBTREE_SQL, [request.GET.get("category", "")])
        ids = [row[0] for row in cursor.fetchall()]
        if request.GET.get("sql") == "lateral":
            price, pk = after or (Decimal(-1), 0)
            sql = LATERAL_SQL.format(**shape)
            cursor.execute(sql, [ids, low, high, price, pk, PAGE_SIZE + 1, PAGE_SIZE + 1])
        elif after:
            price, pk = after
            sql = SAME_AFTER_SQL.format(**shape)
            cursor.execute(sql, [ids, low, high, price, price, pk, price, PAGE_SIZE + 1])
        else:
            cursor.execute(SAME_SQL.format(**shape), [ids, low, high, PAGE_SIZE + 1])
        rows = cursor.fetchall()
    results = [_item(row) for row in rows[:PAGE_SIZE]]
    next_url = None
    if len(rows) > PAGE_SIZE:
        last = results[-1]
        query = request.GET.copy()
        query["after_price"], query["after_id"] = last["price"], str(last["id"])
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    body = json.dumps({"results": results, "next": next_url, "previous": None})
    return HttpResponse(body, content_type="application/json")


def raw_product(request: HttpRequest, pk: int) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(DETAIL_SQL, [pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404("no such product")
    return HttpResponse(json.dumps(_item(row)), content_type="application/json")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _item(row: tuple) -> dict:
    """The API's product representation, field for field."""
    (pk, slug, name, sku, description, price, currency, stock, is_active, image_urls,
     popularity, created_at, updated_at, category_slug, category_name) = row  # fmt: skip
    return {
        "id": pk,
        "slug": slug,
        "name": name,
        "sku": sku,
        "description": description,
        "price": str(price),
        "currency": currency,
        "stock": stock,
        "is_active": is_active,
        "category": {"slug": category_slug, "name": category_name},
        "image_urls": json.loads(image_urls) if isinstance(image_urls, str) else image_urls,
        "popularity": popularity,
        "created_at": _utc(created_at),
        "updated_at": _utc(updated_at),
    }


urlpatterns = [
    path("bench/shop/raw/products/", raw_products),
    path("bench/shop/raw/products/<int:pk>/", raw_product),
    *product_urlpatterns,
]
