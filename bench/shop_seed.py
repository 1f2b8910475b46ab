"""Seed the shop at scale for bench/shop_run.py: the generated catalog (manage.py
seed_shop), sixteen buyers and one hot product for the checkout race.

    DJANGO_SETTINGS_MODULE=config.settings.production ... python bench/shop_seed.py \
        --products 1000000 [--skew 1.5]

Category sizes follow a Zipf law (``--skew``, seed_shop's): a few huge leaves, many
tiny ones, the same sizes on every run; the smallest leaf is the category of the
list served uncached (``small_category``: a page filtered ``in_stock=true``).

Idempotent: seed_shop tops the catalog up to the figure asked for, buyers and the
hot product are created once. Prints one JSON line with what the load scripts need.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import django

BUYERS = 16
BUYER_PREFIX = "bench_buyer_"
HOT_SKU = "BENCH-HOT-1"
HOT_CATEGORY = "computers-1"  # the hot product's is its first leaf
MIN_PRICE, MAX_PRICE = "50", "500"
# The list rows' middle category: the one with the number of active products in the
# price range nearest this (computers-1's 4,059 in the evenly spread catalog), and
# enough for 50 pages of 20.
LIST_MATCHING = 4000
LIST_SQL = """
SELECT m.slug, count(p.id) AS n
FROM shop_category m
JOIN shop_category c ON c.path LIKE m.path || '%%'
JOIN shop_product p ON p.category_id = c.id
WHERE m.depth = 1 AND p.is_active AND p.price >= %s AND p.price <= %s
GROUP BY m.slug
HAVING count(p.id) > 1020
ORDER BY abs(count(p.id) - %s), m.slug
LIMIT 1
"""
SKEW = 1.5  # at 1M products and 350 leaves: 399k in the largest leaf, about 50 in the smallest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--skew", type=float, default=SKEW)
    args = parser.parse_args()

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Q
    from seed_core import PASSWORD

    from core.identity.models import User
    from shop.models import Category, Product

    started = time.perf_counter()
    # Progress on stderr: stdout carries only the JSON line for bench/shop_run.py.
    call_command(
        "seed_shop",
        products=args.products,
        batch=args.batch,
        skew=args.skew,
        stdout=sys.stderr,
    )
    seeded_in = time.perf_counter() - started

    customer, _ = Group.objects.get_or_create(name="customer")
    password = make_password(PASSWORD)
    for number in range(BUYERS):
        user, created = User.objects.get_or_create(
            username=f"{BUYER_PREFIX}{number}",
            defaults={"email": f"buyer{number}@bench.test", "password": password},
        )
        if created:
            user.groups.add(customer)

    leaf = Category.objects.filter(parent__slug=HOT_CATEGORY).order_by("pk").first()
    hot, _ = Product.objects.get_or_create(
        sku=HOT_SKU,
        defaults={
            "category": leaf,
            "name": "Bench Hot Product",
            "slug": "bench-hot-product",
            "description": "The product every bench buyer wants at once.",
            "price": "19.99",
            "currency": "EUR",
            "stock": 0,
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(LIST_SQL, [MIN_PRICE, MAX_PRICE, LIST_MATCHING])
        (listed, _) = cursor.fetchone()
    mid = Category.objects.get(slug=listed)
    subtree = Category.objects.filter(path__startswith=mid.path).values_list("pk", flat=True)
    in_range = Product.objects.filter(
        is_active=True,
        category_id__in=list(subtree),
        price__gte=MIN_PRICE,
        price__lte=MAX_PRICE,
    )
    detail = in_range.order_by("price", "pk").values_list("pk", flat=True).first()
    leaves = (
        Category.objects.filter(children=None)
        .annotate(n=Count("products", filter=Q(products__is_active=True)))
        .filter(n__gt=0)
        .order_by("n", "pk")
    )
    small, huge = leaves.first(), leaves.last()
    assert small is not None
    assert huge is not None
    print(
        json.dumps(
            {
                "products": Product.objects.count(),
                "seed_seconds": round(seeded_in, 1),
                "category": mid.slug,
                "category_products": Product.objects.filter(category_id__in=list(subtree)).count(),
                "min_price": MIN_PRICE,
                "max_price": MAX_PRICE,
                "matching": in_range.count(),
                "detail_id": detail,
                "hot_id": hot.pk,
                "skew": args.skew,
                "small_category": small.slug,
                "small_category_products": small.n,  # type: ignore[attr-defined]
                "largest_category": huge.slug,
                "largest_category_products": huge.n,  # type: ignore[attr-defined]
                "buyers": [f"{BUYER_PREFIX}{number}" for number in range(BUYERS)],
            }
        )
    )


if __name__ == "__main__":
    main()
