from django.contrib import admin

from movies.models import Favorite, Genre, Movie, Rating, RecommenderModel


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = ("title", "year", "rating_count", "rating_avg", "favorite_count", "tmdb_id")
    search_fields = ("title",)
    list_filter = ("genres",)
    readonly_fields = ("rating_count", "rating_sum", "rating_avg", "favorite_count")


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("movie", "user", "rater", "score", "updated_at")
    raw_id_fields = ("movie", "user", "rater")


@admin.register(Favorite)
class FavoriteAdmin(admin.ModelAdmin):
    list_display = ("movie", "user", "created_at")
    raw_id_fields = ("movie", "user")


@admin.register(RecommenderModel)
class RecommenderModelAdmin(admin.ModelAdmin):
    list_display = ("version", "algorithm", "items", "ratings", "train_seconds", "trained_at")
    exclude = ("artefact",)
