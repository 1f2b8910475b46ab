"""Offline evaluation, the way the top-N literature does it: a seeded per-user
hold-out, relevant = rated 4 or more, top-10 Precision, Recall, NDCG, MAP and catalog
coverage. Pure numpy (no Django) so tests can check it against hand-computed values.

Definitions (``k`` = 10, ``R`` = the user's relevant held-out items, ``hit_i`` = 1 if
the item at rank ``i`` is in ``R``):

- Precision@k = hits / k; Recall@k = hits / |R|;
- NDCG@k = sum(hit_i / log2(i + 1)) / sum_{i <= min(|R|, k)} 1 / log2(i + 1);
- AP@k = sum(hit_i * Precision@i) / min(|R|, k); MAP@k is its mean;
- coverage = distinct items recommended to anyone / items in the catalogue.

Users with no relevant held-out item are not scored (they have nothing to find).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from movies.recommender import Params, Recommender, rating_weight

RELEVANT = 4.0
K = 10


@dataclass(frozen=True)
class Ratings:
    users: np.ndarray  # user keys
    items: np.ndarray  # item ids
    scores: np.ndarray

    def take(self, mask: np.ndarray) -> Ratings:
        return Ratings(self.users[mask], self.items[mask], self.scores[mask])

    def __len__(self) -> int:
        return len(self.users)


def split(ratings: Ratings, *, fraction: float = 0.2, seed: int = 42) -> tuple[Ratings, Ratings]:
    """Hold out ``fraction`` of each user's ratings (rounded, at least one when the user
    has two or more), chosen by a seeded shuffle: the same split on every run."""
    rng = np.random.default_rng(seed)
    held = np.zeros(len(ratings), dtype=bool)
    order = np.argsort(ratings.users, kind="stable")
    users = ratings.users[order]
    boundaries = np.flatnonzero(np.r_[True, users[1:] != users[:-1], True])
    for start, stop in itertools.pairwise(boundaries):
        size = stop - start
        n_held = round(size * fraction)
        if size >= 2:
            n_held = max(n_held, 1)
        if n_held:
            chosen = rng.choice(size, size=n_held, replace=False)
            held[order[start + chosen]] = True
    return ratings.take(~held), ratings.take(held)


def user_metrics(ranked: Sequence[int], relevant: set[int], k: int = K) -> dict[str, float]:
    """Precision, Recall, NDCG and AP at ``k`` for one user's ranked list."""
    top = list(ranked)[:k]
    hits = [1.0 if item in relevant else 0.0 for item in top]
    n_hits = sum(hits)
    dcg = sum(hit / np.log2(rank + 2) for rank, hit in enumerate(hits))
    ideal = sum(1 / np.log2(rank + 2) for rank in range(min(len(relevant), k)))
    precisions, found = [], 0.0
    for rank, hit in enumerate(hits):
        if hit:
            found += 1
            precisions.append(found / (rank + 1))
    return {
        "precision": n_hits / k,
        "recall": n_hits / len(relevant) if relevant else 0.0,
        "ndcg": float(dcg / ideal) if ideal else 0.0,
        "map": sum(precisions) / min(len(relevant), k) if relevant else 0.0,
    }


def aggregate(
    lists: dict[object, Sequence[int]], truth: dict[object, set[int]], catalog_size: int, k: int = K
) -> dict[str, float]:
    """Mean metrics over the users with relevant items, and catalog coverage."""
    scored = [user_metrics(lists.get(user, []), relevant, k) for user, relevant in truth.items()]
    recommended = {item for ranked in lists.values() for item in list(ranked)[:k]}
    means = {
        name: float(np.mean([m[name] for m in scored])) if scored else 0.0
        for name in ("precision", "recall", "ndcg", "map")
    }
    means["coverage"] = len(recommended) / catalog_size if catalog_size else 0.0
    means["users"] = float(len(scored))
    return means


def relevant_items(test: Ratings) -> dict[object, set[int]]:
    truth: dict[object, set[int]] = {}
    for user, item, score in zip(test.users, test.items, test.scores, strict=True):
        if score >= RELEVANT:
            truth.setdefault(user.item() if hasattr(user, "item") else user, set()).add(int(item))
    return truth


def _seen(train: Ratings) -> dict[object, set[int]]:
    seen: dict[object, set[int]] = {}
    for user, item in zip(train.users, train.items, strict=True):
        seen.setdefault(user.item() if hasattr(user, "item") else user, set()).add(int(item))
    return seen


def popularity_lists(
    train: Ratings, users: Iterable[object], k: int = K
) -> dict[object, list[int]]:
    """Most-rated items of the training split, minus what each user already rated."""
    items, counts = np.unique(train.items, return_counts=True)
    order = items[np.lexsort((items, -counts))]
    seen = _seen(train)
    lists = {}
    for user in users:
        mine = seen.get(user, set())
        ranked = []
        for item in order:
            if int(item) not in mine:
                ranked.append(int(item))
                if len(ranked) >= k:
                    break
        lists[user] = ranked
    return lists


def model_lists(
    model: Recommender,
    train: Ratings,
    users: Iterable[object],
    *,
    collaborative_only: bool = False,
    k: int = K,
    batch: int = 256,
) -> dict[object, list[int]]:
    """Top-``k`` for each user from the model, batch-scored, minus what they rated."""
    users = list(users)
    row_of = {user: n for n, user in enumerate(users)}
    mask = np.fromiter((u.item() in row_of for u in train.users), dtype=bool, count=len(train))
    sub = train.take(mask)
    rows = np.fromiter((row_of[u.item()] for u in sub.users), dtype=np.int64, count=len(sub))
    cols = np.fromiter((model.index[int(i)] for i in sub.items), dtype=np.int64, count=len(sub))
    weights = sparse.csr_matrix(
        (rating_weight(sub.scores, model.params.weighting), (rows, cols)),
        shape=(len(users), len(model.item_ids)),
    )
    seen = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=weights.shape
    )
    lists: dict[object, list[int]] = {}
    for start in range(0, len(users), batch):
        stop = min(start + batch, len(users))
        scores = model.score_matrix(weights[start:stop], collaborative_only=collaborative_only)
        scores[seen[start:stop].toarray() > 0] = -np.inf
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        for offset, candidates in enumerate(top):
            ordered = candidates[np.argsort(-scores[offset, candidates], kind="stable")]
            lists[users[start + offset]] = [int(model.item_ids[c]) for c in ordered]
    return lists


def fit(train: Ratings, item_genres: dict[int, list[int]], params: Params) -> Recommender:
    return Recommender.fit(
        users=train.users, items=train.items, item_genres=item_genres, params=params
    )


def tune(
    train: Ratings,
    item_genres: dict[int, list[int]],
    *,
    seed: int = 42,
    log: Callable[[str], None] = lambda line: None,
) -> tuple[Params, list[tuple[Params, float]]]:
    """Choose hyper-parameters by NDCG@10 on a validation split carved from ``train``
    (never the test split): first the neighbourhood (size, shrinkage, weighting) on the
    collaborative part alone, then the content and popularity weights of the hybrid."""
    fit_part, validation = split(train, seed=seed + 1)
    truth = relevant_items(validation)
    tried: list[tuple[Params, float]] = []

    def score(params: Params, collaborative_only: bool) -> float:
        model = fit(fit_part, item_genres, params)
        lists = model_lists(model, fit_part, truth.keys(), collaborative_only=collaborative_only)
        ndcg = aggregate(lists, truth, len(model.item_ids))["ndcg"]
        tried.append((params, ndcg))
        log(f"  validation ndcg@10 {ndcg:.4f}  {params.as_dict()}  cf-only={collaborative_only}")
        return ndcg

    best, best_score = Params(), -1.0
    for algorithm, strengths in (("ease", (100.0, 300.0, 1000.0)), ("cosine", (10.0,))):
        for weighting in ("liked", "binary"):
            for strength in strengths:
                params = Params(
                    algorithm=algorithm,
                    regularization=strength,
                    weighting=weighting,
                    neighbours=200 if algorithm == "ease" else 100,
                    content_weight=0.0,
                    popularity_weight=0.0,
                )
                ndcg = score(params, True)
                if ndcg > best_score:
                    best, best_score = params, ndcg
    best_hybrid, best_hybrid_score = best, -1.0
    for content in (0.0, 0.05, 0.1):
        for popularity in (0.0, 0.05):
            params = replace(best, content_weight=content, popularity_weight=popularity)
            ndcg = score(params, False)
            if ndcg > best_hybrid_score:
                best_hybrid, best_hybrid_score = params, ndcg
    return best_hybrid, tried


def evaluate(
    ratings: Ratings,
    item_genres: dict[int, list[int]],
    params: Params,
    *,
    seed: int = 42,
) -> dict[str, dict[str, float]]:
    """The table: popularity, the collaborative part alone and the hybrid on the
    seeded test split."""
    train, test = split(ratings, seed=seed)
    truth = relevant_items(test)
    catalog = len(set(item_genres) | {int(i) for i in np.unique(ratings.items)})
    started = time.perf_counter()
    model = fit(train, item_genres, params)
    fit_seconds = time.perf_counter() - started
    rows = {
        "most popular": aggregate(popularity_lists(train, truth.keys()), truth, catalog),
        f"{params.algorithm} item-item (collaborative only)": aggregate(
            model_lists(model, train, truth.keys(), collaborative_only=True), truth, catalog
        ),
        "hybrid (shipped)": aggregate(model_lists(model, train, truth.keys()), truth, catalog),
    }
    rows["hybrid (shipped)"]["fit_seconds"] = fit_seconds
    if params.algorithm != "cosine":
        cosine = fit(
            train,
            item_genres,
            replace(params, algorithm="cosine", neighbours=100, regularization=10.0),
        )
        rows["cosine item-kNN (collaborative only, for comparison)"] = aggregate(
            model_lists(cosine, train, truth.keys(), collaborative_only=True), truth, catalog
        )
    return rows


def format_table(rows: dict[str, dict[str, float]]) -> str:
    lines = [
        "| model | P@10 | R@10 | NDCG@10 | MAP@10 | coverage | NDCG vs popular |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    base = next(iter(rows.values()))["ndcg"] or 1.0
    for name, m in rows.items():
        lines.append(
            f"| {name} | {m['precision']:.4f} | {m['recall']:.4f} | {m['ndcg']:.4f} "
            f"| {m['map']:.4f} | {m['coverage']:.3f} | {m['ndcg'] / base:.2f}x |"
        )
    return "\n".join(lines)
