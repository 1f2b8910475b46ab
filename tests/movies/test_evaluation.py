"""The offline evaluation: the metric code against hand-computed values, the split,
and the shipped model beating the popularity baseline on a slice of MovieLens."""

from __future__ import annotations

import math

import numpy as np
import pytest

from movies import evaluation
from movies.evaluation import Ratings


def test_user_metrics_match_hand_computed_values():
    # Relevant {1, 3, 7}; ranked list hits at ranks 1 and 3 (items 1 and 3).
    metrics = evaluation.user_metrics([1, 2, 3, 4, 5, 6, 8, 9, 10, 11], {1, 3, 7}, k=10)

    dcg = 1 / math.log2(2) + 1 / math.log2(4)  # 1.5
    idcg = 1 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)  # 2.1309
    assert metrics["precision"] == pytest.approx(2 / 10)
    assert metrics["recall"] == pytest.approx(2 / 3)
    assert metrics["ndcg"] == pytest.approx(dcg / idcg)  # 0.7039
    assert metrics["map"] == pytest.approx((1 / 1 + 2 / 3) / 3)  # 0.5556


def test_aggregate_averages_users_with_relevant_items_and_counts_coverage():
    lists = {"a": [1, 2], "b": [3, 4], "c": [5, 6]}
    truth = {"a": {1}, "b": {9}}  # c has nothing relevant held out: not scored

    table = evaluation.aggregate(lists, truth, catalog_size=10, k=2)

    assert table["precision"] == pytest.approx((1 / 2 + 0) / 2)
    assert table["recall"] == pytest.approx((1 + 0) / 2)
    assert table["ndcg"] == pytest.approx((1 + 0) / 2)
    assert table["map"] == pytest.approx((1 + 0) / 2)
    assert table["coverage"] == pytest.approx(6 / 10)
    assert table["users"] == 2


def test_popularity_bias_is_the_mean_training_ratings_of_what_users_are_shown():
    train = Ratings(np.array([1, 1, 2, 2, 3]), np.array([10, 20, 10, 30, 10]), np.array([5.0] * 5))
    lists = {"a": [10, 20], "b": [30, 40], "c": [10, 10]}
    truth = {"a": {20}, "b": {40}}  # c is not scored

    table = evaluation.aggregate(
        lists, truth, catalog_size=4, k=2, item_counts=evaluation.rating_counts(train)
    )

    # a: items rated 3 and 1 times (mean 2); b: 1 and 0 (mean 0.5).
    assert evaluation.rating_counts(train) == {10: 3, 20: 1, 30: 1}
    assert table["popularity"] == pytest.approx((2 + 0.5) / 2)


def test_the_ranking_is_the_same_on_every_fit():
    rng = np.random.default_rng(3)
    users = rng.integers(0, 40, 600)
    items = rng.integers(0, 60, 600)
    scores = rng.choice([1.0, 2.5, 4.0, 5.0], 600)
    keep = np.unique(np.c_[users, items], axis=0, return_index=True)[1]
    ratings = Ratings(users[keep], items[keep], scores[keep])
    genres = {item: [item % 4] for item in range(60)}
    params = evaluation.Params(regularization=5.0, neighbours=20)

    lists = [
        evaluation.model_lists(evaluation.fit(ratings, genres, params), ratings, range(40))
        for _ in range(2)
    ]

    assert lists[0] == lists[1]
    assert all(len(ranked) == 10 for ranked in lists[0].values())


def test_popularity_baseline_skips_what_the_user_rated():
    train = Ratings(np.array([1, 1, 2, 2, 3]), np.array([10, 20, 10, 30, 10]), np.array([5.0] * 5))

    lists = evaluation.popularity_lists(train, [1, 4], k=2)

    assert lists == {1: [30], 4: [10, 20]}


def test_the_split_is_seeded_and_holds_out_a_fifth_of_each_user():
    users = np.repeat(np.arange(5), 10)
    ratings = Ratings(users, np.arange(50), np.full(50, 4.0))

    train, test = evaluation.split(ratings, seed=7)
    _again_train, again_test = evaluation.split(ratings, seed=7)

    assert np.array_equal(test.items, again_test.items)
    assert np.bincount(test.users, minlength=5).tolist() == [2] * 5
    assert len(train) == 40
    assert not set(train.items.tolist()) & set(test.items.tolist())


def test_the_shipped_model_beats_popularity_on_a_movielens_slice():
    from movies.management.commands.evaluate_recommender import movielens_ratings

    ratings, item_genres = movielens_ratings(users=200)

    rows = evaluation.evaluate(ratings, item_genres, evaluation.Params())

    popular = rows["most popular"]["ndcg"]
    assert rows["hybrid (shipped)"]["ndcg"] > 1.3 * popular
    assert rows["hybrid (shipped)"]["recall"] > rows["most popular"]["recall"]
    assert rows["hybrid (shipped)"]["coverage"] > rows["most popular"]["coverage"]


def test_similar_movies_are_the_positive_links_only():
    from scipy import sparse

    from movies.recommender import Params, Recommender

    # EASE keeps strong negative weights too ("seldom watched together"): never "similar".
    sim = sparse.csr_matrix(np.array([[0, 0.5, -0.9], [0.5, 0, 0], [-0.9, 0, 0]], np.float32))
    model = Recommender(
        item_ids=np.array([10, 20, 30]),
        sim=sim,
        popularity=np.ones(3, np.float32),
        item_genres=sparse.csr_matrix((3, 1), dtype=np.float32),
        genre_ids=np.array([1]),
        params=Params(),
    )

    assert model.similar(10) == [(20, 0.5)]
    assert model.similar(30) == []
