"""``GET .../results/``: the document, its ETag, and the cache behind it (a repeat
read runs no SQL; every vote, retraction, edit and close shows on the next read)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.helpers import assert_problem, client_for
from tests.polls.factories import (
    cast,
    make_poll,
    option_ids,
    poll_url,
    user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unthrottled")]


def results(client, poll, **headers):
    return client.get(poll_url(poll.pk, "results"), **headers)


def _votes(response) -> list[int | None]:
    return [option["votes"] for option in response.json()["options"]]


def test_the_results_document():
    poll = make_poll(question="Colour?", options=["Red", "Green", "Blue"])
    for position in (0, 0, 1):
        cast(poll, user(), position)
    poll.refresh_from_db()

    response = results(client_for(), poll)

    assert response.status_code == 200, response.content
    body = response.json()
    ids = option_ids(poll)
    assert body == {
        "poll": poll.pk,
        "question": "Colour?",
        "kind": "single",
        "state": "open",
        "closed": False,
        "closes_at": None,
        "results_visibility": "always",
        "visible": True,
        "total_votes": 3,
        "options": [
            {"id": ids[0], "text": "Red", "votes": 2, "percent": 66.7},
            {"id": ids[1], "text": "Green", "votes": 1, "percent": 33.3},
            {"id": ids[2], "text": "Blue", "votes": 0, "percent": 0.0},
        ],
        "version": poll.version,
    }
    assert poll.version == 4
    assert response["Cache-Control"] == "private, no-cache"
    assert "Authorization" in response["Vary"]
    assert "Cookie" in response["Vary"]


def test_no_votes_yet_is_zero_percent_not_an_error():
    poll = make_poll()

    body = results(client_for(), poll).json()

    assert body["total_votes"] == 0
    assert [(o["votes"], o["percent"]) for o in body["options"]] == [(0, 0.0)] * 3


def test_multiple_choice_percentages_are_of_voters():
    poll = make_poll(options=["A", "B", "C"], kind="multiple")
    cast(poll, user(), 0, 1)
    cast(poll, user(), 0)

    body = results(client_for(), poll).json()

    assert body["total_votes"] == 2
    assert [(o["votes"], o["percent"]) for o in body["options"]] == [
        (2, 100.0),
        (1, 50.0),
        (0, 0.0),
    ]


def test_an_unknown_poll_has_no_results():
    assert_problem(client_for().get(poll_url(987654, "results")), 404, "not_found")


def test_etag_and_if_none_match():
    poll = make_poll()
    cast(poll, user(), 1)
    client = client_for()

    first = results(client, poll)
    etag = first["ETag"]
    unchanged = results(client, poll, HTTP_IF_NONE_MATCH=etag)
    stale = results(client, poll, HTTP_IF_NONE_MATCH='"something-else"')

    assert etag
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert stale.status_code == 200
    assert stale["ETag"] == etag


def test_a_repeat_read_is_served_from_the_cache_without_sql(django_assert_num_queries):
    poll = make_poll()
    cast(poll, user(), 2)
    client = client_for()
    first = results(client, poll)

    with django_assert_num_queries(0):
        second = results(client, poll)

    assert second.json() == first.json()


def test_a_vote_invalidates_the_cache_and_changes_the_etag(django_capture_on_commit_callbacks):
    poll = make_poll()
    reader = client_for()
    before = results(reader, poll)
    assert _votes(before) == [0, 0, 0]

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user()).post(
            poll_url(poll.pk, "vote"), {"option": option_ids(poll)[1]}, format="json"
        )
    assert response.status_code == 201
    after = results(reader, poll, HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert _votes(after) == [0, 1, 0]
    assert after.json()["total_votes"] == 1
    assert after.json()["version"] == before.json()["version"] + 1
    assert after["ETag"] != before["ETag"]


def test_a_retraction_invalidates_the_cache(django_capture_on_commit_callbacks):
    poll = make_poll()
    voter = client_for(user())
    with django_capture_on_commit_callbacks(execute=True):
        voter.post(poll_url(poll.pk, "vote"), {"option": option_ids(poll)[0]}, format="json")
    assert _votes(results(client_for(), poll)) == [1, 0, 0]

    with django_capture_on_commit_callbacks(execute=True):
        assert voter.delete(poll_url(poll.pk, "vote")).status_code == 204

    assert _votes(results(client_for(), poll)) == [0, 0, 0]


def test_the_close_and_an_edit_invalidate_the_cache(django_capture_on_commit_callbacks, eager):
    owner = user()
    poll = make_poll(owner)
    assert results(client_for(), poll).json()["closed"] is False

    with django_capture_on_commit_callbacks(execute=True):
        client_for(owner).patch(poll_url(poll.pk), {"question": "Renamed?"}, format="json")
    assert results(client_for(), poll).json()["question"] == "Renamed?"

    with django_capture_on_commit_callbacks(execute=True):
        client_for(owner).post(poll_url(poll.pk, "close"))
    body = results(client_for(), poll).json()
    assert (body["closed"], body["state"]) == (True, "closed")


def test_a_deadline_passing_shows_as_closed_even_from_the_cache(
    monkeypatch, django_assert_num_queries
):
    poll = make_poll(closes_at=timezone.now() + timedelta(hours=1))
    cast(poll, user(), 0)
    first = results(client_for(), poll).json()  # cached while open
    assert (first["state"], first["closed"]) == ("open", False)

    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with django_assert_num_queries(0):  # nothing but the clock moved: still the cache
        body = results(client_for(), poll).json()

    assert (body["state"], body["closed"]) == ("closed", True)
    assert _votes(results(client_for(), poll)) == [1, 0, 0]
    # the close readers derive counts as a change: the version moves on
    assert body["version"] == first["version"] + 1


def test_an_edit_of_the_options_and_a_delete_invalidate_the_cache(
    django_capture_on_commit_callbacks,
):
    owner = user()
    poll = make_poll(owner)
    assert [o["text"] for o in results(client_for(), poll).json()["options"]] == [
        "Red",
        "Green",
        "Blue",
    ]

    with django_capture_on_commit_callbacks(execute=True):
        client_for(owner).patch(poll_url(poll.pk), {"options": ["Yes", "No"]}, format="json")
    body = results(client_for(), poll).json()
    assert [(o["id"], o["text"]) for o in body["options"]] == list(
        zip(option_ids(poll), ["Yes", "No"], strict=True)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(owner).delete(poll_url(poll.pk)).status_code == 204
    assert_problem(results(client_for(), poll), 404, "not_found")


def test_results_of_a_scheduled_poll():
    poll = make_poll(opens_at=timezone.now() + timedelta(days=1))

    body = results(client_for(), poll).json()

    assert (body["state"], body["closed"], body["total_votes"]) == ("scheduled", False, 0)
