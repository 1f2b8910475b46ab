"""The MovieLens import: idempotent, raters kept out of the user table, rows without
a title skipped and counted, aggregates exact."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from movies.importer import movielens_import
from movies.models import Genre, Movie, Rater, Rating

pytestmark = pytest.mark.django_db

NAN = float("nan")
COLUMNS = {
    "movieId": [1, 2, 1, 3, 2],
    "title": ["Matrix, The", "Toy Story", "Matrix, The", NAN, "Toy Story"],
    "year": [1999.0, 1995.0, 1999.0, NAN, 1995.0],
    "genres": [
        "Action|Sci-Fi",
        "Animation|Children",
        "Action|Sci-Fi",
        "Drama",
        "Animation|Children",
    ],
    "userId": [10, 10, 11, 11, 12],
    "rating": [5.0, 3.5, 4.0, 2.0, 4.5],
    "timestamp": [1260759144, 1260759179, 1260759182, 1260759185, 1260759205],
}


def test_import_loads_movies_genres_raters_and_ratings_and_skips_untitled_rows():
    users_before = get_user_model().objects.count()

    report = movielens_import(COLUMNS)

    assert (report.movies_created, report.ratings_created, report.raters_created) == (2, 4, 3)
    assert report.skipped_without_title == 1
    matrix = Movie.objects.get(movielens_id=1)
    assert (matrix.title, matrix.year) == ("The Matrix", 1999)
    assert sorted(matrix.genres.values_list("name", flat=True)) == ["Action", "Sci-Fi"]
    assert (matrix.rating_count, matrix.rating_sum, matrix.rating_avg) == (2, Decimal("9.0"), 4.5)
    assert Genre.objects.count() == 4
    assert Rater.objects.count() == 3
    assert Rating.objects.filter(user__isnull=False).count() == 0
    assert get_user_model().objects.count() == users_before  # raters are not accounts


def test_import_is_idempotent():
    movielens_import(COLUMNS)

    again = movielens_import(COLUMNS)

    assert (again.movies_created, again.ratings_created, again.raters_created) == (0, 0, 0)
    assert Movie.objects.count() == 2
    assert Rating.objects.count() == 4
    assert Movie.objects.get(movielens_id=2).rating_count == 2


def test_the_command_imports_the_packaged_movielens_with_a_progress_line(monkeypatch):
    import pandas as pd

    from movies.management.commands import import_movielens

    monkeypatch.setattr(import_movielens, "load_movielens", lambda: pd.DataFrame(COLUMNS))
    out = StringIO()

    call_command("import_movielens", stdout=out)

    text = out.getvalue()
    assert "4/4 ratings" in text
    assert "2 movies" in text
    assert "1 rows without a title skipped" in text
