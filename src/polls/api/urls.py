from django.urls import path

import core.http.converters  # noqa: F401  (registers <id:...>)
from core.http.domain import DomainIndexView
from polls.api import stream, views

app_name = "polls"

urlpatterns = [
    path(
        "",
        DomainIndexView.as_view(domain="polls", routes=lambda: urlpatterns),
        name="index",
    ),
    path("polls/", views.PollListView.as_view(), name="polls"),
    path("polls/<id:pk>/", views.PollDetailView.as_view(), name="poll"),
    path("polls/<id:pk>/close/", views.PollCloseView.as_view(), name="poll-close"),
    path("polls/<id:pk>/vote/", views.VoteView.as_view(), name="vote"),
    path("polls/<id:pk>/results/", views.ResultsView.as_view(), name="results"),
    path("polls/<id:pk>/results/stream/", stream.results_stream, name="results-stream"),
    path("polls/<id:pk>/stream-ticket/", views.StreamTicketView.as_view(), name="stream-ticket"),
]
