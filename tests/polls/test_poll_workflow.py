"""A poll's status machine as clients see it: ``allowed_transitions`` lists what the
requesting user may do next (its owner may close a scheduled or open poll; the clock
opens and closes polls for everyone else), and is empty once the poll is closed,
whether by its owner or by its deadline. Closing a closed poll stays idempotent."""

from __future__ import annotations

import pytest

from tests.helpers import assert_problem, client_for
from tests.polls.factories import (
    POLLS,
    close_by_clock,
    make_poll,
    poll_state,
    poll_url,
    scheduled,
    user,
)

pytestmark = pytest.mark.django_db


def _poll_at(state: str, owner):
    if state == "scheduled":
        return scheduled(owner)
    poll = make_poll(owner)
    if state == "closed":
        client_for(owner).post(poll_url(poll.pk, "close"))
    elif state == "closed by the clock":
        close_by_clock(poll)
    return poll


@pytest.mark.parametrize(
    ("state", "owners"),
    [
        ("scheduled", ["closed"]),
        ("open", ["closed"]),
        ("closed", []),
        ("closed by the clock", []),
    ],
)
def test_a_polls_allowed_transitions_are_what_the_reader_may_do(state, owners):
    owner = user()
    poll = _poll_at(state, owner)

    bodies = {
        "owner": client_for(owner).get(poll_url(poll.pk)).json(),
        "another user": client_for(user()).get(poll_url(poll.pk)).json(),
        "staff": client_for(user(is_staff=True)).get(poll_url(poll.pk)).json(),
        "anonymous": client_for().get(poll_url(poll.pk)).json(),
    }

    assert {body["state"] for body in bodies.values()} == {state.split()[0]}
    assert {who: body["allowed_transitions"] for who, body in bodies.items()} == {
        "owner": owners,
        "another user": [],
        "staff": [],
        "anonymous": [],
    }


def test_the_list_and_every_write_carry_the_readers_allowed_transitions():
    owner = user()
    mine, theirs = make_poll(owner), make_poll(user())
    client = client_for(owner)

    listed = {p["id"]: p["allowed_transitions"] for p in client.get(POLLS).json()["results"]}
    created = client.post(
        POLLS, {"question": "Tea or coffee?", "options": ["Tea", "Coffee"]}, format="json"
    )
    edited = client.patch(poll_url(mine.pk), {"question": "Which colour?"}, format="json")
    closed = client.post(poll_url(mine.pk, "close"))

    assert listed == {mine.pk: ["closed"], theirs.pk: []}
    assert created.status_code == 201, created.content
    assert created.json()["allowed_transitions"] == ["closed"]
    assert edited.json()["allowed_transitions"] == ["closed"]
    assert closed.json()["allowed_transitions"] == []


def test_closing_a_closed_poll_is_idempotent_and_leaves_nothing_allowed():
    owner = user()
    poll = _poll_at("closed", owner)
    before = poll_state(poll)

    again = client_for(owner).post(poll_url(poll.pk, "close"))

    assert again.status_code == 200, again.content
    assert (again.json()["state"], again.json()["allowed_transitions"]) == ("closed", [])
    assert poll_state(poll) == before


def test_someone_not_allowed_to_close_is_refused_and_nothing_changes():
    poll = make_poll(user())
    other = client_for(user())
    before = poll_state(poll)

    assert other.get(poll_url(poll.pk)).json()["allowed_transitions"] == []
    assert_problem(other.post(poll_url(poll.pk, "close")), 403, "permission_denied")
    assert poll_state(poll) == before
