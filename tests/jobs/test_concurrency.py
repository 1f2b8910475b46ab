"""Races on the real PostgreSQL: real threads, each with its own connection and its
own committed transactions, released together by a barrier."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from jobs.models import APPLICATION_WORKFLOW, Application, ApplicationEvent
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


@race_db
def test_racing_transitions_move_an_application_once(eager):
    job = make_job()
    owner = owner_of(job.company)
    application = apply(job)
    targets = ["in_review", "rejected"] * 4

    def move(target):
        response = client_for(owner).post(
            application_url(application.pk, "transition"),
            {"status": target, "reason": "r"},
            format="json",
        )
        return response.status_code

    statuses = race(move, targets)

    assert raised(statuses) == []
    assert statuses.count(200) >= 1
    final = Application.objects.get(pk=application.pk).status
    history = list(application.events.order_by("id").values_list("from_status", "to_status"))
    # Every recorded step is a legal one, in order, ending where the application is.
    assert history[0] == ("", "submitted")
    for (_, previous), (source, _) in itertools.pairwise(history):
        assert source == previous
    assert all(APPLICATION_WORKFLOW.can(source, target) for source, target in history[1:])
    assert history[-1][1] == final
    assert len(history) - 1 == statuses.count(200)
