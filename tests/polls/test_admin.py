"""The admin shows polls and their options, never ballots or votes, and an edit made
there reaches readers (version and cached results) as an API edit does."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from polls import services
from polls.admin import PollAdmin
from polls.models import Ballot, Option, Poll, Vote
from tests.helpers import client_for
from tests.polls.factories import cast, make_poll, poll_url, tallies, user

pytestmark = pytest.mark.django_db


def _change_form(browser, poll, **changes) -> dict:
    """The admin's change form for ``poll`` as a browser would submit it."""
    form = browser.get(f"/admin/polls/poll/{poll.pk}/change/").context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None and name not in ("opens_at", "closes_at")
    }
    data.update(
        {
            "owner": poll.owner_id,
            "opens_at_0": poll.opens_at.strftime("%Y-%m-%d"),
            "opens_at_1": poll.opens_at.strftime("%H:%M:%S"),
            "options-TOTAL_FORMS": "0",
            "options-INITIAL_FORMS": "0",
            **changes,
        }
    )
    return data


@pytest.fixture
def browser():
    client = Client()
    client.force_login(user(is_staff=True, is_superuser=True))
    return client


def test_ballots_and_votes_are_not_in_the_admin():
    registered = set(admin.site._registry)

    assert {Poll} <= registered
    assert not {Ballot, Vote, Option} & registered


def test_the_poll_pages_name_no_voter(browser):
    poll = make_poll()
    voter = user(username="very_secret_voter")
    cast(poll, voter, 1)

    listing = browser.get("/admin/polls/poll/")
    change = browser.get(f"/admin/polls/poll/{poll.pk}/change/")

    assert listing.status_code == change.status_code == 200
    assert poll.question in listing.content.decode()
    assert "very_secret_voter" not in listing.content.decode() + change.content.decode()


def test_an_admin_edit_reaches_readers(browser, django_capture_on_commit_callbacks):
    poll = make_poll(question="Before?")
    assert client_for().get(poll_url(poll.pk, "results")).json()["question"] == "Before?"
    data = _change_form(browser, poll, question="After?")

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/admin/polls/poll/{poll.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    poll.refresh_from_db()
    assert (poll.question, poll.version) == ("After?", 2)
    assert client_for().get(poll_url(poll.pk, "results")).json()["question"] == "After?"


def test_an_admin_edit_does_not_write_back_tallies_read_before_a_vote(
    browser, monkeypatch, django_capture_on_commit_callbacks
):
    """A vote commits while the admin's POST is being processed (after it read the
    poll): the edit must not write the stale ``voter_count`` and ``version`` back."""
    poll = make_poll(question="Before?")
    voter = user()
    real_get_object = PollAdmin.get_object

    def get_object_then_someone_votes(self, request, object_id, from_field=None):
        obj = real_get_object(self, request, object_id, from_field)
        if request.method == "POST":
            cast(poll, voter, 0)
        return obj

    monkeypatch.setattr(PollAdmin, "get_object", get_object_then_someone_votes)
    data = _change_form(browser, poll, question="After?")

    response = browser.post(f"/admin/polls/poll/{poll.pk}/change/", data)

    assert response.status_code == 302
    poll.refresh_from_db()
    assert poll.question == "After?"
    assert poll.voter_count == 1  # the vote, as its ballot says
    assert tallies(poll) == [1, 0, 0]
    assert poll.version == 3  # created, the vote, the edit
    assert services.tallies_reconcile() == 0


def test_the_admin_cannot_create_a_poll_without_options(browser):
    """Polls are created through the API (2 to 20 options, checked by the service): an
    admin "add" would make a poll with no options, which has no results at all."""
    owner = user()

    page = browser.get("/admin/polls/poll/add/")
    response = browser.post(
        "/admin/polls/poll/add/",
        {
            "owner": owner.pk,
            "question": "No options?",
            "description": "",
            "opens_at_0": "2030-01-01",
            "opens_at_1": "10:00:00",
            "results_visibility": "always",
            "options-TOTAL_FORMS": "0",
            "options-INITIAL_FORMS": "0",
        },
    )

    assert Poll.objects.count() == 0, (page.status_code, response.status_code)
    assert page.status_code == response.status_code == 403
