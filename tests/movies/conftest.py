"""Fixtures shared by the movies tests."""

from __future__ import annotations

import pytest

from movies import selectors
from tests.movies.factories import Catalog


@pytest.fixture(autouse=True)
def _fresh_model_memory():
    """Each test's database starts again at model version 1: forget models loaded by
    earlier tests (a process keeps the artefact per version)."""
    selectors._models.clear()
    yield
    selectors._models.clear()


@pytest.fixture
def catalog(db) -> Catalog:
    return Catalog()


@pytest.fixture
def trained(catalog) -> Catalog:
    from movies import services
    from movies.recommender import Params

    # The shipped lambda (250) is tuned for MovieLens' 100k ratings; on 30 raters it
    # would drown the signal, so the tests' model uses a lambda sized for them.
    services.model_train(params=Params(regularization=5.0))
    return catalog
