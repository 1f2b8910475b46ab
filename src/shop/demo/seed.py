"""The product generator and the demo seed.

``demo_seed`` (the ``seed_demo`` hook) builds a three-level category tree (6 / 15 /
35), about 150 products and, for ``demo_customer``, a cart and two orders.
Categories, products and orders go through the services; safe to run twice. The
generator's helpers also draw the products of the catalogs at scale (``scale``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from shop.demo.vocabulary import (
    DEPARTMENTS,
    FIRST_NAMES,
    LAST_NAMES,
    MODEL_SUFFIXES,
    MODELS,
    TITLE_ADJECTIVES,
    TITLE_NOUNS,
    Department,
    Kind,
    Leaf,
)
from shop.models import CartItem, Category, Order, OrderStatus, PaymentMethod, Product
from shop.services.cart import cart_item_add
from shop.services.catalog import category_create, product_create
from shop.services.orders import order_place, order_transition

# --- generation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """One generated product, before it has a category row."""

    name: str
    slug: str
    description: str


def _title(rng: random.Random) -> str:
    return f"{rng.choice(TITLE_ADJECTIVES)} {rng.choice(TITLE_NOUNS)}"


def _an(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _book(rng: random.Random, leaf: Leaf, kind: Kind) -> tuple[str, str]:
    """A fixed (title, blurb) pair, or a generated title with one of the kind's blurbs."""
    if leaf.titles:
        return rng.choice(leaf.titles)
    return f"The {_title(rng)}", rng.choice(kind.features)


def _style(department: Department, leaf: Leaf) -> str:
    return leaf.style or department.style


def _draft(rng: random.Random, department: Department, leaf: Leaf) -> tuple[Draft, Kind]:
    kind = rng.choice(leaf.kinds)
    brand = rng.choice(department.brands)
    adjective = rng.choice(department.adjectives)
    style = _style(department, leaf)
    if style == "book":  # "The Silent Harbour", by an author, from a publisher
        name, blurb = _book(rng, leaf, kind)
        author = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        sentences = [f"{_an(adjective).capitalize()} {kind.noun} by {author}, from {brand}."]
        sentences.append(f"{blurb}.")
    elif style == "game":  # "Iron Tides: Strategy Game"
        name = f"{_title(rng)}: {kind.noun.title()}"
        sentences = [f"{_an(adjective).capitalize()} {kind.noun} from {brand}."]
        sentences.append(f"{rng.choice(kind.features)}.")
    else:  # "Nordlys Atlas Pro Laptop"
        name = f"{brand} {rng.choice(MODELS)}{rng.choice(MODEL_SUFFIXES)} {kind.noun}"
        second = rng.choice([word for word in department.adjectives if word != adjective])
        feature, extra = rng.sample(kind.features, 2)
        sentences = [f"{adjective.capitalize()} and {second}, with {feature}."]
        if rng.random() < 0.7:
            sentences.append(f"Also has {extra}.")
    if rng.random() < 0.5:
        sentences.append(rng.choice(department.closers))
    return Draft(name=name, slug=slugify(name), description=" ".join(sentences)), kind


def _price(rng: random.Random, low: float, high: float) -> Decimal:
    """Log-uniform within a leaf's range, with shop-like endings (.99, .95, .00)."""
    euros = math.exp(rng.uniform(math.log(low), math.log(high)))
    ending = rng.choice(("99", "99", "95", "00"))
    whole = max(1, int(euros)) if ending != "00" else max(1, round(euros))
    return Decimal(f"{whole}.{ending}")


# --- the demo catalog -----------------------------------------------------------------

DEMO_PRODUCTS = 150
DEMO_CUSTOMER = "demo_customer"
DEMO_STAFF = "demo_staff"
DEMO_ADDRESS = "Demo Customer\nKeizersgracht 123\n1015 CJ Amsterdam\nNetherlands"


def _leaves() -> Iterator[tuple[Department, str, Leaf]]:
    for department in DEPARTMENTS:
        for mid, leaves in department.mids:
            for leaf in leaves:
                yield department, mid, leaf


def demo_catalog() -> list[tuple[tuple[str, str, str], dict[str, Any]]]:
    """The demo products: ((top, mid, leaf) names, product data without category)."""
    leaves = list(_leaves())
    base, extra = divmod(DEMO_PRODUCTS, len(leaves))
    products = []
    seen: set[str] = set()
    index = 0
    for position, (department, mid, leaf) in enumerate(leaves):
        rng = random.Random(f"nexus-shop-demo:{leaf.name}")  # noqa: S311 (not secrets)
        for number in range(1, base + (1 if position < extra else 0) + 1):
            draft, kind = _draft(rng, department, leaf)
            while draft.slug in seen:  # deterministic: the same redraws every run
                draft, kind = _draft(rng, department, leaf)
            seen.add(draft.slug)
            index += 1
            stock = 0 if index % 13 == 5 else rng.randint(1, 80)
            products.append(
                (
                    (department.name, mid, leaf.name),
                    {
                        "name": draft.name,
                        "slug": draft.slug,
                        "sku": f"NX-{leaf.code}-{number:03d}",
                        "description": draft.description,
                        "price": _price(rng, kind.low, kind.high),
                        "currency": "EUR",
                        "stock": stock,
                        "is_active": index % 29 != 7,
                        "image_urls": [f"https://cdn.example.com/nexus/shop/{draft.slug}.jpg"],
                    },
                )
            )
    return products


def _demo_categories() -> dict[tuple[str, ...], Category]:
    """The 6 / 15 / 35 tree, by service; existing slugs are kept as they are."""
    existing = {category.slug: category for category in Category.objects.all()}
    nodes: dict[tuple[str, ...], Category] = {}

    def ensure(key: tuple[str, ...], parent: Category | None, description: str) -> Category:
        slug = slugify(key[-1])
        category = existing.get(slug)
        if category is None:
            category = category_create(
                name=key[-1], slug=slug, parent=parent, description=description
            )
        nodes[key] = category
        return category

    for department in DEPARTMENTS:
        top = ensure((department.name,), None, department.description)
        for mid, leaves in department.mids:
            middle = ensure((department.name, mid), top, "")
            for leaf in leaves:
                ensure((department.name, mid, leaf.name), middle, "")
    return nodes


def _pick(products: dict[str, Product], leaf: str) -> Product:
    """The leaf's first sellable demo product, or any (a reviewer may have bought it out)."""
    return products.get(leaf) or next(iter(products.values()))


def _demo_orders(customer: Any, staff: Any, products: dict[str, Product]) -> list[Order]:
    """Two orders: one paid (bank transfer confirmed by staff), one shipped."""
    if Order.objects.filter(user=customer).exists():
        return []
    plans = (
        (["laptops", "novels"], [OrderStatus.PAID]),
        (["coffee-makers", "planters"], [OrderStatus.PAID, OrderStatus.SHIPPED]),
    )
    orders = []
    for leaves, statuses in plans:
        lines = [(_pick(products, leaf).pk, 1) for leaf in leaves]
        order = order_place(
            user=customer,
            lines=lines,
            shipping_address=DEMO_ADDRESS,
            payment_method=PaymentMethod.BANK_TRANSFER,
        )
        for status in statuses:
            order = order_transition(order_id=order.pk, status=status, actor=staff)
        orders.append(order)
    return orders


def _demo_cart(customer: Any, products: dict[str, Product]) -> int:
    if CartItem.objects.filter(cart__user=customer).exists():
        return 0
    picks = (("headphones", 1), ("cookware", 1), ("yoga-mats", 2))
    for leaf, quantity in picks:
        cart_item_add(user=customer, product_id=_pick(products, leaf).pk, quantity=quantity)
    return len(picks)


def demo_seed(stdout: Any = None) -> str:
    """The ``seed_demo`` hook: idempotent, every write through the services."""
    user_model = get_user_model()
    with transaction.atomic():
        categories = _demo_categories()
        catalog = demo_catalog()
        have = set(
            Product.objects.filter(slug__in=[data["slug"] for _, data in catalog]).values_list(
                "slug", flat=True
            )
        )
        created = 0
        for path, data in catalog:
            if data["slug"] not in have:
                product_create(data={**data, "category": categories[path]})
                created += 1
        # For the cart and orders: per leaf, the first demo product that can be sold.
        sellable: dict[str, Product] = {}
        slugs = [data["slug"] for _, data in catalog]
        for product in Product.objects.filter(
            slug__in=slugs, is_active=True, stock__gte=3
        ).select_related("category"):
            sellable.setdefault(product.category.slug, product)
        customer = user_model.objects.filter(username=DEMO_CUSTOMER).first()
        staff = user_model.objects.filter(username=DEMO_STAFF).first()
        cart_lines, orders = 0, []
        if customer is not None and staff is not None:
            cart_lines = _demo_cart(customer, sellable)
            orders = _demo_orders(customer, staff, sellable)
    placed = ", ".join(f"#{order.pk} ({order.status})" for order in orders) or "none new"
    return (
        f"{len(categories)} categories, {len(catalog)} products ({created} new); "
        f"{DEMO_CUSTOMER}: {cart_lines} new cart lines, orders {placed}"
    )
