"""Seed the voters of bench/polls_run.py: N users and one poll owner, and an access
token for each, minted directly (no login: the bench measures votes, not Argon2).

    DJANGO_SETTINGS_MODULE=config.settings.production ... python bench/polls_seed.py \
        --users 5000 --tokens bench/out/polls-tokens.json

Idempotent: users are created once (bulk, one shared password hash); tokens are
minted afresh on every run with ``core.identity.tokens.AccessToken.for_user`` (the class the
API authenticates with), valid for ``--hours``, and written to ``--tokens`` as
``{"owner": token, "voters": [token, ...]}``. The polls themselves are created by
the run, through the API, one per measurement. Prints one JSON line for the run.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import timedelta
from pathlib import Path

import django

BATCH = 5_000
VOTER_PREFIX = "bench_voter_"
OWNER = "bench_poll_owner"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--tokens", type=Path, required=True)
    parser.add_argument("--hours", type=int, default=12, help="the tokens' lifetime")
    args = parser.parse_args()

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from seed_core import PASSWORD

    from core.identity.models import User
    from core.identity.tokens import AccessToken

    started = time.perf_counter()
    password = make_password(PASSWORD)
    customer, _ = Group.objects.get_or_create(name="customer")
    owner, created = User.objects.get_or_create(
        username=OWNER, defaults={"email": "poll-owner@bench.test", "password": password}
    )
    if created:
        owner.groups.add(customer)
    have = User.objects.filter(username__startswith=VOTER_PREFIX).count()
    membership = User.groups.through
    for start in range(have, args.users, BATCH):
        rows = [
            User(username=f"{VOTER_PREFIX}{i}", email=f"voter{i}@bench.test", password=password)
            for i in range(start, min(start + BATCH, args.users))
        ]
        made = User.objects.bulk_create(rows)
        membership.objects.bulk_create(
            [membership(user_id=user.pk, group_id=customer.pk) for user in made]
        )
    seeded_in = time.perf_counter() - started

    # Voters in a stable order (bench_voter_0, 1, ...): each measurement takes them
    # from the start, one vote per user and poll.
    names = [f"{VOTER_PREFIX}{i}" for i in range(args.users)]
    by_name = {u.username: u for u in User.objects.filter(username__in=names)}
    lifetime = timedelta(hours=args.hours)

    def mint(user: User) -> str:
        token = AccessToken.for_user(user)
        token.set_exp(lifetime=lifetime)
        return str(token)

    started = time.perf_counter()
    tokens = {"owner": mint(owner), "voters": [mint(by_name[name]) for name in names]}
    minted_in = time.perf_counter() - started
    args.tokens.parent.mkdir(parents=True, exist_ok=True)
    args.tokens.write_text(json.dumps(tokens))
    print(
        json.dumps(
            {
                "users": len(names),
                "owner": OWNER,
                "seed_seconds": round(seeded_in, 1),
                "mint_seconds": round(minted_in, 1),
                "tokens": str(args.tokens),
                "token_hours": args.hours,
            }
        )
    )


if __name__ == "__main__":
    main()
