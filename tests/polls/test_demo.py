"""Demo data (the ``demo_seed`` hook), the landing page's link to the live demo poll,
and the live results page and its short link as a browser fetches them (the live
updates are the browser test's, in ``test_live_page``)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from core.site.demo import seed_accounts
from polls import services
from polls.demo import LIVE_QUESTION, OWNER, POLLS, demo_seed, landing_links
from polls.models import Ballot, Option, Poll, Vote
from tests.polls.factories import make_poll, option_ids

pytestmark = pytest.mark.django_db


def _everything() -> dict[str, list]:
    return {
        "polls": list(Poll.objects.order_by("pk").values()),
        "options": list(Option.objects.order_by("pk").values()),
        "ballots": list(Ballot.objects.order_by("pk").values_list("poll_id", "voter", "user_id")),
        "votes": list(Vote.objects.order_by("pk").values_list("ballot_id", "option_id")),
    }


@pytest.fixture
def demo():
    seed_accounts()
    summary = demo_seed()
    return {poll.question: poll for poll in Poll.objects.filter(owner__username=OWNER)}, summary


def test_demo_seed_creates_polls_in_every_state_and_kind_with_exact_tallies(demo):
    polls, summary = demo

    assert summary == f"{len(POLLS)} demo polls created (0 already there)"
    assert len(polls) == len(POLLS) == 6
    states = {question: poll.state() for question, poll in polls.items()}
    assert sorted(states.values()) == ["closed", "open", "open", "open", "open", "scheduled"]

    live = polls[LIVE_QUESTION]
    assert (live.state(), live.allow_anonymous, live.kind) == ("open", True, "single")
    assert live.voter_count == 42

    multiple = [poll for poll in polls.values() if poll.kind == "multiple"]
    assert len(multiple) == 1
    assert multiple[0].max_choices == 3
    per_ballot = Vote.objects.filter(poll=multiple[0]).values_list("ballot_id", flat=True)
    assert max(list(per_ballot).count(b) for b in set(per_ballot)) <= 3
    assert sum(o.votes for o in multiple[0].options.all()) > multiple[0].voter_count

    by_visibility = {poll.results_visibility: poll for poll in polls.values()}
    assert by_visibility["after_vote"].voter_count == 5  # the other demo accounts
    assert by_visibility["after_vote"].state() == "open"
    after_close = by_visibility["after_close"]
    assert after_close.state() == "open"
    assert after_close.closes_at is not None
    assert after_close.voter_count > 0

    closed = [poll for poll in polls.values() if poll.state() == "closed"]
    assert closed[0].status == "closed"
    assert closed[0].voter_count > 0
    scheduled = [poll for poll in polls.values() if poll.state() == "scheduled"]
    assert scheduled[0].voter_count == 0

    # written through the services: the tallies agree with the vote rows
    assert services.tallies_reconcile() == 0
    for poll in Poll.objects.all():
        assert poll.voter_count == poll.ballots.count()
        for option in poll.options.all():
            assert option.votes == option.vote_rows.count()


def test_demo_seed_twice_changes_nothing(demo):
    before = _everything()

    summary = demo_seed()

    assert summary == f"0 demo polls created ({len(POLLS)} already there)"
    assert _everything() == before


def test_demo_seed_without_the_demo_accounts_skips():
    assert demo_seed() == "no demo owner; skipped"
    assert Poll.objects.count() == 0


def test_the_landing_page_links_to_the_live_demo_poll(demo, client):
    polls, _ = demo
    live = polls[LIVE_QUESTION]

    assert landing_links() == [{"label": "Live results page", "url": f"/polls/{live.pk}/live/"}]
    landing = client.get("/").content.decode()
    card = re.search(r'<li class="card" id="domain-polls">(.*?)</li>', landing, re.S)
    assert card, "no polls card on the landing page"
    assert f'href="/polls/{live.pk}/live/"' in card.group(1)
    assert client.get(f"/polls/{live.pk}/live/").status_code == 200


def test_no_demo_poll_means_no_link(client):
    make_poll()

    assert landing_links() == []
    assert client.get("/").status_code == 200


# --- the live page ------------------------------------------------------------------------


def test_the_live_page_renders_the_question_and_options():
    poll = make_poll(question="Tabs or spaces?", options=["Tabs", "Spaces", "Both <b>"])
    page = Client().get(f"/polls/{poll.pk}/live/")

    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "Tabs or spaces?" in html
    for pk, text in zip(option_ids(poll), ("Tabs", "Spaces", "Both &lt;b&gt;"), strict=True):
        assert text in html
        assert f'data-option="{pk}"' in html
    assert "Both <b>" not in html  # escaped
    assert f"/api/v1/polls/polls/{poll.pk}/results/stream/" in html
    assert f"/p/{poll.pk}/" in html  # the short link (and its QR code)
    assert "<svg" in html


def test_the_short_link_redirects_to_the_live_page():
    poll = make_poll()

    response = Client().get(f"/p/{poll.pk}/")

    assert response.status_code == 301
    assert response["Location"] == f"/polls/{poll.pk}/live/"


@pytest.mark.parametrize("path", ["/polls/987654/live/", "/p/987654/"])
def test_an_unknown_poll_has_no_page(path):
    assert Client().get(path).status_code == 404


def test_the_live_page_only_answers_reads():
    poll = make_poll()

    assert Client().post(f"/polls/{poll.pk}/live/").status_code == 405
    assert Client().head(f"/polls/{poll.pk}/live/").status_code == 200
