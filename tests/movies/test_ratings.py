"""Ratings: validation, upsert (201 then 200), ownership, the authorization matrix,
and exact movie aggregates."""

from __future__ import annotations

from decimal import Decimal

import pytest

from movies.models import Movie, Rating
from tests.helpers import client_for
from tests.movies.factories import FAVORITES, RATINGS, customer, make_movie, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def movie():
    return make_movie("The Matrix", 1999, ("Sci-Fi",))


def test_first_rating_is_created_and_counted(movie):
    user = customer()

    response = client_for(user).post(RATINGS, {"movie": movie.pk, "score": "4.5"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["score"] == "4.5"
    assert body["movie"] == {"id": movie.pk, "title": "The Matrix", "year": 1999}
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_sum, movie.rating_avg) == (1, Decimal("4.5"), 4.5)


def test_rating_again_updates_the_same_rating_with_200(movie):
    user = customer()
    client = client_for(user)
    first = client.post(RATINGS, {"movie": movie.pk, "score": "4.5"}, format="json").json()

    response = client.post(RATINGS, {"movie": movie.pk, "score": 2}, format="json")

    assert response.status_code == 200
    assert response.json()["id"] == first["id"]
    assert response.json()["score"] == "2.0"
    assert Rating.objects.filter(user=user).count() == 1
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_avg) == (1, 2.0)


def test_averages_follow_several_users_and_deletes(movie):
    a, b = customer(), customer()
    client_for(a).post(RATINGS, {"movie": movie.pk, "score": "5.0"}, format="json")
    rating_b = client_for(b).post(RATINGS, {"movie": movie.pk, "score": "2.0"}, format="json")
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_avg) == (2, 3.5)

    response = client_for(b).delete(f"{RATINGS}{rating_b.json()['id']}/")

    assert response.status_code == 204
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_sum, movie.rating_avg) == (1, Decimal("5.0"), 5.0)


@pytest.mark.parametrize(
    ("score", "code"),
    [
        ("0", "min_value"),
        ("5.5", "max_value"),
        ("4.3", "invalid_score"),
        ("0.25", "max_decimal_places"),
        ("lots", "invalid"),
        (None, "null"),
    ],
)
def test_bad_scores_are_400_naming_score_and_change_nothing(movie, score, code):
    user = customer()

    response = client_for(user).post(RATINGS, {"movie": movie.pk, "score": score}, format="json")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"]["score"][0]["code"] == code
    assert not Rating.objects.exists()
    movie.refresh_from_db()
    assert movie.rating_count == 0


@pytest.mark.parametrize("movie_id", [987654, 0, -1, 2**62, "x"])
def test_unknown_movie_is_400_naming_movie(movie_id):
    response = client_for(customer()).post(
        RATINGS, {"movie": movie_id, "score": "3.0"}, format="json"
    )

    assert response.status_code == 400
    assert "movie" in response.json()["errors"]
    assert not Rating.objects.exists()


def test_database_refuses_a_score_off_the_half_step(movie):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    user = customer()
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            user=user, movie=movie, score=Decimal("4.3"), created_at=timezone.now(),
            updated_at=timezone.now(),
        )  # fmt: skip


def test_database_refuses_a_second_rating_of_the_same_movie(movie):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    user = customer()
    now = timezone.now()
    Rating.objects.create(
        user=user, movie=movie, score=Decimal("4.0"), created_at=now, updated_at=now
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            user=user, movie=movie, score=Decimal("3.0"), created_at=now, updated_at=now
        )


def test_list_shows_only_my_ratings(movie):
    other_movie = make_movie("Alien", 1979)
    me, other = customer(), customer()
    client_for(me).post(RATINGS, {"movie": movie.pk, "score": "4.0"}, format="json")
    client_for(other).post(RATINGS, {"movie": other_movie.pk, "score": "1.0"}, format="json")

    response = client_for(me).get(RATINGS)

    assert response.status_code == 200
    assert [r["movie"]["id"] for r in response.json()["results"]] == [movie.pk]


def test_another_users_rating_is_a_404_and_stays(movie):
    owner, intruder = customer(), customer()
    rating = client_for(owner).post(RATINGS, {"movie": movie.pk, "score": "4.0"}, format="json")

    response = client_for(intruder).delete(f"{RATINGS}{rating.json()['id']}/")

    assert response.status_code == 404
    assert Rating.objects.filter(pk=rating.json()["id"]).exists()
    movie.refresh_from_db()
    assert movie.rating_count == 1


@pytest.mark.parametrize(
    ("who", "list_status", "create_status", "delete_status"),
    [
        ("anonymous", 401, 401, 401),
        ("customer", 200, 201, 404),  # someone else's rating: not found
        ("owner", 200, 200, 204),
        ("staff", 200, 201, 404),  # staff see and delete only their own too
    ],
)
def test_authorization_matrix(movie, who, list_status, create_status, delete_status):
    owner = customer()
    rating = client_for(owner).post(RATINGS, {"movie": movie.pk, "score": "4.0"}, format="json")
    actor = {"anonymous": None, "customer": customer(), "owner": owner, "staff": staff()}[who]
    client = client_for(actor)

    assert client.get(RATINGS).status_code == list_status
    assert (
        client.post(RATINGS, {"movie": movie.pk, "score": "3.0"}, format="json").status_code
        == create_status
    )
    assert client.delete(f"{RATINGS}{rating.json()['id']}/").status_code == delete_status
    assert Rating.objects.filter(pk=rating.json()["id"]).exists() == (who != "owner")
    assert Movie.objects.get(pk=movie.pk).rating_count == Rating.objects.count()


def test_a_rating_and_a_favorite_answer_as_the_lists_show_them(movie):
    client = client_for(customer())

    rated = client.post(RATINGS, {"movie": movie.pk, "score": "3.5"}, format="json")
    rerated = client.post(RATINGS, {"movie": movie.pk, "score": "4.0"}, format="json")
    favorite = client.post(FAVORITES, {"movie": movie.pk}, format="json")
    again = client.post(FAVORITES, {"movie": movie.pk}, format="json")

    assert [r.status_code for r in (rated, rerated, favorite, again)] == [201, 200, 201, 200]
    assert client.get(RATINGS).json()["results"] == [rerated.json()]
    assert rerated.json()["id"] == rated.json()["id"]
    assert client.get(FAVORITES).json()["results"] == [favorite.json()] == [again.json()]
