"""Seed the shop at scale for bench/shop_run.py: the generated catalog (manage.py
seed_shop), sixteen buyers and one hot product for the checkout race.

    DJANGO_SETTINGS_MODULE=config.settings.production ... python bench/shop_seed.py \
        --products 1000000

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
MID_CATEGORY = "computers-1"  # the first replica's Computers: laptops, monitors, keyboards
MIN_PRICE, MAX_PRICE = "50", "500"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args()

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from seed_core import PASSWORD

    from core.identity.models import User
    from shop.models import Category, Product

    started = time.perf_counter()
    # Progress on stderr: stdout carries only the JSON line for bench/shop_run.py.
    call_command("seed_shop", products=args.products, batch=args.batch, stdout=sys.stderr)
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

    mid = Category.objects.get(slug=MID_CATEGORY)
    leaf = Category.objects.filter(parent=mid).order_by("pk").first()
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
    subtree = Category.objects.filter(path__startswith=mid.path).values_list("pk", flat=True)
    in_range = Product.objects.filter(
        is_active=True,
        category_id__in=list(subtree),
        price__gte=MIN_PRICE,
        price__lte=MAX_PRICE,
    )
    detail = in_range.order_by("price", "pk").values_list("pk", flat=True).first()
    print(
        json.dumps(
            {
                "products": Product.objects.count(),
                "seed_seconds": round(seeded_in, 1),
                "category": MID_CATEGORY,
                "category_products": Product.objects.filter(category_id__in=list(subtree)).count(),
                "min_price": MIN_PRICE,
                "max_price": MAX_PRICE,
                "matching": in_range.count(),
                "detail_id": detail,
                "hot_id": hot.pk,
                "buyers": [f"{BUYER_PREFIX}{number}" for number in range(BUYERS)],
            }
        )
    )


if __name__ == "__main__":
    main()
