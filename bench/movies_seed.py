"""Seed the movies bench database: MovieLens, ``--users`` Nexus users with a few
ratings each, then one training run (timed). Prints one JSON line."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from movies import services  # noqa: E402
from movies.models import Movie, Rating  # noqa: E402

PREFIX = "bench_movies_"
PASSWORD = "bench-movies-password-42"  # noqa: S105  (bench-only accounts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()
    call_command("import_movielens", stdout=open(os.devnull, "w"))  # noqa: SIM115
    User = get_user_model()
    popular = list(Movie.objects.order_by("-rating_count").values_list("id", flat=True)[:300])
    rng = random.Random("nexus-movies-bench")
    for n in range(args.users):
        username = f"{PREFIX}{n:04d}"
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@bench.invalid"}
        )
        if created:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        if not Rating.objects.filter(user=user).exists():
            for movie_id in rng.sample(popular, 5):
                services.rating_set(
                    user=user, movie_id=movie_id, score=Decimal(rng.choice(["3.0", "4.0", "5.0"]))
                )
    started = time.perf_counter()
    report = services.model_train()
    seconds = time.perf_counter() - started
    ids = list(User.objects.filter(username__startswith=PREFIX).values_list("id", flat=True))
    print(
        json.dumps(
            {
                "movies": Movie.objects.count(),
                "ratings": report.ratings,
                "users": len(ids),
                "model_version": report.version,
                "train_seconds": round(seconds, 2),
                "user_ids": ids,
            }
        )
    )


if __name__ == "__main__":
    main()
