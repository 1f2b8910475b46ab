"""Bulk-create a generated catalog at scale, for benchmarks and load tests."""

from __future__ import annotations

import argparse
import math
from typing import Any

from django.core.management.base import CommandError
from django.db import connection

from core.management.arguments import positive_int
from core.management.atomic import ALL_OR_NOTHING, AtomicCommand
from core.management.progress import ProgressLine
from shop.demo.scale import DEFAULT_LEAVES, SEED_SKU_PREFIX, catalog_seed


def non_negative_float(value: str) -> float:
    """A finite number of at least 0 (``--skew 1.5``)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of at least 0")
    return number


class Command(AtomicCommand):
    help = (
        "Bulk-create a generated catalog: a three-level category tree and N products "
        f"(SKUs {SEED_SKU_PREFIX}00000001...), log-normal prices of 5-2000 EUR, stock mostly "
        "above zero, a few inactive. Safe to re-run: it tops the generated products up to N "
        "(existing ones are kept, none duplicated; a second run with the same N creates "
        "nothing) and reuses the tree. PostgreSQL loads with COPY (100k products in about "
        "8 s on two cores, 1M in about 95 s; --method bulk about 25 s per 100k); other "
        f"databases use bulk_create (SQLite: about 10 s per 100k). {ALL_OR_NOTHING}"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--products",
            type=positive_int,
            required=True,
            help="How many generated products should exist afterwards.",
        )
        parser.add_argument(
            "--categories",
            type=positive_int,
            default=DEFAULT_LEAVES,
            help=(
                "Leaf categories (default %(default)s): the 6/15/35 demo tree replicated, "
                "about one middle category per 2.3 leaves and one top per 6 leaves."
            ),
        )
        parser.add_argument(
            "--batch",
            type=positive_int,
            default=5000,
            help="Products per COPY or bulk_create (default %(default)s).",
        )
        parser.add_argument(
            "--skew",
            type=non_negative_float,
            default=0.0,
            help=(
                "Category sizes: 0 (the default) spreads products evenly over the leaves; "
                "s > 0 draws them from a Zipf law of exponent s, a few huge leaves and many "
                "tiny ones (1.5 at 350 leaves and 1M products: 399k in the largest, 61 in "
                "the smallest), the same sizes on every run."
            ),
        )
        parser.add_argument(
            "--method",
            choices=("auto", "copy", "bulk"),
            default="auto",
            help="copy (PostgreSQL only), bulk (bulk_create) or auto (copy on PostgreSQL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["method"] == "copy" and connection.vendor != "postgresql":
            raise CommandError("--method copy needs PostgreSQL; use --method bulk.")
        progress = ProgressLine(self.stdout, "products")
        report = catalog_seed(
            products=options["products"],
            leaves=options["categories"],
            batch=options["batch"],
            method=options["method"],
            skew=options["skew"],
            progress=progress,
        )
        progress.finish()
        rate = report.created / report.seconds if report.seconds else 0.0
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_shop: {report.existing:,} generated products existed, created "
                f"{report.created:,} in {report.seconds:.1f}s ({rate:,.0f}/s, {report.method}); "
                f"{report.categories} leaf categories"
            )
        )
