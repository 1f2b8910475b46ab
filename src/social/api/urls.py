from django.urls import path

from core.http.domain import domain_urls
from social.api import views

app_name = "social"

urlpatterns = domain_urls(
    "social",
    [
        path("feed/", views.FeedView.as_view(), name="feed"),
        path("posts/", views.PostListView.as_view(), name="posts"),
        path("posts/<id:pk>/", views.PostDetailView.as_view(), name="post"),
        path("posts/<id:pk>/like/", views.PostLikeView.as_view(), name="post-like"),
        path("posts/<id:pk>/comments/", views.PostCommentsView.as_view(), name="post-comments"),
        path("users/<str:username>/follow/", views.FollowView.as_view(), name="user-follow"),
    ],
)
