"""Train the recommender now, in this process (the nightly task does the same)."""

from __future__ import annotations

from typing import Any

from core.management.atomic import ALL_OR_NOTHING, AtomicCommand
from movies.services import model_train


class Command(AtomicCommand):
    help = (
        "Fit the recommender on every rating and store it as the next model version. "
        f"{ALL_OR_NOTHING}"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = model_train()
        self.stdout.write(
            self.style.SUCCESS(
                f"train_recommender: v{report.version} on {report.ratings:,} ratings by "
                f"{report.users:,} raters and users, {report.items:,} movies, "
                f"{report.seconds:.2f}s"
            )
        )
