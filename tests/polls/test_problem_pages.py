"""Every problem a polls endpoint answers with names a ``type`` that is a page."""

from __future__ import annotations

import pytest
from django.test import Client

from core.http.catalogue import lookup_problem
from tests.helpers import client_for
from tests.polls.factories import (
    POLLS,
    cast,
    close_by_clock,
    make_poll,
    option_ids,
    poll_url,
    scheduled,
    user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unthrottled")]

POLLS_CODES = {
    "already_voted": 409,
    "not_voted": 409,
    "poll_closed": 409,
    "poll_not_open": 409,
    "poll_has_votes": 409,
    "stream_ticket_invalid": 401,
}


def _problems_seen() -> dict[str, dict]:
    """Provoke every problem the polls' endpoints answer with; code -> body."""
    owner, voter = user(), user()
    poll = make_poll(owner)
    cast(poll, voter, 0)
    closed = close_by_clock(make_poll(owner))
    later = scheduled(owner)
    mine, theirs, anonymous = client_for(owner), client_for(voter), client_for()

    def vote(client, target):
        return client.post(
            poll_url(target.pk, "vote"), {"option": option_ids(target)[0]}, format="json"
        )

    responses = [
        vote(theirs, poll),
        mine.delete(poll_url(poll.pk, "vote")),
        vote(theirs, closed),
        vote(theirs, later),
        mine.patch(poll_url(poll.pk), {"options": ["X", "Y"]}, format="json"),
        anonymous.get(poll_url(poll.pk, "results/stream") + "?ticket=forged"),
        anonymous.post(POLLS, {"question": "Q?", "options": ["A", "B"]}, format="json"),
        theirs.post(poll_url(poll.pk, "close")),
        anonymous.get(poll_url(987654)),
        mine.post(POLLS, {"question": "Q?", "options": ["A"]}, format="json"),
        anonymous.put(poll_url(poll.pk, "results")),
    ]
    return {response.json()["code"]: response.json() for response in responses}


def test_every_problem_code_the_polls_answer_with_has_a_page():
    seen = _problems_seen()

    assert set(seen) == {
        *POLLS_CODES,
        "not_authenticated",
        "permission_denied",
        "not_found",
        "validation_error",
        "method_not_allowed",
    }
    browser = Client()
    for code, body in seen.items():
        assert body["type"] == f"/problems/{code}/"
        assert body["status"] == (POLLS_CODES.get(code) or body["status"])
        page = browser.get(body["type"])
        assert page.status_code == 200, code
        assert f"Problem: {code}" in page.content.decode()


@pytest.mark.parametrize(("code", "status"), sorted(POLLS_CODES.items()))
def test_the_polls_codes_are_catalogued_with_their_status(code, status):
    problem = lookup_problem(code)

    assert problem is not None
    assert (problem.status, problem.context) == (status, "polls")
    page = Client().get(f"/problems/{code}/")
    assert page.status_code == 200
    assert problem.title in page.content.decode()


def test_the_problem_index_lists_the_polls_codes():
    page = Client().get("/problems/").content.decode()

    for code in POLLS_CODES:
        assert f'id="{code}"' in page
