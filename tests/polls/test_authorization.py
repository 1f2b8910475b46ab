"""Only the owner edits, deletes or closes a poll: anyone else signed in gets a 403,
an anonymous caller a 401, and nothing changes either way. Stream tickets carry a
signed-in reader to the stream, for one poll and about a minute."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing

from core.http.catalogue import ProblemError
from polls import voters
from polls.models import Poll
from tests.helpers import assert_problem, client_for
from tests.polls.factories import (
    cast,
    make_poll,
    poll_state,
    poll_url,
    user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def poll():
    poll = make_poll(user(), kind="multiple", results_visibility="after_vote")
    cast(poll, user(), 0, 1)
    return poll


def _others():
    return {
        "another user": (client_for(user()), 403, "permission_denied"),
        "staff": (client_for(user(is_staff=True)), 403, "permission_denied"),
        "anonymous": (client_for(), 401, "not_authenticated"),
    }


@pytest.mark.parametrize("who", ["another user", "staff", "anonymous"])
@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("patch", "", {"question": "Hijacked?"}),
        ("patch", "", {"closes_at": None, "results_visibility": "always"}),
        ("delete", "", None),
        ("post", "close", None),
    ],
    ids=["edit", "reveal", "delete", "close"],
)
def test_only_the_owner_changes_a_poll(poll, who, method, action, body):
    client, status, code = _others()[who]
    before = poll_state(poll)

    response = getattr(client, method)(poll_url(poll.pk, action), body, format="json")

    assert_problem(response, status, code)
    assert poll_state(poll) == before


def test_the_owner_may_do_all_of_it(poll):
    client = client_for(poll.owner)

    assert client.patch(poll_url(poll.pk), {"question": "Mine?"}, format="json").status_code == 200
    assert client.post(poll_url(poll.pk, "close")).status_code == 200
    assert client.delete(poll_url(poll.pk)).status_code == 204
    assert not Poll.objects.filter(pk=poll.pk).exists()


def test_a_non_owner_touching_a_missing_poll_gets_404():
    assert_problem(client_for(user()).post(poll_url(987654, "close")), 404, "not_found")
    assert_problem(client_for(user()).delete(poll_url(987654)), 404, "not_found")
    assert_problem(
        client_for(user()).patch(poll_url(987654), {"question": "?"}, format="json"),
        404,
        "not_found",
    )


# --- stream tickets -------------------------------------------------------------------


def test_a_stream_ticket_needs_a_signed_in_user(poll):
    response = client_for().post(poll_url(poll.pk, "stream-ticket"))

    assert_problem(response, 401, "not_authenticated")


def test_a_stream_ticket_for_an_unknown_poll_is_404():
    assert_problem(client_for(user()).post(poll_url(987654, "stream-ticket")), 404, "not_found")


def test_a_stream_ticket_names_its_user_for_its_poll(poll, settings):
    reader = user()

    response = client_for(reader).post(poll_url(poll.pk, "stream-ticket"))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["expires_in"] == settings.POLLS_STREAM_TICKET_SECONDS == 60
    stream = urlsplit(body["stream"])
    assert (stream.scheme, stream.netloc) == ("http", "testserver")  # absolute
    assert stream.path == poll_url(poll.pk, "results/stream")
    assert parse_qs(stream.query) == {"ticket": [body["ticket"]]}
    assert voters.ticket_user(body["ticket"], poll_id=poll.pk) == reader.pk


def _refused(ticket: str, poll_id: int) -> str:
    with pytest.raises(ProblemError) as refused:
        voters.ticket_user(ticket, poll_id=poll_id)
    assert refused.value.problem.code == "stream_ticket_invalid"
    assert refused.value.problem.status == 401
    return refused.value.detail


def test_a_ticket_is_valid_for_its_poll_only(poll):
    ticket = voters.ticket_issue(poll_id=poll.pk, user_id=7)

    assert "another poll" in _refused(ticket, poll.pk + 1)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: signing.dumps({"p": 1, "u": 1}).split(":")[0] + t[t.index(":") :],
        lambda t: signing.dumps({"p": 1, "u": 1}),  # signed, but not as a ticket (salt)
        lambda t: "",
        lambda t: "x" * 5000,
        lambda t: "not:a:ticket",
    ],
    ids=["signature", "payload", "other salt", "empty", "huge", "garbage"],
)
def test_a_tampered_ticket_is_refused(poll, tamper):
    ticket = voters.ticket_issue(poll_id=poll.pk, user_id=poll.owner_id)

    _refused(tamper(ticket), poll.pk)


def test_a_ticket_with_the_wrong_claims_is_refused(poll):
    forged = signing.dumps({"p": poll.pk, "u": "1"}, salt="polls.stream-ticket")

    _refused(forged, poll.pk)
    _refused(signing.dumps([poll.pk, 1], salt="polls.stream-ticket"), poll.pk)


def _issued_seconds_ago(monkeypatch, seconds: int, poll: Poll) -> str:
    """A ticket signed ``seconds`` ago (the signer's timestamp, not the clock, moves)."""
    with monkeypatch.context() as patch:
        patch.setattr(
            signing.TimestampSigner,
            "timestamp",
            lambda self: signing.b62_encode(int(time.time()) - seconds),
        )
        return voters.ticket_issue(poll_id=poll.pk, user_id=poll.owner_id)


def test_a_ticket_expires_after_about_a_minute(poll, monkeypatch):
    fresh = _issued_seconds_ago(monkeypatch, 50, poll)
    stale = _issued_seconds_ago(monkeypatch, 65, poll)

    assert voters.ticket_user(fresh, poll_id=poll.pk) == poll.owner_id
    assert "expired" in _refused(stale, poll.pk)


def test_the_ticket_lifetime_is_a_setting(poll, settings, monkeypatch):
    settings.POLLS_STREAM_TICKET_SECONDS = 5
    ticket = _issued_seconds_ago(monkeypatch, 10, poll)

    assert "expired" in _refused(ticket, poll.pk)
    assert client_for(user()).post(poll_url(poll.pk, "stream-ticket")).json()["expires_in"] == 5
