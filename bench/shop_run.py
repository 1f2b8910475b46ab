"""Benchmark the shop on PostgreSQL + Redis + RabbitMQ with a million products.

    make bench-shop                  # or: python bench/shop_run.py [--products 1000000]

1. creates and migrates ``nexus_bench`` (bench/common.py) and seeds it
   (unless its recorded seed version matches) with
   bench/shop_seed.py: the generated catalog, 16 buyers, one hot product;
2. starts gunicorn as bench/common.py does (production settings, 2 workers; ``wsgi``:
   gthread, ``asgi``: uvicorn workers), with bench/shop_settings.py, which only adds
   the raw-SQL ceiling views of bench/shop_urls.py;
3. for the product list (a mid-level category, a price range, ordered by price:
   first page and 50 cursors deep; and uncached: the smallest category, in stock only)
   and a product detail: the API, the same query in raw SQL in a minimal Django view
   (the ceiling), and for the list a LATERAL rewrite of it; checks all three return
   the same page, then wrk at 2 connections (p50/p95, warm cache) and 16 (req/s), in
   interleaved rounds (medians reported); then cold: Redis flushed before each of N
   sequential requests on one kept-alive connection;
4. checkout: 16 buyers (threads, one token each) POST /api/v1/shop/orders/ for one
   hot product for N seconds (orders/s, no oversell: stock + units sold == initial),
   then sell out 200 units (exactly 200 orders, stock 0, the rest 409).

Prints Markdown tables and writes bench/out/shop-<server>.json. Needs ``wrk``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.parse
import uuid

from common import (
    OUT,
    REDIS_URL,
    Client,
    Context,
    Row,
    SeedSpec,
    Target,
    compared,
    domain_env,
    interleaved,
    path_of,
    post_json,
    prepare,
    purge,
    script_seed,
    serving,
    worker_rss_mib,
)
from common import psql as _psql

PORT = 8101
DATABASE = "nexus_bench"  # with the core's users and notifications
QUEUE = "nexus-bench-shop"  # the orders' tasks; no worker consumes them here
API = "/api/v1/shop"
RAW = "/bench/shop/raw"
API_KIND, SAME_KIND, LATERAL_KIND = "api", "raw SQL, same query", "raw SQL, LATERAL"
UNCACHED = "list, small category, in stock"


# 16 buyers hold thousands of unpaid units of the hot product: the per-customer cap on
# unpaid units (a 409 reservation_limit past 10) is lifted, as the throttles are.
UNCAPPED = {
    "SHOP_MAX_UNPAID_UNITS_PER_PRODUCT": "1000000000",
    "SHOP_MAX_UNPAID_UNITS": "1000000000",
}


def server_env_for(server: str) -> dict[str, str]:
    return domain_env("shop", DATABASE, server, **UNCAPPED)


def seed_spec(products: int = 1_000_000) -> SeedSpec:
    return SeedSpec(
        domain="shop",
        database=DATABASE,
        sources=[
            "bench/shop_seed.py",
            "src/shop/management/commands/seed_shop.py",
            "src/shop/demo/vocabulary.py",
            "src/shop/demo/seed.py",
            "src/shop/demo/scale.py",
        ],
        params={"products": products},
        seed=script_seed("shop_seed.py", "--products", str(products)),
        env=server_env_for("wsgi"),
    )


def follow(client: Client, url: str, pages: int) -> tuple[str, dict]:
    """Follow ``next`` ``pages`` times; the URL reached and its page."""
    page = client.get_json(url)
    for _ in range(pages):
        if not page.get("next"):
            raise RuntimeError(f"{url}: the list ends before {pages} pages")
        url = page["next"]
        page = client.get_json(url)
    return url, page


def cold(base: str, path: str, times: int) -> dict:
    """The first request after the cache was emptied, ``times`` times: FLUSHDB on the
    bench's own Redis database, then one GET on an already open connection."""
    import redis

    store = redis.Redis.from_url(REDIS_URL)
    client = Client(base)
    client.request("GET", path)  # open the connection; not measured
    samples = []
    for _ in range(times):
        store.flushdb()
        started = time.perf_counter()
        status, _ = client.request("GET", path)
        samples.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"cold GET {path}: {status}")
    samples.sort()
    return {
        "n": times,
        "p50_ms": statistics.median(samples),
        "p95_ms": samples[max(0, round(0.95 * times) - 1)],
        "max_ms": samples[-1],
    }


def psql(sql: str, params: list | None = None) -> list[tuple]:
    return _psql(DATABASE, sql, params)


def buyers_run(base: str, tokens: list[str], hot_id: int, seconds: float, stop_on_409: bool):
    """Each buyer POSTs one unit of the hot product in a loop (a fresh Idempotency-Key per
    order, as a careful client sends). Returns statuses, latencies (ms) and wall time."""
    statuses: list[int] = []
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def buyer(token: str) -> None:
        client = Client(base, token)
        refused = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            status, _ = client.request(
                "POST",
                f"{API}/orders/",
                {"items": [{"product": hot_id, "quantity": 1}]},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                statuses.append(status)
                latencies.append(elapsed)
            refused = refused + 1 if status == 409 else 0
            if stop_on_409 and refused >= 3:
                return

    threads = [threading.Thread(target=buyer, args=(token,)) for token in tokens]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, sorted(latencies), time.perf_counter() - started


def checkout(base: str, params: dict, seconds: int, sellout: int) -> dict:
    from seed_core import PASSWORD

    hot = params["hot_id"]
    tokens = [
        post_json(base + "/api/v1/auth/token/", {"username": name, "password": PASSWORD})["access"]
        for name in params["buyers"]
    ]
    # Warm-up (each buyer's first request pays for its connection and token checks).
    psql("UPDATE shop_product SET stock = 1000000 WHERE id = %s", [hot])
    buyers_run(base, tokens, hot, 2, stop_on_409=False)

    initial = 1_000_000
    psql("UPDATE shop_product SET stock = %s WHERE id = %s", [initial, hot])
    since = psql("SELECT now()")[0][0]
    statuses, latencies, wall = buyers_run(base, tokens, hot, seconds, stop_on_409=False)
    stock = psql("SELECT stock FROM shop_product WHERE id = %s", [hot])[0][0]
    sold = psql(
        "SELECT coalesce(sum(l.quantity), 0), count(DISTINCT o.id) FROM shop_orderline l "
        "JOIN shop_order o ON o.id = l.order_id WHERE l.product_id = %s AND o.created_at >= %s",
        [hot, since],
    )[0]
    created = statuses.count(201)
    throughput = {
        "seconds": round(wall, 1),
        "orders": created,
        "orders_per_s": created / wall,
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * len(latencies)) - 1],
        "statuses": {str(code): statuses.count(code) for code in sorted(set(statuses))},
        "initial_stock": initial,
        "stock_after": stock,
        "units_sold": int(sold[0]),
        "no_oversell": stock + int(sold[0]) == initial and int(sold[0]) == created,
    }

    psql("UPDATE shop_product SET stock = %s WHERE id = %s", [sellout, hot])
    since = psql("SELECT now()")[0][0]
    statuses, _, wall = buyers_run(base, tokens, hot, 60, stop_on_409=True)
    stock = psql("SELECT stock FROM shop_product WHERE id = %s", [hot])[0][0]
    sold = psql(
        "SELECT coalesce(sum(l.quantity), 0) FROM shop_orderline l JOIN shop_order o "
        "ON o.id = l.order_id WHERE l.product_id = %s AND o.created_at >= %s",
        [hot, since],
    )[0][0]
    selling_out = {
        "initial_stock": sellout,
        "seconds": round(wall, 1),
        "statuses": {str(code): statuses.count(code) for code in sorted(set(statuses))},
        "stock_after": stock,
        "units_sold": int(sold),
        "exact": statuses.count(201) == sellout == int(sold) and stock == 0,
        "server_errors": sum(1 for code in statuses if code >= 500),
    }
    return {"throughput": throughput, "sell_out": selling_out}


def urls_checked(base: str, params: dict, depth: int) -> tuple[dict, dict]:
    """The list (first page, ``depth`` cursors deep) and detail URLs of the API and its
    ceilings, and whether each ceiling answers with the same page as the API."""
    query = urllib.parse.urlencode(
        {
            "category": params["category"],
            "min_price": params["min_price"],
            "max_price": params["max_price"],
        }
    )
    client = Client(base)
    first = {
        API_KIND: f"{base}{API}/products/?{query}&ordering=price",
        SAME_KIND: f"{base}{RAW}/products/?{query}",
        LATERAL_KIND: f"{base}{RAW}/products/?{query}&sql=lateral",
    }
    deep, pages = {}, {}
    for kind, url in first.items():
        deep[kind], pages[kind] = follow(client, url, depth)
    detail = params["detail_id"]
    # The list served uncached: ``in_stock`` pages are never cached (every sale changes
    # them), so each request plans and runs the page query, here in the smallest leaf.
    small = urllib.parse.urlencode({"category": params["small_category"], "in_stock": "true"})
    uncached = {
        API_KIND: f"{base}{API}/products/?{small}&ordering=price",
        SAME_KIND: f"{base}{RAW}/products/?{small}",
        LATERAL_KIND: f"{base}{RAW}/products/?{small}&sql=lateral",
    }
    scenarios = {
        "list, first page": first,
        f"list, {depth} cursors deep": deep,
        UNCACHED: uncached,
        "detail": {
            API_KIND: f"{base}{API}/products/{detail}/",
            SAME_KIND: f"{base}{RAW}/products/{detail}/",
        },
    }
    # A ceiling must answer the same question: the same products, fields and order.
    firsts = {kind: client.get_json(url)["results"] for kind, url in first.items()}
    smalls = {kind: client.get_json(url)["results"] for kind, url in uncached.items()}
    same = {
        "first page": all(page == firsts[API_KIND] for page in firsts.values()),
        "deep page": all(page["results"] == pages[API_KIND]["results"] for page in pages.values()),
        UNCACHED: bool(smalls[API_KIND])
        and all(page == smalls[API_KIND] for page in smalls.values()),
        "detail": client.get_json(scenarios["detail"][API_KIND])
        == client.get_json(scenarios["detail"][SAME_KIND]),
    }
    return scenarios, same


def measure(server: str, params: dict, args: argparse.Namespace) -> dict:
    base = f"http://127.0.0.1:{PORT}"
    results: dict = {"server": server, "params": params}
    try:
        with serving(server, server_env_for(server), PORT):
            scenarios, same = urls_checked(base, params, args.depth)
            results["same_results"] = same
            results["urls"] = scenarios
            print("same results as the ceilings:", same, flush=True)

            # Rounds interleave the API and its ceilings, so that a drift in what else runs
            # on the two cores weighs on both; each figure is the median over the rounds.
            targets = {
                (name, kind): Target(url)
                for name, urls in scenarios.items()
                for kind, url in urls.items()
            }
            figures = interleaved(
                targets,
                rounds=args.rounds,
                duration=args.duration,
                warmup=2,
                log=lambda line: print(server, line, flush=True),
            )
            results["wrk"] = [
                {"scenario": name, "kind": kind, "c": connections, **row}
                for ((name, kind), connections), row in figures.items()
            ]

            colds = []
            for name, urls in scenarios.items():
                for kind, url in urls.items():
                    cold_figures = cold(base, path_of(url), args.cold)
                    colds.append({"scenario": name, "kind": kind, **cold_figures})
                    print(server, "cold", name, kind, cold_figures, flush=True)
            results["cold"] = colds

            results["checkout"] = checkout(base, params, args.checkout_seconds, args.sellout)
            print(server, "checkout", results["checkout"], flush=True)
    finally:
        purge(QUEUE)
    return results


def full(context: Context) -> list[Row]:
    """The shop's part of ``make bench``: the product list (first page and 50 cursors
    deep, and the smallest category in stock, uncached) and a product detail, next to
    the same reads in raw SQL; for the list the faster of the same query and its
    LATERAL rewrite is the ceiling."""
    params = context.infos["shop"]
    base = f"http://127.0.0.1:{PORT}"
    with serving("wsgi", server_env_for("wsgi"), PORT) as process:
        scenarios, same = urls_checked(base, params, 50)
        context.log(f"shop: same results as the ceilings: {same}")
        targets = {
            (name, kind): Target(url)
            for name, urls in scenarios.items()
            for kind, url in urls.items()
        }
        figures = interleaved(
            targets, rounds=context.rounds, duration=context.duration, log=context.log
        )
        rss = worker_rss_mib(process.pid)
    checks = {"list, first page": "first page", "list, 50 cursors deep": "deep page"}
    rows = []
    for name, urls in scenarios.items():
        notes = ["the API caches list pages in Redis, the ceilings read the database"]
        if name not in checks:
            notes = ["neither side caches"]
        if not same[checks.get(name, name)]:
            notes.append("ceiling answers differently")
        if name in checks:
            scenario = f"GET /api/v1/shop/products/ ({name}, {params['matching']:,} matching)"
        elif name == UNCACHED:
            scenario = (
                f"GET /api/v1/shop/products/?category=…&in_stock=true&ordering=price "
                f"(uncached: the smallest category, {params['small_category_products']:,} "
                f"products, of a Zipf catalog whose largest has "
                f"{params['largest_category_products']:,})"
            )
            notes = ["neither side caches (in_stock pages never are)"]
            if not same[name]:
                notes.append("ceiling answers differently")
        else:
            scenario = "GET /api/v1/shop/products/{id}/"
        rows.append(
            compared(
                "shop",
                scenario,
                (name, API_KIND),
                [(name, kind) for kind in urls if kind != API_KIND],
                figures,
                rss_mib=rss,
                note="; ".join(notes),
            )
        )
    return rows


def report(results: dict) -> None:
    server = results["server"]
    print(f"\n### {server}\n")
    rounds = results["wrk"][0]["rounds"]
    print(f"medians of {rounds} interleaved rounds; req/s range = lowest-highest round\n")
    print("| scenario | served by | conns | req/s | range | p50 ms | p95 ms | p99 ms | errors |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results["wrk"]:
        print(
            f"| {r['scenario']} | {r['kind']} | {r['c']} | {r['rps']:.0f} "
            f"| {r['rps_min']:.0f}-{r['rps_max']:.0f} | {r['p50_ms']:.1f} "
            f"| {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} |"
        )
    print("\n| scenario | API / ceiling | req/s at 16 | at 2 |")
    print("| --- | --- | ---: | ---: |")
    by = {(r["scenario"], r["kind"], r["c"]): r["rps"] for r in results["wrk"]}
    for name in dict.fromkeys(r["scenario"] for r in results["wrk"]):
        for ceiling in (SAME_KIND, LATERAL_KIND):
            if (name, ceiling, 16) in by:
                at16 = by[(name, API_KIND, 16)] / by[(name, ceiling, 16)]
                at2 = by[(name, API_KIND, 2)] / by[(name, ceiling, 2)]
                print(f"| {name} | {ceiling} | {at16:.0%} | {at2:.0%} |")
    print("\n| cold (Redis flushed before each) | served by | n | p50 ms | p95 ms | max ms |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for r in results["cold"]:
        print(
            f"| {r['scenario']} | {r['kind']} | {r['n']} | {r['p50_ms']:.1f} "
            f"| {r['p95_ms']:.1f} | {r['max_ms']:.1f} |"
        )
    c = results["checkout"]
    t, s = c["throughput"], c["sell_out"]
    print(
        f"\ncheckout, 16 buyers, one product: {t['orders_per_s']:.1f} orders/s "
        f"({t['orders']} in {t['seconds']} s; p50 {t['p50_ms']:.0f} ms, p95 {t['p95_ms']:.0f} ms; "
        f"statuses {t['statuses']}); stock {t['initial_stock']} -> {t['stock_after']}, "
        f"units sold {t['units_sold']}: no oversell {t['no_oversell']}"
    )
    print(
        f"sell-out of {s['initial_stock']}: statuses {s['statuses']}, stock after "
        f"{s['stock_after']}, units sold {s['units_sold']}: exact {s['exact']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per scenario")
    parser.add_argument("--servers", default="wsgi,asgi", help="wsgi, asgi or both (comma)")
    parser.add_argument("--depth", type=int, default=50, help="cursors followed for the deep page")
    parser.add_argument("--cold", type=int, default=50, help="cold requests per scenario")
    parser.add_argument("--checkout-seconds", type=int, default=15)
    parser.add_argument("--sellout", type=int, default=200)
    args = parser.parse_args()
    params = prepare([seed_spec(args.products)])["shop"]
    print("seeded:", params, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    for server in args.servers.split(","):
        results = measure(server, params, args)
        (OUT / f"shop-{server}.json").write_text(json.dumps(results, indent=2, default=str))
        report(results)


if __name__ == "__main__":
    main()
