from django.urls import path

from core.http.domain import domain_urls
from polls.api import stream, views

app_name = "polls"

urlpatterns = domain_urls(
    "polls",
    [
        path("polls/", views.PollListView.as_view(), name="polls"),
        path("polls/<id:pk>/", views.PollDetailView.as_view(), name="poll"),
        path("polls/<id:pk>/close/", views.PollCloseView.as_view(), name="poll-close"),
        path("polls/<id:pk>/vote/", views.VoteView.as_view(), name="vote"),
        path("polls/<id:pk>/results/", views.ResultsView.as_view(), name="results"),
        path("polls/<id:pk>/results/stream/", stream.results_stream, name="results-stream"),
        path(
            "polls/<id:pk>/stream-ticket/", views.StreamTicketView.as_view(), name="stream-ticket"
        ),
    ],
)
