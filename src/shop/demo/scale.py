"""Catalogs at scale: ``catalog_seed`` (``manage.py seed_shop``) replicates the demo
tree to any number of leaves and adds up to millions of products in bulk
(PostgreSQL COPY or ``bulk_create``), for benchmarks. Products are drawn from the
same word lists as the demo's, with fewer words per product."""

from __future__ import annotations

import io
import itertools
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from core.cache import versioned as core_cache
from shop.demo.seed import _an, _book, _leaves, _style, _title
from shop.demo.vocabulary import MODEL_SUFFIXES, MODELS, Department, Leaf
from shop.models import Category, Product
from shop.services.catalog import CATALOG_NAMESPACE

SEED_SKU_PREFIX = "SEED-"
DEFAULT_LEAVES = 350  # ten replicas of the 35-leaf tree
# The first replica keeps the plain department names; further ones are other stores.
QUALIFIERS = (
    "", "Pro", "Outlet", "Eco", "Premium", "Studio", "Everyday", "Compact", "Heritage", "Urban",
)  # fmt: skip


@dataclass(frozen=True)
class ScaleLeaf:
    category_id: int
    department: Department
    leaf: Leaf


def _template() -> list[tuple[Department, str, Leaf]]:
    return list(_leaves())


def scale_tree(leaves: int) -> list[tuple[str, str, str | None, int, Leaf | None, Department]]:
    """Nodes (name, slug, parent slug, depth, leaf, department) of a tree with ``leaves``
    leaves: the 35-leaf template replicated, replica ``r`` with slugs ending ``-r``."""
    template = _template()
    nodes = []
    seen: set[str] = set()
    for number in range(leaves):
        replica, position = divmod(number, len(template))
        department, mid, leaf = template[position]
        qualifier = QUALIFIERS[replica] if replica < len(QUALIFIERS) else f"No. {replica + 1}"
        top_name = f"{qualifier} {department.name}".strip()
        top_slug = f"{slugify(department.name)}-{replica + 1}"
        mid_slug = f"{slugify(mid)}-{replica + 1}"
        leaf_slug = f"{slugify(leaf.name)}-{replica + 1}"
        if top_slug not in seen:
            seen.add(top_slug)
            nodes.append((top_name, top_slug, None, 0, None, department))
        if mid_slug not in seen:
            seen.add(mid_slug)
            nodes.append((mid, mid_slug, top_slug, 1, None, department))
        nodes.append((leaf.name, leaf_slug, mid_slug, 2, leaf, department))
        seen.add(leaf_slug)
    return nodes


def _scale_categories(leaves: int) -> list[ScaleLeaf]:
    """Create the missing nodes level by level in bulk, then set their paths."""
    nodes = scale_tree(leaves)
    by_slug = {c.slug: c for c in Category.objects.filter(slug__in=[n[1] for n in nodes])}
    for depth in (0, 1, 2):
        level = [n for n in nodes if n[3] == depth and n[1] not in by_slug]
        if not level:
            continue
        rows = [
            Category(name=name, slug=slug, parent=by_slug[parent] if parent else None)
            for name, slug, parent, _, _, _ in level
        ]
        Category.objects.bulk_create(rows)
        if any(row.pk is None for row in rows):  # a backend that returns no ids
            rows = list(Category.objects.filter(slug__in=[row.slug for row in rows]))
        for row in rows:
            parent = by_slug.get(row.parent.slug) if row.parent_id else None
            row.path = f"{parent.path if parent else '/'}{row.pk}/"
            row.depth = depth
            by_slug[row.slug] = row
        Category.objects.bulk_update(rows, ["path", "depth"], batch_size=500)
    result = []
    for _, slug, _, depth, leaf, department in nodes:
        if depth == 2 and leaf is not None:
            result.append(ScaleLeaf(by_slug[slug].pk, department, leaf))
    return result


def leaf_weights(count: int, skew: float) -> list[float] | None:
    """Cumulative weights for drawing a leaf of ``count`` when category sizes follow a
    Zipf law of exponent ``skew`` (the leaf of rank r weighs 1/r**skew: a few huge
    leaves, many tiny ones), or None for a uniform draw (``skew`` 0). Which leaf gets
    which rank is a fixed shuffle, so the huge leaves are spread over the tree and the
    same ``skew`` always gives the same sizes."""
    if skew <= 0:
        return None
    ranks = list(range(1, count + 1))
    random.Random(f"nexus-shop-zipf:{count}").shuffle(ranks)  # noqa: S311 (not secrets)
    return list(itertools.accumulate(1 / rank**skew for rank in ranks))


def _scale_row(rng: random.Random, number: int, where: ScaleLeaf, now: Any) -> dict[str, Any]:
    """One generated product as column values (the same shapes as the demo products,
    fewer words drawn: this runs a million times)."""
    department, leaf = where.department, where.leaf
    kind = rng.choice(leaf.kinds)
    style = _style(department, leaf)
    if style == "brand":
        name = (
            f"{rng.choice(department.brands)} {rng.choice(MODELS)}"
            f"{rng.choice(MODEL_SUFFIXES)} {kind.noun}"
        )
        description = (
            f"{rng.choice(department.adjectives).capitalize()}, with {rng.choice(kind.features)}. "
            f"Also has {rng.choice(kind.features)}. {rng.choice(department.closers)}"
        )
    else:
        if style == "book":
            name, blurb = _book(rng, leaf, kind)
        else:
            name, blurb = f"{_title(rng)}: {kind.noun.title()}", rng.choice(kind.features)
        description = (
            f"{_an(rng.choice(department.adjectives)).capitalize()} {kind.noun} from "
            f"{rng.choice(department.brands)}. {blurb}."
        )
    # Log-normal around the kind's typical price, kept within 5-2000 EUR.
    median = (math.log(kind.low) + math.log(kind.high)) / 2
    euros = min(1999.0, max(5.0, math.exp(rng.gauss(median, 0.5))))
    created = now - timedelta(seconds=rng.random() * 730 * 86400)
    return {
        "category_id": where.category_id,
        "name": name,
        "slug": f"{slugify_fast(name)}-{number}",
        "sku": f"{SEED_SKU_PREFIX}{number:08d}",
        "description": description,
        "price": f"{int(euros)}.{rng.choice(('99', '99', '95', '49', '00'))}",
        "currency": "EUR",
        "stock": 0 if rng.random() < 0.06 else rng.randint(1, 250),
        "is_active": rng.random() >= 0.02,
        "popularity": int(rng.expovariate(1 / 40)) if rng.random() < 0.6 else 0,
        "image_urls": [f"https://cdn.example.com/nexus/shop/{number}.jpg"],
        "created_at": created,
        "updated_at": created,
    }


_SLUG_CACHE: dict[str, str] = {}


def slugify_fast(name: str) -> str:
    """``slugify`` memoised per word: names repeat their words a great deal."""
    parts = []
    for word in name.split(" "):
        slug = _SLUG_CACHE.get(word)
        if slug is None:
            slug = _SLUG_CACHE[word] = slugify(word)
        if slug:
            parts.append(slug)
    return "-".join(parts)


@dataclass
class SeedReport:
    existing: int
    created: int
    categories: int
    seconds: float
    method: str


def _copy_columns() -> list[tuple[str, Any]]:
    """Every concrete Product column the rows fill, or its default (for columns added
    later); ``id`` comes from its sequence and ``search_vector`` from the trigger."""
    columns = []
    for field in Product._meta.concrete_fields:
        if field.primary_key or field.name == "search_vector":
            continue
        columns.append((field.attname, field))
    return columns


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | dict):
        value = json.dumps(value)
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    text = str(value)
    if any(char in text for char in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _insert_copy(rows: list[dict[str, Any]], columns: list[tuple[str, Any]]) -> None:
    """PostgreSQL COPY in text format: one round trip per batch, no SQL to parse."""
    defaults = {
        attname: field.get_default() for attname, field in columns if attname not in rows[0]
    }
    buffer = io.StringIO()
    for row in rows:
        buffer.write(
            "\t".join(_copy_text(row.get(attname, defaults.get(attname))) for attname, _ in columns)
        )
        buffer.write("\n")
    names = ", ".join(connection.ops.quote_name(attname) for attname, _ in columns)
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Product._meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())


def _insert_bulk(rows: list[dict[str, Any]], now: Any) -> None:
    created = Product.objects.bulk_create(
        [Product(**{**row, "price": Decimal(row["price"])}) for row in rows]
    )
    ids = [product.pk for product in created if product.pk is not None]
    if not ids:
        return
    # auto_now_add stamped them all now: spread them over two years in one statement
    # (by id, so the same ids get the same dates), as the COPY path writes them. The
    # multiplier (Knuth's, above the two years' seconds) spreads the small ids of a
    # fresh database too (7919 put ids 1-500 within 46 days).
    table = connection.ops.quote_name(Product._meta.db_table)
    if connection.vendor == "postgresql":
        stamp = "%s - ((id * 2654435761) %% 63072000) * interval '1 second'"
        params = [now]
    else:
        stamp = "datetime(%s, '-' || ((id * 2654435761) %% 63072000) || ' seconds')"
        params = [now.astimezone(UTC).replace(tzinfo=None).isoformat(" ")]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET created_at = {stamp}, updated_at = {stamp} "  # noqa: S608
            "WHERE id BETWEEN %s AND %s",
            [*params, *params, min(ids), max(ids)],
        )


def catalog_seed(
    *,
    products: int,
    leaves: int = DEFAULT_LEAVES,
    batch: int = 5000,
    method: str = "auto",
    skew: float = 0.0,
    progress: Callable[[int, int, float], None] | None = None,
) -> SeedReport:
    """Top the generated catalog up to ``products`` products (SKUs ``SEED-00000001``...).

    Existing generated products are kept: a second run with the same figure creates
    nothing, a larger one adds the difference. ``method`` is ``copy`` (PostgreSQL
    only), ``bulk`` (``bulk_create``, any database) or ``auto`` (copy on PostgreSQL).
    """
    if method == "auto":
        method = "copy" if connection.vendor == "postgresql" else "bulk"
    if method == "copy" and connection.vendor != "postgresql":
        raise ValueError("--method copy needs PostgreSQL")
    started = time.perf_counter()
    tree = _scale_categories(leaves)
    seeded = Product.objects.filter(sku__startswith=SEED_SKU_PREFIX)
    existing = seeded.count()
    last = seeded.order_by("-sku").values_list("sku", flat=True).first()
    number = int(last[len(SEED_SKU_PREFIX) :]) if last else 0
    wanted = max(0, products - existing)
    columns = _copy_columns()
    weights = leaf_weights(len(tree), skew)

    def draw(rng: random.Random) -> ScaleLeaf:
        if weights is None:
            return tree[rng.randrange(len(tree))]
        return rng.choices(tree, cum_weights=weights)[0]

    now = timezone.now()
    done = 0
    while done < wanted:
        size = min(batch, wanted - done)
        rng = random.Random(f"nexus-shop-scale:{number}")  # noqa: S311 (not secrets)
        rows = [_scale_row(rng, number + offset + 1, draw(rng), now) for offset in range(size)]
        with transaction.atomic():
            if method == "copy":
                _insert_copy(rows, columns)
            else:
                _insert_bulk(rows, now)
        number += size
        done += size
        if progress is not None:
            progress(done, wanted, time.perf_counter() - started)
    if done:
        if connection.vendor == "postgresql":  # fresh planner statistics, before autovacuum
            with connection.cursor() as cursor:
                for model in (Category, Product):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        core_cache.invalidate(CATALOG_NAMESPACE)
    return SeedReport(existing, done, len(tree), time.perf_counter() - started, method)
