"""The live page's first paint (``/polls/{id}/live/``), before any script runs: the
results this viewer may see, from the same ``results_for`` as the API and the stream."""

from __future__ import annotations

import re

import pytest

from polls.models import Poll
from tests.polls.factories import cast, make_poll, user

pytestmark = pytest.mark.django_db

NO_COUNT = "\u2013"  # the en dash a hidden count shows


def _page(client, poll_pk: int) -> str:
    response = client.get(f"/polls/{poll_pk}/live/")
    assert response.status_code == 200
    return response.content.decode()


def _counts(html: str) -> list[str]:
    return re.findall(r'<span class="count">([^<]*)</span>', html)


def test_visible_results_are_painted_with_counts_and_total(client):
    poll = make_poll(options=("Red", "Green", "Blue"))
    cast(poll, user(), 0)
    cast(poll, user(), 0)
    cast(poll, user(), 1)

    html = _page(client, poll.pk)

    assert _counts(html) == ["2 · 66.7%", "1 · 33.3%", "0 · 0%"]
    assert '<span id="total" class="total">3 votes</span>' in html
    assert 'data-state="open">open</span>' in html
    assert re.search(r'<p id="hidden-note" class="note" hidden>\s*</p>', html)


def test_hidden_results_paint_no_numbers_and_say_when_they_appear(client):
    poll = make_poll(results_visibility=Poll.Visibility.AFTER_CLOSE)
    cast(poll, user(), 1)

    html = _page(client, poll.pk)

    assert _counts(html) == [NO_COUNT] * 3
    assert '<span id="total" class="total">results hidden</span>' in html
    assert "Results appear when the poll closes." in html


def test_the_owner_sees_hidden_results_on_the_page(client):
    owner = user()
    poll = make_poll(owner, results_visibility=Poll.Visibility.AFTER_CLOSE)
    cast(poll, user(), 2)
    client.force_login(owner)

    assert _counts(_page(client, poll.pk)) == ["0 · 0%", "0 · 0%", "1 · 100%"]


def test_an_unknown_poll_has_no_page(client):
    assert client.get("/polls/987654/live/").status_code == 404
    assert client.get("/p/987654/").status_code == 404
