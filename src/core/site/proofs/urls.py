"""``/api/v1/proofs/`` (namespace ``proofs``), included by the composition root."""

from django.urls import path

from core.site.proofs import api

app_name = "proofs"

urlpatterns = [
    path("", api.ProofListView.as_view(), name="list"),
    path("<slug:name>/run/", api.ProofRunView.as_view(), name="run"),
]
