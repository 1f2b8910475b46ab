"""Movies tables. Users are referenced through settings.AUTH_USER_MODEL; the historical
MovieLens raters live in ``Rater``, never in the shared user table."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

# 0.5, 1.0, ..., 5.0: the only scores a rating may hold (a CHECK constraint).
SCORES = tuple(Decimal(n) / 2 for n in range(1, 11))


class Genre(models.Model):
    name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=40, unique=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Movie(models.Model):
    title = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField()
    genres = models.ManyToManyField(Genre, related_name="movies", blank=True)
    movielens_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    # Aggregates of every rating (MovieLens raters and Nexus users), kept exact by
    # conditional F() updates in the rating services; ordering and keyset paging use them.
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.DecimalField(max_digits=12, decimal_places=1, default=Decimal("0.0"))
    rating_avg = models.FloatField(default=0.0)
    favorite_count = models.PositiveIntegerField(default=0)
    # TMDb enrichment (when TMDB_API_TOKEN is set): only a confident match is kept.
    tmdb_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    tmdb_match_confidence = models.FloatField(null=True, blank=True)
    tmdb_checked_at = models.DateTimeField(null=True, blank=True)
    overview = models.TextField(blank=True)
    poster_path = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["title", "id"], name="movies_movie_title_id"),
            models.Index(fields=["year", "id"], name="movies_movie_year_id"),
            models.Index(fields=["rating_avg", "id"], name="movies_movie_avg_id"),
            models.Index(fields=["rating_count", "id"], name="movies_movie_count_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=1870) & Q(year__lte=2100), name="movies_movie_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"


class Rater(models.Model):
    """A historical MovieLens rater: their ratings train the model and count in the
    averages; they are not accounts and cannot sign in."""

    movielens_id = models.PositiveIntegerField(unique=True)

    def __str__(self) -> str:
        return f"MovieLens rater {self.movielens_id}"


class Rating(models.Model):
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="movie_ratings",
        null=True,
        blank=True,
    )
    rater = models.ForeignKey(
        Rater, on_delete=models.CASCADE, related_name="ratings", null=True, blank=True
    )
    score = models.DecimalField(max_digits=2, decimal_places=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "movie"],
                condition=Q(user__isnull=False),
                name="movies_rating_one_per_user",
            ),
            models.UniqueConstraint(
                fields=["rater", "movie"],
                condition=Q(rater__isnull=False),
                name="movies_rating_one_per_rater",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False, rater__isnull=True)
                | Q(user__isnull=True, rater__isnull=False),
                name="movies_rating_user_xor_rater",
            ),
            models.CheckConstraint(condition=Q(score__in=SCORES), name="movies_rating_score_step"),
        ]
        indexes = [
            models.Index(fields=["user", "-id"], name="movies_rating_user_id"),
            models.Index(fields=["created_at"], name="movies_rating_created"),
        ]

    def __str__(self) -> str:
        return f"{self.score} for movie {self.movie_id}"


class Favorite(models.Model):
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="favorites")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="movie_favorites"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "movie"], name="movies_favorite_one_per_user")
        ]
        indexes = [
            models.Index(fields=["user", "-id"], name="movies_favorite_user_id"),
            models.Index(fields=["created_at"], name="movies_favorite_created"),
        ]

    def __str__(self) -> str:
        return f"favorite movie {self.movie_id}"


class Preference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="movie_preference"
    )
    favorite_genres = models.ManyToManyField(Genre, related_name="+", blank=True)
    disliked_genres = models.ManyToManyField(Genre, related_name="+", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"movie preferences of user {self.user_id}"


class RecommenderModel(models.Model):
    """A trained model. The newest row is the one served; every web process loads its
    artefact from here (and keeps it in memory per version)."""

    version = models.PositiveIntegerField(unique=True)
    algorithm = models.CharField(max_length=40)
    params = models.JSONField(default=dict)
    artefact = models.BinaryField()
    items = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    users = models.PositiveIntegerField(default=0)
    train_seconds = models.FloatField(default=0.0)
    trained_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-version",)

    def __str__(self) -> str:
        return f"recommender v{self.version}"
