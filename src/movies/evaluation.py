"""Offline evaluation, the way the top-N literature does it: a seeded per-user
hold-out, relevant = rated 4 or more, top-10 Precision, Recall, NDCG, MAP and catalog
coverage. Pure numpy (no Django) so tests can check it against hand-computed values.

Definitions (``k`` = 10, ``R`` = the user's relevant held-out items, ``hit_i`` = 1 if
the item at rank ``i`` is in ``R``):

- Precision@k = hits / k; Recall@k = hits / |R|;
- NDCG@k = sum(hit_i / log2(i + 1)) / sum_{i <= min(|R|, k)} 1 / log2(i + 1);
- AP@k = sum(hit_i * Precision@i) / min(|R|, k); MAP@k is its mean;
- coverage = distinct items recommended to anyone / items in the catalogue;
- popularity bias (ARP@k, average recommendation popularity) = the mean, over users,
  of how many training ratings their top-k items have: the most-popular list sets the
  ceiling, a lower figure reaches further into the long tail.

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
    lists: dict[object, Sequence[int]],
    truth: dict[object, set[int]],
    catalog_size: int,
    k: int = K,
    item_counts: dict[int, int] | None = None,
) -> dict[str, float]:
    """Mean metrics over the users with relevant items, catalog coverage and, given
    each item's training ratings, the popularity bias (ARP@k)."""
    scored = [user_metrics(lists.get(user, []), relevant, k) for user, relevant in truth.items()]
    recommended = {item for ranked in lists.values() for item in list(ranked)[:k]}
    means = {
        name: float(np.mean([m[name] for m in scored])) if scored else 0.0
        for name in ("precision", "recall", "ndcg", "map")
    }
    means["coverage"] = len(recommended) / catalog_size if catalog_size else 0.0
    means["users"] = float(len(scored))
    if item_counts is not None:
        per_user = [
            np.mean([item_counts.get(item, 0) for item in list(lists[user])[:k]])
            for user in truth
            if lists.get(user)
        ]
        means["popularity"] = float(np.mean(per_user)) if per_user else 0.0
    return means


def rating_counts(train: Ratings) -> dict[int, int]:
    """How many training ratings each item has."""
    items, counts = np.unique(train.items, return_counts=True)
    return {int(item): int(count) for item, count in zip(items, counts, strict=True)}


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
    blend: tuple[Recommender, float] | None = None,
) -> dict[object, list[int]]:
    """Top-``k`` for each user from the model, batch-scored, minus what they rated.
    ``blend=(other, a)`` adds ``a`` times the other model's collaborative scores (each
    part normalised per user, as the hybrid does): for the evaluation only."""
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
        if blend is not None:
            other, share = blend
            scores += share * other.score_matrix(weights[start:stop], collaborative_only=True)
        scores[seen[start:stop].toarray() > 0] = -np.inf
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        for offset, candidates in enumerate(top):
            ordered = candidates[np.argsort(-scores[offset, candidates], kind="stable")]
            lists[users[start + offset]] = [int(model.item_ids[c]) for c in ordered]
    return lists


def fit(train: Ratings, item_genres: dict[int, list[int]], params: Params) -> Recommender:
    return Recommender.fit(
        users=train.users,
        items=train.items,
        scores=train.scores,
        item_genres=item_genres,
        params=params,
    )


CF_CANDIDATES = (
    # EASE on the ratings scaled to 0-1, then on 1 per rating (what shipped before),
    # then cosine item-kNN with three shrinkages.
    *(("ease", "rating", strength, 400) for strength in (100.0, 250.0, 500.0)),
    *(("ease", "binary", strength, 400) for strength in (300.0, 1000.0)),
    *(("cosine", "binary", strength, 100) for strength in (10.0, 50.0, 100.0)),
)


def tune(
    train: Ratings,
    item_genres: dict[int, list[int]],
    *,
    seed: int = 42,
    log: Callable[[str], None] = lambda line: None,
) -> tuple[Params, list[tuple[str, Params, float]]]:
    """Choose hyper-parameters by NDCG@10 on a validation split carved from ``train``
    (never the test split): first the collaborative part alone (EASE on ratings or on
    1 per rating and its lambda, cosine item-kNN and its shrinkage), then how many
    neighbours each item keeps, then the content and popularity weights of the hybrid.
    A blend of the best EASE with the best item-kNN is scored too: it ships only if it
    wins (it has not: the serving path scores one matrix)."""
    fit_part, validation = split(train, seed=seed + 1)
    truth = relevant_items(validation)
    tried: list[tuple[str, Params, float]] = []

    def score(
        label: str,
        model: Recommender,
        collaborative_only: bool,
        blend: tuple[Recommender, float] | None = None,
    ) -> float:
        lists = model_lists(
            model, fit_part, truth.keys(), collaborative_only=collaborative_only, blend=blend
        )
        ndcg = aggregate(lists, truth, len(model.item_ids))["ndcg"]
        tried.append((label, model.params, ndcg))
        log(f"  validation ndcg@10 {ndcg:.4f}  {label}  {model.params.as_dict()}")
        return ndcg

    models: dict[Params, tuple[Recommender, float]] = {}
    for algorithm, values, strength, neighbours in CF_CANDIDATES:
        params = Params(
            algorithm=algorithm,
            values=values,
            regularization=strength,
            neighbours=neighbours,
            content_weight=0.0,
            popularity_weight=0.0,
        )
        model = fit(fit_part, item_genres, params)
        models[params] = (model, score("collaborative only", model, True))
    best_ease = max((p for p in models if p.algorithm == "ease"), key=lambda p: models[p][1])
    best_cosine = max((p for p in models if p.algorithm == "cosine"), key=lambda p: models[p][1])
    for neighbours in (200, 800):
        params = replace(best_ease, neighbours=neighbours)
        model = fit(fit_part, item_genres, params)
        models[params] = (model, score("collaborative only", model, True))
    best = max(models, key=lambda p: models[p][1])
    for share in (0.1, 0.3):
        blended = score(
            f"blend + {share} x {best_cosine.algorithm} (shrinkage {best_cosine.regularization:g})",
            models[best][0],
            True,
            blend=(models[best_cosine][0], share),
        )
        if blended > models[best][1]:
            log(f"  note: the blend beats the best single model ({blended:.4f}); not shipped")
    model = models[best][0]
    best_hybrid, best_hybrid_score = best, -1.0
    for content in (0.0, 0.1, 0.2, 0.3):
        for popularity in (0.0, 0.05, 0.1):
            model.params = replace(best, content_weight=content, popularity_weight=popularity)
            ndcg = score("hybrid", model, False)
            if ndcg > best_hybrid_score:
                best_hybrid, best_hybrid_score = model.params, ndcg
    return best_hybrid, tried


def evaluate(
    ratings: Ratings,
    item_genres: dict[int, list[int]],
    params: Params,
    *,
    seed: int = 42,
    cosine_shrinkage: float = 50.0,  # what tune() chose for item-kNN
) -> dict[str, dict[str, float]]:
    """The table: popularity, the collaborative part alone and the hybrid on the
    seeded test split, then cosine item-kNN alone and blended with the collaborative
    part, for comparison."""
    train, test = split(ratings, seed=seed)
    truth = relevant_items(test)
    catalog = len(set(item_genres) | {int(i) for i in np.unique(ratings.items)})
    counts = rating_counts(train)

    def row(lists: dict[object, list[int]]) -> dict[str, float]:
        return aggregate(lists, truth, catalog, item_counts=counts)

    started = time.perf_counter()
    model = fit(train, item_genres, params)
    fit_seconds = time.perf_counter() - started
    rows = {
        "most popular": row(popularity_lists(train, truth.keys())),
        f"{params.algorithm} item-item (collaborative only)": row(
            model_lists(model, train, truth.keys(), collaborative_only=True)
        ),
        "hybrid (shipped)": row(model_lists(model, train, truth.keys())),
    }
    rows["hybrid (shipped)"]["fit_seconds"] = fit_seconds
    if params.algorithm != "cosine":
        cosine = fit(
            train,
            item_genres,
            replace(
                params,
                algorithm="cosine",
                values="binary",
                neighbours=100,
                regularization=cosine_shrinkage,
            ),
        )
        rows["cosine item-kNN (collaborative only, for comparison)"] = row(
            model_lists(cosine, train, truth.keys(), collaborative_only=True)
        )
        rows[f"{params.algorithm} + 0.1 x cosine blend (collaborative only, not shipped)"] = row(
            model_lists(model, train, truth.keys(), collaborative_only=True, blend=(cosine, 0.1))
        )
    return rows


def format_table(rows: dict[str, dict[str, float]]) -> str:
    lines = [
        "| model | P@10 | R@10 | NDCG@10 | MAP@10 | coverage | popularity bias (ARP@10) "
        "| NDCG vs popular |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    base = next(iter(rows.values()))["ndcg"] or 1.0
    for name, m in rows.items():
        popularity = f"{m['popularity']:.1f}" if "popularity" in m else "—"
        lines.append(
            f"| {name} | {m['precision']:.4f} | {m['recall']:.4f} | {m['ndcg']:.4f} "
            f"| {m['map']:.4f} | {m['coverage']:.3f} | {popularity} | {m['ndcg'] / base:.2f}x |"
        )
    return "\n".join(lines)
