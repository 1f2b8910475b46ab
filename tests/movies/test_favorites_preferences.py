"""Favorites and genre preferences: idempotent writes, own data only, 400s naming
the field."""

from __future__ import annotations

import pytest

from movies.models import Favorite, Movie, Preference
from tests.helpers import assert_problem, client_for
from tests.movies.factories import (
    FAVORITES,
    PREFERENCES,
    customer,
    make_genre,
    make_movie,
)

pytestmark = pytest.mark.django_db


def test_favorite_is_created_once_then_200():
    movie = make_movie("Amelie", 2001, ("Comedy",))
    client = client_for(customer())

    first = client.post(FAVORITES, {"movie": movie.pk}, format="json")
    again = client.post(FAVORITES, {"movie": movie.pk}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Movie.objects.get(pk=movie.pk).favorite_count == 1


def test_unknown_movie_favorite_is_400_naming_movie():
    response = client_for(customer()).post(FAVORITES, {"movie": 424242}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["movie"][0]["code"] == "does_not_exist"
    assert not Favorite.objects.exists()


def test_favorites_are_private_and_only_the_owner_removes_them():
    movie = make_movie("Amelie", 2001)
    owner, other = customer(), customer()
    favorite = client_for(owner).post(FAVORITES, {"movie": movie.pk}, format="json").json()

    assert client_for(other).get(FAVORITES).json()["results"] == []
    assert client_for(other).delete(f"{FAVORITES}{favorite['id']}/").status_code == 404
    assert Favorite.objects.count() == 1
    assert client_for(owner).delete(f"{FAVORITES}{favorite['id']}/").status_code == 204
    assert not Favorite.objects.exists()
    assert Movie.objects.get(pk=movie.pk).favorite_count == 0


def test_anonymous_cannot_touch_favorites_or_preferences():
    movie = make_movie("Amelie", 2001, ("Comedy",))
    favorite = client_for(customer()).post(FAVORITES, {"movie": movie.pk}, format="json").json()
    client = client_for()

    answers = [
        client.get(FAVORITES),
        client.post(FAVORITES, {"movie": movie.pk}, format="json"),
        client.delete(f"{FAVORITES}{favorite['id']}/"),
        client.get(PREFERENCES),
        client.put(PREFERENCES, {"favorite_genres": ["comedy"]}, format="json"),
    ]

    for answer in answers:
        assert_problem(answer, 401, "not_authenticated")
    assert list(Favorite.objects.values_list("pk", flat=True)) == [favorite["id"]]
    assert Movie.objects.get(pk=movie.pk).favorite_count == 1
    assert not Preference.objects.exists()


def test_preferences_are_set_and_read_back():
    make_genre("Sci-Fi"), make_genre("Comedy"), make_genre("Horror")
    client = client_for(customer())

    assert client.get(PREFERENCES).json() == {"favorite_genres": [], "disliked_genres": []}
    response = client.put(
        PREFERENCES,
        {"favorite_genres": ["sci-fi", "comedy"], "disliked_genres": ["horror"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "favorite_genres": [
            {"slug": "comedy", "name": "Comedy"},
            {"slug": "sci-fi", "name": "Sci-Fi"},
        ],
        "disliked_genres": [{"slug": "horror", "name": "Horror"}],
    }
    assert client.get(PREFERENCES).json() == response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"favorite_genres": ["westerns"], "disliked_genres": []}, "favorite_genres"),
        ({"favorite_genres": [], "disliked_genres": ["nope"]}, "disliked_genres"),
        ({"favorite_genres": ["sci-fi"], "disliked_genres": ["sci-fi"]}, "disliked_genres"),
        ({"favorite_genres": "sci-fi", "disliked_genres": []}, "favorite_genres"),
        ({"disliked_genres": []}, "favorite_genres"),
    ],
)
def test_bad_preferences_are_400_naming_the_field_and_change_nothing(body, field):
    make_genre("Sci-Fi")
    user = customer()

    response = client_for(user).put(PREFERENCES, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Preference.objects.filter(user=user).exists()
