"""The polls console (/demo/polls/) in the system Chromium, against what `make run`
serves (tests/helpers/consoles.py): demo_customer creates a single-choice poll, opens
its live page from the console and votes there, then finds it under "My polls" with
the vote counted and closes it; and the page at phone width. Plus the page itself from
the Django test client."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.core.browser import browser_fixture  # noqa: F401  (the `browser` fixture)
from tests.helpers.consoles import PHONE, WIDE, ConsoleVisit

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

ACCOUNT = "demo_customer"
SEEDED = "Which Nexus backend should we demo next?"  # polls/demo.py: demo_customer's


@pytest.fixture
def open_console(tabs) -> Callable[[dict[str, int]], ConsoleVisit]:
    def open_at(viewport: dict[str, int]) -> ConsoleVisit:
        visit = tabs(viewport)
        visit.open_console("polls", ACCOUNT)
        return visit

    return open_at


def test_create_vote_on_the_live_page_and_close(open_console):
    visit = open_console(WIDE)
    page = visit.page
    mine = page.locator("#mine-list .poll")
    expect(mine.filter(has_text=SEEDED)).to_have_count(1)
    visit.expect_logged("GET", re.compile(r"/api/v1/polls/polls/\?owner=\d+&page_size=10$"), 200)

    question = f"Console poll {uuid.uuid4().hex[:10]}: which colour?"
    # datetime-local is the browser's local time, which is this machine's.
    closes = (datetime.now().astimezone() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = page.locator("#create-form")
    form.get_by_label("Question").fill(question)
    form.get_by_label(re.compile(r"^Options")).fill("Red\nGreen\nBlue")
    form.get_by_label("Single choice").check()
    form.get_by_label("Results visible").select_option("always")
    form.get_by_label(re.compile(r"^Closes")).fill(closes)
    form.get_by_label("Anyone with the link may vote").check()
    form.get_by_role("button", name="Create the poll").click()
    visit.expect_logged("POST", "/api/v1/polls/polls/", 201)
    expect(page.locator("#create-message")).to_contain_text(f"(open): “{question}”")

    poll = mine.filter(has_text=question)
    expect(poll).to_have_count(1)
    expect(mine.first).to_contain_text(question)  # newest first
    expect(poll.locator(".tag.state")).to_have_text("open")
    expect(poll.locator(".meta")).to_contain_text("single choice · results always visible")
    expect(poll.locator(".meta")).to_contain_text("anonymous votes allowed · closes ")
    poll_id = poll.get_attribute("data-poll")
    expect(page.locator("#open-list")).to_contain_text(question)

    # The live page, opened from the console, takes the vote.
    with page.context.expect_page() as opening:
        poll.get_by_role("link", name="Open the live page").click()
    live = opening.value
    live.wait_for_load_state()
    assert live.url == f"{visit.origin}/polls/{poll_id}/live/"
    expect(live.locator("h1")).to_have_text(question)
    live.get_by_label("Green").check()
    live.get_by_role("button", name="Vote").click()
    expect(live.locator("#vote-message")).to_have_text("Thanks, your vote counted.")
    expect(live.locator("#total")).to_have_text("1 vote")
    assert live.evaluate("window.__cspViolations") == []
    live.close()

    # Back in the console: the vote is counted, and the owner closes the poll.
    poll.get_by_role("button", name="Results").click()
    visit.expect_logged("GET", f"/api/v1/polls/polls/{poll_id}/results/", 200)
    expect(poll.locator(".results .total")).to_have_text("1 vote (open)")
    expect(poll.locator(".results li").filter(has_text="Green")).to_contain_text("1 · 100%")
    poll.get_by_role("button", name="Close now").click()
    visit.expect_logged("POST", f"/api/v1/polls/polls/{poll_id}/close/", 200)
    expect(poll.locator(".tag.state")).to_have_text("closed")
    expect(poll.get_by_role("button", name="Close now")).to_have_count(0)
    expect(poll.locator(".message")).to_contain_text("Closed")
    expect(poll.locator(".results .total")).to_have_text("1 vote (closed)")  # the final result
    expect(page.locator("#open-list")).not_to_contain_text(question)

    visit.assert_clean()
    page.evaluate("window.scrollTo(0, 0)")
    visit.shot("polls-console-1280")

    # The same page on a phone: one column, nothing sideways.
    visit.resize(PHONE)
    expect(page.locator("#mine-list .poll").filter(has_text=SEEDED)).to_have_count(1)
    expect(page.locator("#open-list .poll").first).to_be_visible()
    visit.assert_clean()
    visit.shot("polls-console-390")
