"""Seed the core tables at scale for benchmarks: users and notifications.

    DJANGO_SETTINGS_MODULE=config.settings.production ... python bench/seed_core.py \
        --users 200000 --notifications 1000000

Idempotent: it tops the tables up to the requested counts. All bench users
share one precomputed password hash (Argon2 per row would take hours), and
``bench_heavy`` owns a large share of the notifications, so cursor
pagination is measured on a long list.

Each notification is inserted with its creation time, spread over a year so the cursor
walks a real index (``bulk_create`` would stamp ``now()``, ``auto_now_add``): rewriting
it afterwards would leave every row's first version dead, its index entries at the head
of each user's newest-first range, which the first page would read until autovacuum
came (1,957 buffers instead of 28 at 100,000 notifications). Then the tables are
vacuumed and analyzed, as a table in service is.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta

import django
from common import vacuum_analyze

BATCH = 10_000
HEAVY_USER = "bench_heavy"
PASSWORD = "bench-password-123"  # noqa: S105 (bench-only account)
YEAR = timedelta(days=365)
# One statement per batch, every column given: no row written twice.
INSERT_NOTIFICATIONS = """
INSERT INTO core_notification (user_id, kind, title, body, data, created_at, read_at)
SELECT user_id, 'bench', title, 'Seeded for benchmarks.', '{}'::jsonb, created_at, read_at
FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::timestamptz[])
    AS seeded (user_id, title, created_at, read_at)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--notifications", type=int, default=1_000_000)
    parser.add_argument("--heavy-share", type=float, default=0.05)
    args = parser.parse_args()

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone

    from core.identity.models import User
    from core.notifications.models import Notification

    started = time.perf_counter()
    password = make_password(PASSWORD)
    customer, _ = Group.objects.get_or_create(name="customer")
    have = User.objects.filter(username__startswith="bench_").count()
    if not User.objects.filter(username=HEAVY_USER).exists():
        heavy = User.objects.create(
            username=HEAVY_USER, email="heavy@bench.test", password=password
        )
        heavy.groups.add(customer)
        have += 1
    membership = User.groups.through
    for start in range(have, args.users, BATCH):
        rows = [
            User(username=f"bench_{i}", email=f"bench_{i}@bench.test", password=password)
            for i in range(start, min(start + BATCH, args.users))
        ]
        created = User.objects.bulk_create(rows)
        membership.objects.bulk_create(
            [membership(user_id=user.pk, group_id=customer.pk) for user in created]
        )
    user_ids = list(User.objects.filter(username__startswith="bench_").values_list("pk", flat=True))
    heavy_id = User.objects.get(username=HEAVY_USER).pk

    have = Notification.objects.count()
    now = timezone.now()
    rng = random.Random(42)
    for start in range(have, args.notifications, BATCH):
        numbers = range(start, min(start + BATCH, args.notifications))
        owners = [
            heavy_id if rng.random() < args.heavy_share else rng.choice(user_ids) for _ in numbers
        ]
        created = [now - rng.random() * YEAR for _ in numbers]
        read = [now if rng.random() < 0.5 else None for _ in numbers]
        titles = [f"Notification {i}" for i in numbers]
        with connection.cursor() as cursor:
            cursor.execute(INSERT_NOTIFICATIONS, [owners, titles, created, read])
    vacuum_analyze(User._meta.db_table, membership._meta.db_table, Notification._meta.db_table)

    print(
        f"users={User.objects.count()} notifications={Notification.objects.count()} "
        f"heavy_user_notifications={Notification.objects.filter(user_id=heavy_id).count()} "
        f"in {time.perf_counter() - started:.1f}s"
    )


if __name__ == "__main__":
    main()
