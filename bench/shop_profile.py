"""Single-request cost of the shop reads in-process (Django test client, no server,
no load generator), on the database bench/shop_run.py seeded: milliseconds per
request, queries per request and time spent in SQL, with a warm cache and cold
(the cache emptied before each request, not timed); optionally a cProfile (warm)
of one of them.

    python bench/shop_profile.py [--requests 300] [--profile "api detail"]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time

from shop_run import API, RAW, ROOT, server_env


class SqlTimer:
    """An execute wrapper: statements and the time spent in them, to the microsecond."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", default="", help="a scenario name to profile")
    parser.add_argument("--category", default="computers-1")
    parser.add_argument("--min-price", default="50")
    parser.add_argument("--max-price", default="500")
    args = parser.parse_args()

    env = server_env("wsgi")
    env["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from shop.models import Category, Product

    mid = Category.objects.get(slug=args.category)
    detail = (
        Product.objects.filter(category__path__startswith=mid.path, is_active=True)
        .order_by("price", "pk")
        .filter(price__gte=args.min_price)
        .values_list("pk", flat=True)
        .first()
    )
    query = f"category={args.category}&min_price={args.min_price}&max_price={args.max_price}"
    urls = {
        "api list": f"{API}/products/?{query}&ordering=price",
        "raw list, same query": f"{RAW}/products/?{query}",
        "raw list, LATERAL": f"{RAW}/products/?{query}&sql=lateral",
        "api detail": f"{API}/products/{detail}/",
        "raw detail": f"{RAW}/products/{detail}/",
    }
    client = Client()
    print("| request | warm ms/request | queries | SQL ms | cold ms/request | queries | SQL ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, url in urls.items():
        for _ in range(20):
            client.get(url)
        figures = []
        for flush in (False, True):
            timer = SqlTimer()
            elapsed = 0.0
            with connection.execute_wrapper(timer):
                for _ in range(args.requests):
                    if flush:  # cold: the first request after the cache was emptied
                        cache.clear()
                    started = time.perf_counter()
                    response = client.get(url)
                    elapsed += time.perf_counter() - started
            assert response.status_code == 200, (url, response.status_code)
            figures += [
                f"{elapsed / args.requests * 1000:.2f}",
                f"{timer.count / args.requests:.1f}",
                f"{timer.seconds / args.requests * 1000:.2f}",
            ]
        print(f"| {name} | {' | '.join(figures)} |")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            client.get(urls[args.profile])
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
