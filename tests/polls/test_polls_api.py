"""Polls over the API: create, read, list, edit, delete and close, as their owner
sees it. Refusals by other people are in ``test_authorization``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from polls.models import Ballot, Option, Poll
from tests.helpers import assert_invalid, assert_problem, client_for
from tests.helpers.pages import ids as page_ids
from tests.helpers.pages import walk
from tests.polls.factories import (
    POLLS,
    cast,
    close_by_clock,
    make_poll,
    option_ids,
    poll_state,
    poll_url,
    scheduled,
    tallies,
    user,
)

pytestmark = pytest.mark.django_db


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [poll["id"] for poll in response.json()["results"]]


# --- create ---------------------------------------------------------------------------


def test_create_answers_201_with_the_options_and_their_ids():
    owner = user()
    closes = timezone.now() + timedelta(days=2)

    response = client_for(owner).post(
        POLLS,
        {
            "question": "Lunch?",
            "description": "Friday",
            "options": ["Pizza", " Sushi ", "Salad"],
            "closes_at": closes.isoformat(),
            "results_visibility": "after_vote",
            "allow_anonymous": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    poll = Poll.objects.get()
    assert body["id"] == poll.pk
    assert body["question"] == "Lunch?"
    assert body["description"] == "Friday"
    assert body["owner"] == {"id": owner.pk, "username": owner.username}
    assert (body["kind"], body["max_choices"], body["state"]) == ("single", None, "open")
    assert body["results_visibility"] == "after_vote"
    assert body["allow_anonymous"] is True
    assert body["closed_at"] is None
    assert [(o["text"], o["position"]) for o in body["options"]] == [
        ("Pizza", 0),
        ("Sushi", 1),
        ("Salad", 2),
    ]
    assert [o["id"] for o in body["options"]] == option_ids(poll)
    assert body["links"] == {  # absolute, as every link the API returns
        "results": f"http://testserver{poll_url(poll.pk)}results/",
        "stream": f"http://testserver{poll_url(poll.pk)}results/stream/",
        "live": f"http://testserver/polls/{poll.pk}/live/",
    }
    assert (poll.owner_id, poll.voter_count, poll.status) == (owner.pk, 0, "open")
    assert abs((poll.closes_at - closes).total_seconds()) < 1


def test_create_a_multiple_choice_poll_with_max_choices():
    response = client_for(user()).post(
        POLLS,
        {
            "question": "Toppings?",
            "options": ["A", "B", "C", "D"],
            "kind": "multiple",
            "max_choices": 2,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert (response.json()["kind"], response.json()["max_choices"]) == ("multiple", 2)
    assert len(response.json()["options"]) == 4


def test_create_a_scheduled_poll():
    opens = timezone.now() + timedelta(hours=3)

    response = client_for(user()).post(
        POLLS,
        {"question": "Later?", "options": ["Yes", "No"], "opens_at": opens.isoformat()},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["state"] == "scheduled"


def _past() -> str:
    return (timezone.now() - timedelta(minutes=5)).isoformat()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"options": ["Only one"]}, "options"),
        ({"options": []}, "options"),
        ({"options": ["Yes", "no", "YES"]}, "options"),
        ({"options": ["Straße", "STRASSE"]}, "options"),
        ({"options": [f"Option {n}" for n in range(21)]}, "options"),
        ({"options": ["Fine", "   "]}, "options"),
        ({"options": "Yes,No"}, "options"),
        ({"closes_at": "PAST"}, "closes_at"),
        ({"max_choices": 1}, "max_choices"),
        ({"kind": "multiple", "max_choices": 4}, "max_choices"),
        ({"kind": "multiple", "max_choices": 0}, "max_choices"),
        ({"kind": "ranked"}, "kind"),
        ({"question": ""}, "question"),
        ({"question": "Q" * 301}, "question"),
        ({"options": ["B", "A" * 201]}, "options.1"),
        ({"results_visibility": "never"}, "results_visibility"),
    ],
)
def test_create_refuses_a_bad_poll_naming_the_field(changes, field):
    body = {"question": "Q?", "options": ["A", "B", "C"], **changes}
    if body.get("closes_at") == "PAST":
        body["closes_at"] = _past()

    response = client_for(user()).post(POLLS, body, format="json")

    assert_invalid(response, field)
    assert Poll.objects.count() == 0
    assert Option.objects.count() == 0


def test_create_accepts_exactly_twenty_options_and_two():
    client = client_for(user())
    twenty = client.post(
        POLLS, {"question": "Many?", "options": [f"O{n}" for n in range(20)]}, format="json"
    )
    two = client.post(POLLS, {"question": "Two?", "options": ["A", "B"]}, format="json")

    assert (twenty.status_code, two.status_code) == (201, 201)
    assert len(twenty.json()["options"]) == 20


def test_create_refuses_a_close_before_the_open():
    opens = timezone.now() + timedelta(days=2)
    response = client_for(user()).post(
        POLLS,
        {
            "question": "Q?",
            "options": ["A", "B"],
            "opens_at": opens.isoformat(),
            "closes_at": (opens - timedelta(hours=1)).isoformat(),
        },
        format="json",
    )

    assert_invalid(response, "closes_at")
    assert Poll.objects.count() == 0


def test_anonymous_create_is_401_and_creates_nothing():
    response = client_for().post(POLLS, {"question": "Q?", "options": ["A", "B"]}, format="json")

    assert_problem(response, 401, "not_authenticated")
    assert Poll.objects.count() == 0


# --- detail and list --------------------------------------------------------------------


def test_detail_is_public():
    poll = make_poll(question="Tea or coffee?", options=["Tea", "Coffee"])

    response = client_for().get(poll_url(poll.pk))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["question"], body["state"]) == (poll.pk, "Tea or coffee?", "open")
    assert [o["text"] for o in body["options"]] == ["Tea", "Coffee"]


def test_an_unknown_poll_is_404():
    response = client_for().get(poll_url(987654))

    assert_problem(response, 404, "not_found")


def test_the_list_is_newest_first_and_pages_by_keyset():
    polls = [make_poll() for _ in range(5)]
    client = client_for()

    first = client.get(POLLS, {"page_size": 2})
    second = client.get(first.json()["next"])
    third = client.get(second.json()["next"])

    newest_first = [poll.pk for poll in reversed(polls)]
    assert _ids(first) == newest_first[:2]
    assert _ids(second) == newest_first[2:4]
    assert _ids(third) == newest_first[4:]
    assert "cursor=" in first.json()["next"]
    assert third.json()["next"] is None


@pytest.mark.parametrize("ordering", ["-id", "id"])
def test_the_list_pages_back_with_previous_to_the_same_pages(ordering):
    polls = [make_poll() for _ in range(5)]

    pages = walk(client_for(), f"http://testserver{POLLS}?ordering={ordering}&page_size=2")

    expected = [poll.pk for poll in polls]
    assert page_ids(pages) == (expected if ordering == "id" else expected[::-1])
    assert [len(page["results"]) for page in pages] == [2, 2, 1]


def test_a_poll_created_between_pages_does_not_shift_the_next_page():
    polls = [make_poll() for _ in range(4)]
    client = client_for()
    first = client.get(POLLS, {"page_size": 2})

    make_poll()
    second = client.get(first.json()["next"])

    assert _ids(second) == [polls[1].pk, polls[0].pk]


def test_page_size_is_capped():
    make_poll()
    client = client_for()

    assert client.get(POLLS, {"page_size": 100}).status_code == 200
    assert_invalid(client.get(POLLS, {"page_size": 101}), "page_size")
    assert_invalid(client.get(POLLS, {"page_size": 0}), "page_size")


def test_a_malformed_cursor_is_a_400():
    assert_invalid(client_for().get(POLLS, {"cursor": "not-a-cursor"}), "cursor")


@pytest.fixture
def in_every_state():
    """One poll per state, and one closed only by the clock (status still open)."""
    open_poll = make_poll()
    future = scheduled()
    by_owner = make_poll()
    Poll.objects.filter(pk=by_owner.pk).update(status="closed", closed_at=timezone.now())
    by_clock = close_by_clock(make_poll())
    return {"open": open_poll, "scheduled": future, "by_owner": by_owner, "by_clock": by_clock}


@pytest.mark.parametrize("name", ["state", "status"], ids=["state", "deprecated status"])
def test_state_filters_by_the_state_polls_read_as(in_every_state, name):
    """The filter is named after the field it filters, `state`, and takes its values;
    `status`, its first name, keeps working."""
    polls = in_every_state
    client = client_for()

    assert _ids(client.get(POLLS, {name: "open"})) == [polls["open"].pk]
    assert _ids(client.get(POLLS, {name: "scheduled"})) == [polls["scheduled"].pk]
    assert _ids(client.get(POLLS, {name: "closed"})) == [
        polls["by_clock"].pk,
        polls["by_owner"].pk,
    ]
    states = {poll["id"]: poll["state"] for poll in client.get(POLLS).json()["results"]}
    assert states == {
        polls["open"].pk: "open",
        polls["scheduled"].pk: "scheduled",
        polls["by_owner"].pk: "closed",
        polls["by_clock"].pk: "closed",
    }
    assert client.get(poll_url(polls["by_clock"].pk)).json()["state"] == "closed"


def test_an_unknown_state_is_a_400_naming_the_parameter_sent():
    assert_invalid(client_for().get(POLLS, {"state": "archived"}), "state")
    assert_invalid(client_for().get(POLLS, {"status": "archived"}), "status")


def test_state_and_its_deprecated_name_must_agree(in_every_state):
    client = client_for()

    same = client.get(POLLS, {"state": "open", "status": "open"})
    conflicting = client.get(POLLS, {"state": "open", "status": "closed"})

    assert _ids(same) == [in_every_state["open"].pk]
    assert_invalid(conflicting, "status")


def test_the_schema_documents_status_as_deprecated(client):
    schema = client.get("/api/schema/?format=json").json()
    parameters = {
        p["name"]: p
        for p in schema["paths"]["/api/v1/polls/polls/"]["get"]["parameters"]
        if p["in"] == "query"
    }

    assert parameters["state"]["schema"]["enum"] == ["scheduled", "open", "closed"]
    assert not parameters["state"].get("deprecated")
    assert parameters["status"]["deprecated"] is True
    assert set(parameters["status"]["schema"]["enum"]) == {"scheduled", "open", "closed"}


def test_next_keeps_the_filters():
    owner = user()
    polls = [make_poll(owner) for _ in range(3)]
    make_poll()
    close_by_clock(make_poll(owner))
    client = client_for()

    first = client.get(POLLS, {"state": "open", "owner": owner.pk, "page_size": 2})
    second = client.get(first.json()["next"])

    assert _ids(first) + _ids(second) == [poll.pk for poll in reversed(polls)]
    assert second.json()["next"] is None


def test_owner_filters_by_user_id():
    alice, bob = user(), user()
    mine = [make_poll(alice), make_poll(alice)]
    make_poll(bob)
    client = client_for()

    assert _ids(client.get(POLLS, {"owner": alice.pk})) == [mine[1].pk, mine[0].pk]
    assert _ids(client.get(POLLS, {"owner": alice.pk, "state": "closed"})) == []
    assert _ids(client.get(POLLS, {"owner": 987654})) == []
    assert_invalid(client.get(POLLS, {"owner": "alice"}), "owner")


# --- edit -------------------------------------------------------------------------------


def test_the_owner_edits_the_question_and_the_version_moves():
    owner = user()
    poll = make_poll(owner)

    response = client_for(owner).patch(
        poll_url(poll.pk), {"question": "Better question?", "description": "More"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["question"], response.json()["description"]) == (
        "Better question?",
        "More",
    )
    poll.refresh_from_db()
    assert (poll.question, poll.version) == ("Better question?", 2)


def test_the_owner_replaces_options_and_kind_before_the_first_vote():
    owner = user()
    poll = make_poll(owner)
    old_ids = option_ids(poll)

    response = client_for(owner).patch(
        poll_url(poll.pk),
        {"options": ["One", "Two", "Three", "Four"], "kind": "multiple", "max_choices": 3},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert [o["text"] for o in body["options"]] == ["One", "Two", "Three", "Four"]
    assert (body["kind"], body["max_choices"]) == ("multiple", 3)
    assert set(option_ids(poll)).isdisjoint(old_ids)


def test_switching_back_to_single_choice_drops_max_choices():
    owner = user()
    poll = make_poll(owner, kind="multiple", max_choices=2)

    response = client_for(owner).patch(poll_url(poll.pk), {"kind": "single"}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["kind"], response.json()["max_choices"]) == ("single", None)
    assert Poll.objects.values_list("kind", "max_choices").get(pk=poll.pk) == ("single", None)


@pytest.mark.parametrize(
    "changes",
    [
        {"options": ["New A", "New B"]},
        {"kind": "multiple"},
        {"max_choices": 2},
        {"opens_at": (timezone.now() - timedelta(hours=1)).isoformat()},
    ],
    ids=["options", "kind", "max_choices", "opens_at"],
)
def test_structure_cannot_change_after_the_first_vote(changes):
    owner = user()
    poll = make_poll(owner, kind="multiple") if "max_choices" in changes else make_poll(owner)
    cast(poll, user(), 1)
    before = poll_state(poll)

    response = client_for(owner).patch(poll_url(poll.pk), changes, format="json")

    body = assert_problem(response, 409, "poll_has_votes")
    assert body["voter_count"] == 1
    assert poll_state(poll) == before


def test_wording_and_deadline_can_change_after_votes():
    owner = user()
    poll = make_poll(owner)
    cast(poll, user(), 0)
    closes = timezone.now() + timedelta(days=1)

    response = client_for(owner).patch(
        poll_url(poll.pk),
        {
            "question": "Reworded?",
            "closes_at": closes.isoformat(),
            "results_visibility": "after_close",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["question"] == "Reworded?"
    assert tallies(poll) == [1, 0, 0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"options": ["Same", "same"]}, "options"),
        ({"options": ["Alone"]}, "options"),
        ({"closes_at": "PAST"}, "closes_at"),
        ({"max_choices": 2}, "max_choices"),
        ({"question": ""}, "question"),
    ],
)
def test_an_invalid_edit_is_a_400_and_changes_nothing(changes, field):
    owner = user()
    poll = make_poll(owner)
    if changes.get("closes_at") == "PAST":
        changes = {"closes_at": _past()}
    before = poll_state(poll)

    response = client_for(owner).patch(poll_url(poll.pk), changes, format="json")

    assert_invalid(response, field)
    assert poll_state(poll) == before


@pytest.mark.parametrize("how", ["by_owner", "by_clock"])
def test_a_closed_poll_cannot_be_edited(how):
    owner = user()
    poll = make_poll(owner)
    cast(poll, user(), 0)
    if how == "by_owner":
        client_for(owner).post(poll_url(poll.pk, "close"))
    else:
        close_by_clock(poll)
    before = poll_state(poll)

    response = client_for(owner).patch(poll_url(poll.pk), {"question": "Too late?"}, format="json")

    assert_problem(response, 409, "poll_closed")
    assert poll_state(poll) == before


# --- delete and close ---------------------------------------------------------------------


def test_the_owner_deletes_a_poll_with_its_options_and_ballots():
    owner = user()
    poll = make_poll(owner)
    cast(poll, user(), 0)
    other = make_poll(owner)

    response = client_for(owner).delete(poll_url(poll.pk))

    assert response.status_code == 204
    assert list(Poll.objects.values_list("pk", flat=True)) == [other.pk]
    assert Option.objects.filter(poll_id=poll.pk).count() == 0
    assert Ballot.objects.count() == 0
    assert_problem(client_for().get(poll_url(poll.pk)), 404, "not_found")
    assert_problem(client_for(owner).delete(poll_url(poll.pk)), 404, "not_found")


def test_the_owner_closes_a_poll_once_and_votes_are_then_refused():
    owner = user()
    poll = make_poll(owner)
    cast(poll, user(), 2)
    client = client_for(owner)

    first = client.post(poll_url(poll.pk, "close"))
    closed = poll_state(poll)
    again = client.post(poll_url(poll.pk, "close"))

    assert first.status_code == 200, first.content
    assert first.json()["state"] == "closed"
    assert first.json()["closed_at"] is not None
    assert closed["poll"]["status"] == "closed"
    assert closed["poll"]["version"] == 3  # created, one vote, the close
    assert again.status_code == 200
    assert again.json()["closed_at"] == first.json()["closed_at"]
    assert poll_state(poll) == closed  # idempotent: nothing moved the second time

    vote = client_for(user()).post(
        poll_url(poll.pk, "vote"), {"option": option_ids(poll)[0]}, format="json"
    )
    assert_problem(vote, 409, "poll_closed")
    assert poll_state(poll) == closed


def test_closing_a_poll_past_its_deadline_records_the_deadline():
    owner = user()
    poll = close_by_clock(make_poll(owner))

    response = client_for(owner).post(poll_url(poll.pk, "close"))

    assert response.status_code == 200
    poll.refresh_from_db()
    assert (poll.status, poll.closed_at) == ("closed", poll.closes_at)


def test_closing_an_unknown_poll_is_404():
    assert_problem(client_for(user()).post(poll_url(987654, "close")), 404, "not_found")


def test_an_unknown_parameter_is_a_400_naming_the_allowed_ones_and_changes_nothing():
    owner = user()
    poll = make_poll(owner)
    client = client_for(owner)
    before, count = poll_state(poll), Poll.objects.count()

    created = client.post(
        f"{POLLS}?draft=1", {"question": "Q?", "options": ["A", "B"]}, format="json"
    )
    edited = client.patch(f"{poll_url(poll.pk)}?notify=1", {"question": "New?"}, format="json")
    deleted = client.delete(f"{poll_url(poll.pk)}?force=1")
    read = client.get(poll_url(poll.pk), {"expand": "owner"})
    listed = client.get(POLLS, {"stat": "open"})

    for response, name in [
        (created, "draft"),
        (edited, "notify"),
        (deleted, "force"),
        (read, "expand"),
    ]:
        body = assert_invalid(response, name)
        assert body["errors"][name][0]["message"] == "This operation takes no parameters."
    listed_message = assert_invalid(listed, "stat")["errors"]["stat"][0]["message"]
    assert (
        listed_message
        == "Unknown parameter; use: cursor, ordering, owner, page_size, state, status."
    )
    assert (poll_state(poll), Poll.objects.count()) == (before, count)
