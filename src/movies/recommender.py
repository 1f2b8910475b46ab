"""The recommender itself: pure numpy/scipy, no Django, so training, serving and the
offline evaluation run the very same code.

Collaborative part: item-item weights, either EASE (Steck, "Embarrassingly Shallow
Autoencoders", 2019: a ridge regression of each item on all others, closed form,
one matrix inverse over the items rated at least ``min_support`` times) or shrunk
cosine neighbours; each item keeps its ``neighbours`` links largest in magnitude
(EASE's negative ones too) in a sparse matrix ``S``. A user is scored by summing, over
what they rated or favorited, the rows of those items weighted by how much they liked
them: ``score = w @ S``. That is the fold-in: a new rating changes ``w`` and the next
list uses it, with no retraining. EASE, fitted on the ratings scaled to 0-1, ships
because it measured best on a validation split (the hybrid's NDCG@10 on the test split
is about 2.1x the popularity baseline, against 1.5x for cosine item-kNN and no gain
from blending the two; see ``manage.py evaluate_recommender`` and bench/RESULTS.md).

Hybrid: ``cf / max(cf) + content_weight * genre affinity + popularity_weight *
log-popularity``; genres the user dislikes are damped. With no collaborative signal
the user gets popularity, steered by their favorite genres if they stated any.

The artefact (``Recommender.dumps``) is a compressed ``.npz`` (no pickle): item ids,
the sparse item-item matrix, popularity, the item-genre matrix and the parameters.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import linalg, sparse

# Weight of a rating in a user's profile: how much "rated X" pulls X's neighbours.
# ``liked``: max(score - 2.5, 0) (a 2.0 pulls nothing, a 5.0 pulls most);
# ``binary``: every rating pulls 1 (implicit feedback).
WEIGHTINGS = ("liked", "binary")
FAVORITE_SCORE = 5.0  # a favorite counts as a 5.0 rating
DISLIKED_GENRE_DAMPING = 0.3


ALGORITHMS = ("ease", "cosine")


@dataclass(frozen=True)
class Params:
    """The shipped defaults are what ``evaluate_recommender --tune`` chose on a
    validation split carved from the training part of MovieLens (never the test split;
    the figures are in bench/RESULTS.md): EASE on the ratings scaled to 0-1 over EASE on
    1 per rating and over cosine item-kNN, its lambda, the neighbours each item keeps,
    then the genre and popularity weights of the hybrid."""

    # ``ease``: regularised least-squares item-item weights (Steck 2019), ``regularization``
    # is its lambda; ``cosine``: shrunk cosine similarity, ``regularization`` is the
    # shrinkage. Each item keeps its ``neighbours`` links largest in magnitude (EASE's
    # negative ones included; cosine has none).
    algorithm: str = "ease"
    neighbours: int = 400
    regularization: float = 250.0
    weighting: str = "liked"
    content_weight: float = 0.2
    popularity_weight: float = 0.1
    # EASE inverts an items x items matrix: only items rated at least this often
    # take part (about half the catalogue, nearly every rating).
    min_support: int = 3
    # What EASE's user-item matrix holds: ``rating`` (the score / 5) or ``binary`` (1
    # per rating, whatever the score).
    values: str = "rating"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rating_weight(scores: np.ndarray, weighting: str) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float32)
    if weighting == "binary":
        return np.ones_like(scores)
    return np.maximum(scores - 2.5, 0.0)


def ease_neighbours(
    users: np.ndarray,
    items: np.ndarray,
    n_users: int,
    n_items: int,
    *,
    k: int,
    regularization: float,
    min_support: int,
    values: np.ndarray | None = None,
) -> sparse.csr_matrix:
    """EASE item-item weights ``B = I - P / diag(P)``, ``P = (X'X + lambda I)^-1``, on
    the user-item matrix restricted to items with ``min_support`` ratings: ``X`` holds
    ``values`` (the ratings scaled to 0-1) or, without them, 1 per rating. Row ``j``
    keeps the ``k`` weights from ``j`` to other items largest in magnitude, negative
    ones included (an item that predicts another's absence pulls it down)."""
    data = np.ones(len(users), dtype=np.float32) if values is None else values
    x = sparse.csr_matrix(
        (np.asarray(data, dtype=np.float32), (users, items)), shape=(n_users, n_items)
    )
    np.minimum(x.data, 1.0, out=x.data)  # a duplicate (should not exist) counts once
    counts = np.bincount(items, minlength=n_items)
    keep = np.flatnonzero(counts >= max(min_support, 1))
    if len(keep) < 2:
        return sparse.csr_matrix((n_items, n_items), dtype=np.float32)
    dense = x[:, keep].toarray()
    gram = dense.T @ dense  # float32, as before: half the memory of float64
    del dense
    gram[np.diag_indices_from(gram)] += regularization
    # LAPACK in place (getrf, getri): no second items x items matrix for the inverse.
    weights = linalg.inv(gram, overwrite_a=True, check_finite=False)
    del gram
    weights /= -np.diag(weights).copy()[None, :]  # in place: one items x items matrix
    np.fill_diagonal(weights, 0.0)
    k = max(1, min(k, len(keep) - 1))
    rows, cols, vals = [], [], []
    block = 512  # rows at a time: the selection's temporaries stay block x items
    for start in range(0, len(keep), block):
        part = weights[start : start + block]
        top = np.argpartition(-np.abs(part), k - 1, axis=1)[:, :k]
        kept = np.take_along_axis(part, top, axis=1)
        nonzero = kept != 0
        rows.append(np.repeat(keep[start : start + block], k).reshape(top.shape)[nonzero])
        cols.append(keep[top][nonzero])
        vals.append(kept[nonzero])
    return sparse.csr_matrix(
        (np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_items, n_items),
    )


def item_neighbours(
    users: np.ndarray, items: np.ndarray, n_users: int, n_items: int, *, k: int, shrink: float
) -> sparse.csr_matrix:
    """Top-``k`` cosine neighbours of each item on the binary user-item matrix.

    Row ``j`` holds the items most similar to ``j`` (the diagonal excluded). Computed
    in blocks of items so memory stays at ``block x n_items`` floats whatever the
    catalogue size."""
    x = sparse.csr_matrix(
        (np.ones(len(users), dtype=np.float32), (users, items)), shape=(n_users, n_items)
    )
    x.data[:] = 1.0  # duplicates (should not exist) count once
    xt = x.T.tocsr()
    counts = np.asarray(x.sum(axis=0)).ravel().astype(np.float32)
    norms = np.sqrt(counts)
    k = max(1, min(k, n_items - 1)) if n_items > 1 else 1
    rows, cols, vals = [], [], []
    block = 1024
    for start in range(0, n_items, block):
        stop = min(start + block, n_items)
        co = (xt[start:stop] @ x).toarray()  # block x n_items co-occurrence counts
        denominator = np.outer(norms[start:stop], norms) + shrink
        sim = np.divide(co, denominator, out=np.zeros_like(co), where=denominator > 0)
        sim[np.arange(stop - start), np.arange(start, stop)] = 0.0
        if n_items > k:
            top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        else:
            top = np.tile(np.arange(n_items), (stop - start, 1))
        top_vals = np.take_along_axis(sim, top, axis=1)
        keep = top_vals > 0
        local_rows = np.repeat(np.arange(start, stop), top.shape[1]).reshape(top.shape)
        rows.append(local_rows[keep])
        cols.append(top[keep])
        vals.append(top_vals[keep])
    if not rows:
        return sparse.csr_matrix((n_items, n_items), dtype=np.float32)
    return sparse.csr_matrix(
        (np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_items, n_items),
    )


@dataclass
class Profile:
    """What serving knows about a user: ratings and favorites by item id, and stated
    genre preferences by genre id."""

    ratings: dict[int, float] = field(default_factory=dict)
    favorites: set[int] = field(default_factory=set)
    liked_genres: set[int] = field(default_factory=set)
    disliked_genres: set[int] = field(default_factory=set)

    @property
    def seen(self) -> set[int]:
        return set(self.ratings) | self.favorites


@dataclass
class Recommendation:
    item_id: int
    score: float
    # ("rated", item_id, score) | ("favorited", item_id, None) | ("genre", genre_id, None)
    # | ("popular", None, None)
    reason: tuple[str, int | None, float | None]


class Recommender:
    """A trained model: ``fit`` on (user, item, score) triples, ``recommend`` for a
    profile, ``similar`` for an item."""

    def __init__(
        self,
        *,
        item_ids: np.ndarray,
        sim: sparse.csr_matrix,
        popularity: np.ndarray,
        item_genres: sparse.csr_matrix,
        genre_ids: np.ndarray,
        params: Params,
    ) -> None:
        self.item_ids = np.asarray(item_ids, dtype=np.int64)
        self.index = {int(item): n for n, item in enumerate(self.item_ids)}
        self.sim = sim.tocsr()
        self.popularity = np.asarray(popularity, dtype=np.float32)
        self.item_genres = item_genres.tocsr().astype(np.float32)
        self.genre_ids = np.asarray(genre_ids, dtype=np.int64)
        self.genre_index = {int(genre): n for n, genre in enumerate(self.genre_ids)}
        self.params = params
        self._popular_order = np.argsort(-self.popularity, kind="stable")

    # --- training --------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        *,
        users: np.ndarray,
        items: np.ndarray,
        item_genres: dict[int, list[int]],
        params: Params,
        scores: np.ndarray | None = None,
    ) -> Recommender:
        """``users``/``items``/``scores``: one entry per rating (any hashable user key,
        item ids, 0.5-5.0; without scores every rating counts as a 5.0).
        ``item_genres``: every catalogue item (rated or not) with its genre ids."""
        item_ids = np.array(sorted(set(item_genres) | {int(i) for i in np.unique(items)}))
        index = {int(item): n for n, item in enumerate(item_ids)}
        _, user_codes = np.unique(np.asarray(users), return_inverse=True)
        item_codes = np.fromiter((index[int(i)] for i in items), dtype=np.int64, count=len(items))
        n_users = int(user_codes.max()) + 1 if len(user_codes) else 0
        if params.algorithm == "ease":
            sim = ease_neighbours(
                user_codes,
                item_codes,
                n_users,
                len(item_ids),
                k=params.neighbours,
                regularization=params.regularization,
                min_support=params.min_support,
                values=None if params.values != "rating" or scores is None else scores / 5.0,
            )
        else:
            sim = item_neighbours(
                user_codes,
                item_codes,
                n_users,
                len(item_ids),
                k=params.neighbours,
                shrink=params.regularization,
            )
        counts = np.bincount(item_codes, minlength=len(item_ids)).astype(np.float32)
        popularity = np.log1p(counts)
        if popularity.max() > 0:
            popularity /= popularity.max()
        genre_ids = np.array(sorted({g for gs in item_genres.values() for g in gs}), dtype=np.int64)
        genre_index = {int(g): n for n, g in enumerate(genre_ids)}
        rows, cols = [], []
        for item, genres in item_genres.items():
            for genre in genres:
                rows.append(index[int(item)])
                cols.append(genre_index[int(genre)])
        item_genre_matrix = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(item_ids), len(genre_ids)),
        )
        return cls(
            item_ids=item_ids,
            sim=sim,
            popularity=popularity,
            item_genres=item_genre_matrix,
            genre_ids=genre_ids,
            params=params,
        )

    # --- scoring ---------------------------------------------------------------

    def _weights(self, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
        """Profile -> (item indices, weights) for the items the model knows."""
        signal: dict[int, float] = {}
        for item, score in profile.ratings.items():
            if item in self.index:
                signal[self.index[item]] = float(
                    rating_weight(np.array([score]), self.params.weighting)[0]
                )
        for item in profile.favorites:
            if item in self.index:
                weight = float(rating_weight(np.array([FAVORITE_SCORE]), self.params.weighting)[0])
                signal[self.index[item]] = max(signal.get(self.index[item], 0.0), weight)
        idx = np.fromiter(signal.keys(), dtype=np.int64, count=len(signal))
        weights = np.fromiter(signal.values(), dtype=np.float32, count=len(signal))
        return idx, weights

    def _genre_affinity(self, idx: np.ndarray, weights: np.ndarray, profile: Profile) -> np.ndarray:
        affinity = np.zeros(len(self.genre_ids), dtype=np.float32)
        if len(idx):
            affinity += np.asarray(weights @ self.item_genres[idx].toarray()).ravel()
            if affinity.max() > 0:
                affinity /= affinity.max()
        for genre in profile.liked_genres:
            if genre in self.genre_index:
                affinity[self.genre_index[genre]] += 1.0
        return affinity

    def score(self, profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(final scores, the collaborative part, the content part) for every item."""
        idx, weights = self._weights(profile)
        params = self.params
        cf = np.zeros(len(self.item_ids), dtype=np.float32)
        if len(idx) and weights.any():
            cf = np.asarray(self.sim[idx].T @ weights, dtype=np.float32).ravel()
            if cf.size and cf.max() > 0:
                cf = cf / cf.max()
        affinity = self._genre_affinity(idx, weights, profile)
        content = np.zeros(len(self.item_ids), dtype=np.float32)
        if affinity.any():
            genre_counts = np.asarray(self.item_genres.sum(axis=1)).ravel()
            content = self.item_genres @ affinity / np.sqrt(np.maximum(genre_counts, 1.0))
            if content.max() > 0:
                content = content / content.max()
        final = cf + params.content_weight * content + params.popularity_weight * self.popularity
        if not (cf > 0).any():
            # No collaborative signal: popularity leads, stated genres steer it.
            final = self.popularity + 0.5 * content
        if profile.disliked_genres:
            disliked = [
                self.genre_index[g] for g in profile.disliked_genres if g in self.genre_index
            ]
            if disliked:
                hit = np.asarray(self.item_genres[:, disliked].sum(axis=1)).ravel() > 0
                final = np.where(hit, final * DISLIKED_GENRE_DAMPING, final)
        return final, cf, content

    def recommend(
        self,
        profile: Profile,
        *,
        n: int,
        exclude: set[int] | None = None,
        allowed: set[int] | None = None,
    ) -> list[Recommendation]:
        """The ``n`` best items not in ``exclude`` (and in ``allowed`` if given), each
        with the strongest reason."""
        final, cf, content = self.score(profile)
        blocked = {self.index[i] for i in (exclude or set()) | profile.seen if i in self.index}
        order = np.argsort(-final, kind="stable")
        picked: list[int] = []
        allowed_idx = {self.index[i] for i in allowed if i in self.index} if allowed else None
        for position in order:
            position = int(position)
            if position in blocked or (allowed_idx is not None and position not in allowed_idx):
                continue
            picked.append(position)
            if len(picked) >= n:
                break
        idx, weights = self._weights(profile)
        # The profile's rows of S, by column: what each rated item gives each pick.
        given = self.sim[idx].tocsc() if len(idx) else None
        return [
            Recommendation(
                item_id=int(self.item_ids[p]),
                score=round(float(final[p]), 6),
                reason=self._reason(p, idx, weights, given, profile, cf[p], content[p]),
            )
            for p in picked
        ]

    def _reason(
        self,
        position: int,
        idx: np.ndarray,
        weights: np.ndarray,
        given: sparse.csc_matrix | None,
        profile: Profile,
        cf: float,
        content: float,
    ) -> tuple[str, int | None, float | None]:
        if cf > 0 and len(idx) and given is not None:
            column = given[:, position]  # row n: what idx[n] gives this item
            sims = dict(zip(column.indices.tolist(), column.data.tolist(), strict=True))
            contributions = [(weights[n] * sims.get(n, 0.0), int(j)) for n, j in enumerate(idx)]
            best, source = max(contributions)
            if best > 0:
                item = int(self.item_ids[source])
                if item in profile.ratings:
                    return ("rated", item, profile.ratings[item])
                return ("favorited", item, None)
        genres = self.item_genres[position].indices
        if content > 0 and len(genres):
            liked = [
                int(self.genre_ids[g]) for g in genres if self.genre_ids[g] in profile.liked_genres
            ]
            if liked:
                return ("genre", liked[0], None)
        return ("popular", int(self.genre_ids[genres[0]]) if len(genres) else None, None)

    def similar(self, item_id: int, *, n: int = 10) -> list[tuple[int, float]]:
        """The item's nearest neighbours, most similar first (its positive links only:
        an EASE weight below zero says "seldom together", not "similar")."""
        position = self.index.get(item_id)
        if position is None:
            return []
        row = self.sim[position]
        order = np.argsort(-row.data, kind="stable")[:n]
        pairs = ((int(self.item_ids[row.indices[o]]), float(row.data[o])) for o in order)
        return [(item, weight) for item, weight in pairs if weight > 0]

    def popular(self, *, n: int, exclude: set[int] | None = None) -> list[int]:
        blocked = exclude or set()
        out = []
        for position in self._popular_order:
            item = int(self.item_ids[position])
            if item not in blocked:
                out.append(item)
                if len(out) >= n:
                    break
        return out

    # --- batch scoring for the evaluation ---------------------------------------

    def score_matrix(
        self, weights: sparse.csr_matrix, *, collaborative_only: bool = False
    ) -> np.ndarray:
        """Scores for many users at once: ``weights`` is users x items (model indices),
        already weighted. No stated preferences (the dataset has none)."""
        cf = np.asarray((weights @ self.sim).todense(), dtype=np.float32)
        top = cf.max(axis=1, keepdims=True)
        cf = np.divide(cf, top, out=np.zeros_like(cf), where=top > 0)
        if collaborative_only:
            return cf
        affinity = np.asarray((weights @ self.item_genres).todense(), dtype=np.float32)
        amax = affinity.max(axis=1, keepdims=True)
        affinity = np.divide(affinity, amax, out=np.zeros_like(affinity), where=amax > 0)
        genre_counts = np.asarray(self.item_genres.sum(axis=1)).ravel()
        content = np.asarray(affinity @ self.item_genres.T.toarray(), dtype=np.float32)
        content /= np.sqrt(np.maximum(genre_counts, 1.0))[None, :]
        cmax = content.max(axis=1, keepdims=True)
        content = np.divide(content, cmax, out=np.zeros_like(content), where=cmax > 0)
        return (
            cf
            + self.params.content_weight * content
            + self.params.popularity_weight * self.popularity[None, :]
        )

    # --- the artefact -----------------------------------------------------------

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            item_ids=self.item_ids,
            sim_data=self.sim.data,
            sim_indices=self.sim.indices,
            sim_indptr=self.sim.indptr,
            popularity=self.popularity,
            genre_indices=self.item_genres.indices,
            genre_indptr=self.item_genres.indptr,
            genre_ids=self.genre_ids,
            params=np.frombuffer(json.dumps(self.params.as_dict()).encode(), dtype=np.uint8),
        )
        return buffer.getvalue()

    @classmethod
    def loads(cls, blob: bytes) -> Recommender:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            n = len(data["item_ids"])
            sim = sparse.csr_matrix(
                (data["sim_data"], data["sim_indices"], data["sim_indptr"]), shape=(n, n)
            )
            genre_ids = data["genre_ids"]
            item_genres = sparse.csr_matrix(
                (
                    np.ones(len(data["genre_indices"]), dtype=np.float32),
                    data["genre_indices"],
                    data["genre_indptr"],
                ),
                shape=(n, len(genre_ids)),
            )
            params = Params(**json.loads(bytes(data["params"]).decode()))
            return cls(
                item_ids=data["item_ids"],
                sim=sim,
                popularity=data["popularity"],
                item_genres=item_genres,
                genre_ids=genre_ids,
                params=params,
            )
