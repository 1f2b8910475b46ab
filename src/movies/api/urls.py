from django.urls import path

import core.http.converters  # noqa: F401  (registers <id:...>)
from core.http.domain import DomainIndexView
from movies.api import views

app_name = "movies"

urlpatterns = [
    path(
        "",
        DomainIndexView.as_view(domain="movies", routes=lambda: urlpatterns),
        name="index",
    ),
    path("movies/", views.MovieListView.as_view(), name="movies"),
    path("movies/<id:pk>/", views.MovieDetailView.as_view(), name="movie"),
    path("genres/", views.GenreListView.as_view(), name="genres"),
    path("trending/", views.TrendingView.as_view(), name="trending"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("ratings/", views.RatingListView.as_view(), name="ratings"),
    path("ratings/<id:pk>/", views.RatingDetailView.as_view(), name="rating"),
    path("favorites/", views.FavoriteListView.as_view(), name="favorites"),
    path("favorites/<id:pk>/", views.FavoriteDetailView.as_view(), name="favorite"),
    path("preferences/", views.PreferenceView.as_view(), name="preferences"),
    path("recommendations/", views.RecommendationListView.as_view(), name="recommendations"),
    path("recommender/", views.RecommenderView.as_view(), name="recommender"),
    path("recommender/train/", views.RecommenderTrainView.as_view(), name="recommender-train"),
]
