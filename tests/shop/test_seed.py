"""Demo data (the ``seed_demo`` hook) and catalogs at scale (``seed_shop``)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from core.site.demo import seed_accounts
from shop.demo.scale import SEED_SKU_PREFIX
from shop.demo.seed import DEMO_CUSTOMER, demo_seed
from shop.models import CartItem, Category, Order, OrderStatus, Product

ROOT = Path(__file__).resolve().parents[2]


def _tree_is_consistent() -> None:
    """Every node's path is its parent's path plus its own id; depth follows."""
    by_id = {category.pk: category for category in Category.objects.all()}
    for category in by_id.values():
        parent = by_id.get(category.parent_id)
        assert category.path == f"{parent.path if parent else '/'}{category.pk}/"
        assert category.depth == (parent.depth + 1 if parent else 0)


def _snapshot() -> dict[str, list]:
    return {
        "categories": list(Category.objects.order_by("pk").values_list("slug", "path", "depth")),
        "products": list(
            Product.objects.order_by("pk").values_list("sku", "slug", "price", "stock", "is_active")
        ),
        "orders": list(Order.objects.order_by("pk").values_list("pk", "user_id", "status")),
        "cart": list(
            CartItem.objects.order_by("pk").values_list("cart__user_id", "product_id", "quantity")
        ),
    }


@pytest.fixture
def demo(db):
    seed_accounts()
    return demo_seed()


def test_demo_seed_builds_a_three_level_tree(demo):
    depths = sorted(Category.objects.values_list("depth", flat=True))
    assert (depths.count(0), depths.count(1), depths.count(2)) == (6, 15, 35)
    _tree_is_consistent()
    # Products hang off leaves only.
    assert set(Product.objects.values_list("category__depth", flat=True)) == {2}


def test_demo_seed_creates_a_realistic_catalog(demo):
    products = list(Product.objects.all())
    assert len(products) == 150
    assert len({product.slug for product in products}) == 150
    assert all(product.currency == "EUR" for product in products)
    assert all(Decimal("1") <= product.price < Decimal("5000") for product in products)
    assert all(product.name and product.description for product in products)
    out_of_stock = [product for product in products if product.stock == 0]
    inactive = [product for product in products if not product.is_active]
    assert 3 <= len(out_of_stock) <= 20
    assert 1 <= len(inactive) <= 10
    assert all(0 <= product.stock <= 80 for product in products)


def test_demo_customer_has_a_cart_and_two_orders_in_different_states(demo):
    customer = Order.objects.filter(user__username=DEMO_CUSTOMER)
    assert sorted(customer.values_list("status", flat=True)) == [
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
    ]
    assert all(order.lines.exists() and order.total > 0 for order in customer)
    items = CartItem.objects.filter(cart__user__username=DEMO_CUSTOMER)
    assert 2 <= items.count() <= 3
    assert all(item.product.is_active for item in items)


def test_demo_seed_twice_changes_nothing(demo):
    before = _snapshot()

    summary = demo_seed()

    assert _snapshot() == before
    assert "(0 new)" in summary


def _seed_shop(products: int, **options) -> str:
    out = io.StringIO()
    call_command("seed_shop", products=products, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_shop_creates_the_products_asked_for_on_valid_category_paths():
    output = _seed_shop(500)

    seeded = Product.objects.filter(sku__startswith=SEED_SKU_PREFIX)
    assert seeded.count() == 500
    assert "created 500" in output
    _tree_is_consistent()
    assert set(Category.objects.values_list("depth", flat=True)) == {0, 1, 2}
    assert set(seeded.values_list("category__depth", flat=True)) == {2}
    prices = list(seeded.values_list("price", flat=True))
    assert min(prices) >= Decimal("5")
    assert max(prices) < Decimal("2000")
    assert seeded.filter(stock__gt=0).count() > 400
    assert seeded.values("created_at__date").distinct().count() > 100  # spread over time


@pytest.mark.django_db
def test_seed_shop_tops_up_and_never_duplicates():
    _seed_shop(500)
    categories = Category.objects.count()

    again = _seed_shop(500)
    more = _seed_shop(650)

    assert "created 0" in again
    assert "created 150" in more
    seeded = Product.objects.filter(sku__startswith=SEED_SKU_PREFIX)
    assert seeded.count() == 650
    assert sorted(seeded.values_list("sku", flat=True)) == [
        f"{SEED_SKU_PREFIX}{number:08d}" for number in range(1, 651)
    ]
    assert Category.objects.count() == categories


def _leaves_by_sku() -> dict[str, str]:
    seeded = Product.objects.filter(sku__startswith=SEED_SKU_PREFIX)
    return dict(seeded.values_list("sku", "category__slug"))


@pytest.mark.django_db
def test_seed_shop_skew_makes_a_few_huge_categories_and_many_tiny_ones_every_time():
    """``--skew 1.5`` over 35 leaves: the largest leaf holds about 40% of the products
    (a Zipf law: 1/H(35, 1.5) = 0.44), most leaves a handful; a second seed from
    scratch puts every product in the same leaf."""
    _seed_shop(1000, skew=1.5, categories=35)
    skewed = _leaves_by_sku()
    Product.objects.filter(sku__startswith=SEED_SKU_PREFIX).delete()
    _seed_shop(1000, skew=1.5, categories=35)
    again = _leaves_by_sku()

    sizes = sorted(Counter(skewed.values()).values(), reverse=True)
    assert sum(sizes) == 1000
    assert 340 <= sizes[0] <= 540
    assert sizes[0] > 2 * sizes[1] > 4 * sizes[9]
    assert len([n for n in sizes if n <= 15]) >= 17
    assert again == skewed


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["copy", "bulk"])
def test_seed_shop_fills_the_search_vector_on_postgresql(method):
    assert connection.vendor == "postgresql"
    _seed_shop(500, method=method)
    product = Product.objects.filter(sku__startswith=SEED_SKU_PREFIX).order_by("pk").first()
    word = product.name.split()[-1]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM shop_product WHERE search_vector IS NULL AND sku LIKE %s",
            [f"{SEED_SKU_PREFIX}%"],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT id FROM shop_product WHERE search_vector @@ plainto_tsquery('english', %s)",
            [word],
        )
        assert product.pk in {row[0] for row in cursor.fetchall()}


def test_seed_shop_works_on_sqlite(tmp_path, migrated_sqlite):
    """The embedded default: a freshly migrated SQLite file (a copy of the session's),
    bulk_create instead of COPY."""
    shutil.copyfile(migrated_sqlite, tmp_path / "seed.sqlite3")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'seed.sqlite3'}",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    outputs = []
    for command in (
        ["seed_shop", "--products", "300", "--categories", "35"],
        ["seed_shop", "--products", "300", "--categories", "35"],
        ["shell", "-c", _SQLITE_CHECK],
    ):
        result = subprocess.run(
            manage + command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(result.stdout)
    assert "created 300" in outputs[0]
    assert "created 0" in outputs[1]
    assert outputs[2].strip().splitlines()[-1].split() == ["300", "56", "ok"]


_SQLITE_CHECK = """
from shop.models import Category, Product
seeded = Product.objects.filter(sku__startswith="SEED-")
by_id = {c.pk: c for c in Category.objects.all()}
for c in by_id.values():
    parent = by_id.get(c.parent_id)
    assert c.path == (parent.path if parent else "/") + f"{c.pk}/", c.path
assert set(seeded.values_list("category__depth", flat=True)) == {2}
print(seeded.count(), len(by_id), "ok")
"""
