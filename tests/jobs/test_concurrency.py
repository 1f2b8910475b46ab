"""Races on the real PostgreSQL: real threads, each with its own connection and its
own committed transactions, released together by a barrier."""

from __future__ import annotations

from collections import Counter

import pytest

from jobs.models import Application, ApplicationEvent
from tests.helpers import client_for, race, raised
from tests.jobs.factories import (
    application_url,
    apply,
    candidate,
    job_url,
    make_job,
    owner_of,
)

race_db = pytest.mark.django_db(transaction=True)


@race_db
def test_racing_applications_by_one_candidate_make_exactly_one(eager):
    job = make_job()
    user = candidate()
    clients = [client_for(user) for _ in range(8)]

    def send(client):
        response = client.post(job_url(job.pk, "apply"), {"cover_letter": "hi"}, format="json")
        return response.status_code, response.json().get("code")

    outcomes = race(send, clients)

    assert Counter(outcomes) == Counter({(201, None): 1, (409, "already_applied"): 7})
    assert Application.objects.filter(job=job, candidate=user).count() == 1
    assert ApplicationEvent.objects.filter(application__job=job).count() == 1


def _race_transitions(application, owner, targets):
    def move(target):
        response = client_for(owner).post(
            application_url(application.pk, "transition"),
            {"status": target, "reason": "Not this time."},
            format="json",
        )
        return target, response.status_code, response.json().get("code")

    outcomes = race(move, targets)
    assert raised(outcomes) == []
    return Counter(outcomes)


def _history(application) -> list[tuple[str, str]]:
    return list(application.events.order_by("id").values_list("from_status", "to_status"))


@race_db
def test_racing_transitions_move_an_application_once(eager):
    """The row lock serialises the moves. Eight "in review" at once: the first goes
    through and the rest find it in review already (in_review -> in_review is no move).
    Four "in review" and four "reject" at once on another application: whoever locks
    first decides. A rejection first is final (one winner); a review first lets exactly
    one rejection follow it (two winners). Either way it ends rejected, with one history
    row per winner. (One test: each transactional test costs a flush.)"""
    job = make_job()
    owner = owner_of(job.company)
    reviewed, contested = apply(job), apply(job)

    same = _race_transitions(reviewed, owner, ["in_review"] * 8)
    mixed = _race_transitions(contested, owner, ["in_review", "rejected"] * 4)

    assert same == Counter(
        {("in_review", 200, None): 1, ("in_review", 409, "illegal_transition"): 7}
    )
    assert Application.objects.get(pk=reviewed.pk).status == "in_review"
    assert _history(reviewed) == [("", "submitted"), ("submitted", "in_review")]
    stored = Application.objects.get(pk=contested.pk)
    assert (stored.status, stored.rejection_reason) == ("rejected", "Not this time.")
    history = _history(contested)
    if history == [("", "submitted"), ("submitted", "rejected")]:
        assert mixed == Counter(
            {
                ("rejected", 200, None): 1,
                ("rejected", 409, "illegal_transition"): 3,
                ("in_review", 409, "illegal_transition"): 4,
            }
        )
    else:
        assert history == [("", "submitted"), ("submitted", "in_review"), ("in_review", "rejected")]
        assert mixed == Counter(
            {
                ("in_review", 200, None): 1,
                ("rejected", 200, None): 1,
                ("in_review", 409, "illegal_transition"): 3,
                ("rejected", 409, "illegal_transition"): 3,
            }
        )
