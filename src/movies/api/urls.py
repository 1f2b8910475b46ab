from django.urls import path

from core.http.domain import domain_urls
from movies.api.views import catalog, library, recommendations

app_name = "movies"

urlpatterns = domain_urls(
    "movies",
    [
        path("movies/", catalog.MovieListView.as_view(), name="movies"),
        path("movies/<id:pk>/", catalog.MovieDetailView.as_view(), name="movie"),
        path("genres/", catalog.GenreListView.as_view(), name="genres"),
        path("trending/", catalog.TrendingView.as_view(), name="trending"),
        path("search/", catalog.SearchView.as_view(), name="search"),
        path("ratings/", library.RatingListView.as_view(), name="ratings"),
        path("ratings/<id:pk>/", library.RatingDetailView.as_view(), name="rating"),
        path("favorites/", library.FavoriteListView.as_view(), name="favorites"),
        path("favorites/<id:pk>/", library.FavoriteDetailView.as_view(), name="favorite"),
        path("preferences/", library.PreferenceView.as_view(), name="preferences"),
        path(
            "recommendations/",
            recommendations.RecommendationListView.as_view(),
            name="recommendations",
        ),
        path("recommender/", recommendations.RecommenderView.as_view(), name="recommender"),
        path(
            "recommender/train/",
            recommendations.RecommenderTrainView.as_view(),
            name="recommender-train",
        ),
    ],
)
