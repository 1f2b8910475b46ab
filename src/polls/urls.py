"""Pages (not API): the live results page and its short link."""

from django.urls import path

from polls import views

urlpatterns = [
    path("polls/<id:pk>/live/", views.live, name="polls-live"),
    path("p/<id:pk>/", views.short_link, name="polls-short"),
]
