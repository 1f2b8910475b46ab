"""Movies API shapes: input validation and documented output."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from core.http.fields import IdField
from core.http.pagination import envelope_serializer
from movies.models import SCORES
from movies.tmdb import ATTRIBUTION, ATTRIBUTION_URL

YEAR = {"min_value": 1870, "max_value": 2100}


class GenreRefSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="What `?genre=` filters take.")
    name = serializers.CharField()


class MovieSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField()
    genres = GenreRefSerializer(
        many=True, help_text="Sorted by name; a genre's `slug` is what `?genre=` takes."
    )
    rating_avg = serializers.FloatField(help_text="Mean score, 0 when unrated.")
    rating_count = serializers.IntegerField()
    favorite_count = serializers.IntegerField()
    tmdb_id = serializers.IntegerField(allow_null=True)
    poster_url = serializers.URLField(allow_null=True, help_text="From TMDb, when enriched.")

    class Meta:
        ref_name = "MovieSummary"


class MovieFilterSerializer(serializers.Serializer):
    search = serializers.CharField(required=False, max_length=100, help_text="Part of the title.")
    genre = serializers.SlugField(required=False, help_text="A genre's slug (`/genres/`).")
    year = serializers.IntegerField(required=False, **YEAR)
    year_min = serializers.IntegerField(required=False, **YEAR)
    year_max = serializers.IntegerField(required=False, **YEAR)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("year_min"), attrs.get("year_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"year_max": ["Must not be before year_min."]})
        return attrs


class ReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()


class MyRatingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=2, decimal_places=1)


class SimilarSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    similarity = serializers.FloatField()


class MovieDetailSerializer(MovieSummarySerializer):
    overview = serializers.CharField(help_text="From TMDb, when enriched; else empty.")
    tmdb_match_confidence = serializers.FloatField(allow_null=True)
    my_rating = MyRatingSerializer(allow_null=True, help_text="Yours; null if none or anonymous.")
    favorite = ReferenceSerializer(allow_null=True, help_text="Your favorite's id, if any.")
    similar = SimilarSerializer(many=True, help_text="Nearest neighbours in the current model.")
    attribution = serializers.CharField(allow_null=True, help_text="TMDb's, when its data shows.")

    class Meta:
        ref_name = "MovieDetail"


class GenreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField(help_text="What `?genre=` filters take.")
    movie_count = serializers.IntegerField()


MoviePageSerializer = envelope_serializer(
    "PaginatedMovieSummaryList", MovieSummarySerializer(many=True)
)
GenreListSerializer = envelope_serializer("GenreList", GenreSerializer(many=True))


class RatingWriteSerializer(serializers.Serializer):
    movie = IdField(help_text="The movie's id.")
    score = serializers.DecimalField(
        max_digits=2,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("5.0"),
        help_text="0.5 to 5.0 in steps of 0.5.",
    )

    def validate_score(self, value: Decimal) -> Decimal:
        if value not in SCORES:
            raise serializers.ValidationError(
                "A score is 0.5 to 5.0 in steps of 0.5.", code="invalid_score"
            )
        return value


class MovieRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="movie.id")
    title = serializers.CharField(source="movie.title")
    year = serializers.IntegerField(source="movie.year")


class RatingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    movie = MovieRefSerializer(source="*")
    score = serializers.DecimalField(max_digits=2, decimal_places=1)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class FavoriteWriteSerializer(serializers.Serializer):
    movie = IdField(help_text="The movie's id.")


class FavoriteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    movie = MovieRefSerializer(source="*")
    created_at = serializers.DateTimeField()


RatingPageSerializer = envelope_serializer("PaginatedRatingList", RatingSerializer(many=True))
FavoritePageSerializer = envelope_serializer("PaginatedFavoriteList", FavoriteSerializer(many=True))


class PreferenceSerializer(serializers.Serializer):
    favorite_genres = GenreRefSerializer(many=True)
    disliked_genres = GenreRefSerializer(many=True)


class PreferenceWriteSerializer(serializers.Serializer):
    favorite_genres = serializers.ListField(
        child=serializers.SlugField(), max_length=30, help_text="Genre slugs."
    )
    disliked_genres = serializers.ListField(
        child=serializers.SlugField(), max_length=30, help_text="Genre slugs."
    )


class RecommendationQuerySerializer(serializers.Serializer):
    genre = serializers.SlugField(
        required=False, help_text="Only this genre: a `slug` from `/genres/` or a movie's `genres`."
    )


class RecommendationSerializer(serializers.Serializer):
    movie = MovieSummarySerializer()
    score = serializers.FloatField(help_text="Higher is better; comparable within one list.")
    reason = serializers.CharField(help_text='e.g. "because you rated The Matrix 5.0".')
    reason_type = serializers.ChoiceField(choices=["rated", "favorited", "genre", "popular"])
    model_version = serializers.IntegerField(allow_null=True)


RecommendationListSerializer = envelope_serializer(
    "RecommendationList",
    RecommendationSerializer(many=True),
    extras={
        "model_version": serializers.IntegerField(
            allow_null=True, help_text="The model that ranked the list; null: no model yet."
        )
    },
)


class TrendingItemSerializer(MovieSummarySerializer):
    recent_activity = serializers.IntegerField(help_text="Ratings and favorites this week.")

    class Meta:
        ref_name = "TrendingMovie"


class TmdbMovieSerializer(serializers.Serializer):
    tmdb_id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    overview = serializers.CharField()
    poster_url = serializers.URLField(allow_null=True)
    movie = serializers.IntegerField(allow_null=True, help_text="The catalog's id, if matched.")


def _attribution_fields() -> dict[str, Any]:
    return {
        "attribution": serializers.CharField(
            required=False, help_text="TMDb's attribution: shown with TMDb's data, as TMDb asks."
        ),
        "attribution_url": serializers.URLField(required=False, help_text="TMDb's site."),
    }


TrendingSerializer = envelope_serializer(
    "Trending",
    PolymorphicProxySerializer(
        component_name="TrendingItem",
        serializers=[TrendingItemSerializer, TmdbMovieSerializer],
        resource_type_field_name=None,
        many=True,
    ),
    extras={
        "source": serializers.ChoiceField(
            choices=["nexus", "tmdb"], help_text="Whose trending list this is."
        ),
        "window_days": serializers.IntegerField(help_text="The days it looks back over."),
        **_attribution_fields(),
        "notice": serializers.CharField(
            required=False, help_text="Why `source=tmdb` was answered from Nexus instead."
        ),
    },
)
SearchSerializer = envelope_serializer(
    "Search",
    PolymorphicProxySerializer(
        component_name="SearchResult",
        serializers=[MovieSummarySerializer, TmdbMovieSerializer],
        resource_type_field_name=None,
        many=True,
    ),
    extras={
        "source": serializers.ChoiceField(
            choices=["tmdb", "movielens"], help_text="Who answered: TMDb, or the catalog."
        ),
        **_attribution_fields(),
        "notice": serializers.CharField(
            required=False, help_text="Why the catalog answered instead of TMDb."
        ),
    },
)


class ModelInfoSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    algorithm = serializers.CharField()
    params = serializers.DictField()
    items = serializers.IntegerField()
    ratings = serializers.IntegerField()
    users = serializers.IntegerField()
    train_seconds = serializers.FloatField()
    trained_at = serializers.DateTimeField()


class QueuedSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="`queued`.")


def attribution() -> dict[str, str]:
    return {"attribution": ATTRIBUTION, "attribution_url": ATTRIBUTION_URL}
