"""The live results page (``/polls/{id}/live/``) in the system Chromium, on a real
uvicorn (tests/core/live_servers.py: the page's EventSource needs a server that
streams, which pytest-django's WSGI ``live_server`` does not).

Each test checks what a person would see: the page goes live, a vote cast elsewhere
moves the bar, the count and the total without a reload, a voter signs in and votes
through the page's own forms, and the page fits a phone. Every tab fails its test on
a CSP violation, a console error, an uncaught exception or a failed request
(tests/core/browser.py).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.core.browser import Visit, browser_fixture  # noqa: F401  (the `browser` fixture)
from tests.core.live_servers import Server, start_servers
from tests.polls.live import api, bearer, make_poll, make_user, option_ids, poll_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),  # the server reads what the test writes
    pytest.mark.timeout(90),
]

PHONE = {"width": 390, "height": 844}
OWN_RECONNECT = re.compile(
    r"request failed: GET http://127\.0\.0\.1:\d+/api/v1/polls/polls/\d+/results/stream/"
    r"(\?ticket=[\w:.-]+)? \(net::ERR_ABORTED\)"
)
PASSWORD = "a-long-live-page-password"


@pytest.fixture(scope="module")
def server(chromium_executable, django_db_setup, tmp_path_factory) -> Iterator[Server]:
    # chromium_executable first: without a browser the test skips (or fails under CI)
    # before a server is started.
    with contextlib.contextmanager(start_servers)(
        tmp_path_factory.mktemp("live-page"), kinds=("uvicorn",)
    ) as servers:
        yield servers["uvicorn"]


class LiveVisit(Visit):
    """A tab that also keeps every console message, to show none is about the CSP."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.console: list[str] = []
        self.page.on("console", lambda message: self.console.append(message.text))

    def assert_clean(self) -> None:
        # Not Visit's wait for network idle: the page keeps its stream open for good.
        self.collect_violations()
        policy = [text for text in self.console if "Content Security Policy" in text]
        assert policy == [], "\n".join(policy)
        # The page closes its stream itself to reopen it as someone else (signed in, or
        # having voted): Chromium reports the closed one as aborted, and only that is fine.
        problems = [text for text in self.problems if not OWN_RECONNECT.fullmatch(text)]
        assert problems == [], "\n".join(problems)


def _visit(browser: Browser, server: Server, **context_options) -> Iterator[LiveVisit]:
    context = browser.new_context(**context_options)
    try:
        yield LiveVisit(context, f"http://127.0.0.1:{server.port}")
    finally:
        context.close()


@pytest.fixture
def visit(server, browser) -> Iterator[LiveVisit]:  # server first: started without the
    yield from _visit(browser, server)  # browser fixture's DJANGO_ALLOW_ASYNC_UNSAFE


@pytest.fixture
def phone(server, browser) -> Iterator[LiveVisit]:
    yield from _visit(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)


def bar(page: Page, option_id: int):
    return page.locator(f'#bars .bar[data-option="{option_id}"]')


def width(percent: str) -> re.Pattern[str]:
    return re.compile(rf"(^|;)\s*width:\s*{re.escape(percent)};")


def go_live(visit: LiveVisit, poll) -> Page:
    page = visit.open(f"/polls/{poll.pk}/live/")
    expect(page.locator("h1#question")).to_have_text(poll.question)
    expect(page.locator("#live-status")).to_have_text("live")
    expect(page.locator("#state")).to_have_text("open")
    # Marks this document: still there later means the page was never reloaded.
    page.evaluate("window.__sameDocument = true")
    return page


def not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def cast(server: Server, poll, position: int, headers: dict[str, str]) -> None:
    response = api(server).post(
        poll_path(poll.pk, "vote/"), json={"option": option_ids(poll)[position]}, headers=headers
    )
    assert response.status_code == 201, response.text


def test_a_vote_cast_elsewhere_moves_the_bars_and_the_total(server, visit):
    poll = make_poll(make_user(), options=("Tea", "Coffee"), allow_anonymous=True)
    tea, coffee = option_ids(poll)
    page = go_live(visit, poll)
    expect(page.locator("#total")).to_have_text("0 votes")
    expect(bar(page, tea).locator(".fill")).to_have_attribute("style", width("0%"))
    expect(bar(page, tea).locator(".count")).to_have_text("0 · 0%")

    cast(server, poll, 0, bearer(make_user()))  # another client, through the API

    expect(page.locator("#total")).to_have_text("1 vote")
    expect(bar(page, tea).locator(".fill")).to_have_attribute("style", width("100%"))
    expect(bar(page, tea).locator(".count")).to_have_text("1 · 100%")
    expect(bar(page, coffee).locator(".count")).to_have_text("0 · 0%")

    cast(server, poll, 1, {})  # an anonymous one: this poll allows it

    expect(page.locator("#total")).to_have_text("2 votes")
    expect(bar(page, tea).locator(".fill")).to_have_attribute("style", width("50%"))
    expect(bar(page, coffee).locator(".fill")).to_have_attribute("style", width("50%"))
    expect(bar(page, coffee).locator(".count")).to_have_text("1 · 50%")
    expect(page.locator("#live-status")).to_have_text("live")
    not_reloaded(page)
    visit.assert_clean()


def test_a_signed_in_voter_votes_through_the_page(server, visit):
    voter = make_user(username="live_demo_voter", password=PASSWORD)
    poll = make_poll(make_user(), options=("Mornings", "Evenings"), allow_anonymous=False)
    mornings, evenings = option_ids(poll)
    page = go_live(visit, poll)
    expect(page.locator("#total")).to_have_text("0 votes")
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#vote-form")).to_be_hidden()

    page.get_by_label("Username").fill(voter.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("#vote-form")).to_be_visible()
    expect(page.locator("#login-form")).to_be_hidden()
    expect(page.locator("#live-status")).to_have_text("live")  # again, with a ticket
    page.get_by_label("Evenings").check()
    page.get_by_role("button", name="Vote").click()

    expect(page.locator("#vote-message")).to_have_text("Thanks, your vote counted.")
    expect(page.locator("#total")).to_have_text("1 vote")
    expect(bar(page, evenings).locator(".count")).to_have_text("1 · 100%")
    expect(bar(page, mornings).locator(".fill")).to_have_attribute("style", width("0%"))
    assert poll.options.get(pk=evenings).votes == 1
    assert poll.ballots.get().user_id == voter.pk  # counted as that user's
    not_reloaded(page)
    visit.assert_clean()


def test_the_page_fits_a_phone_and_takes_a_vote_there(server, phone):
    poll = make_poll(
        make_user(),
        question="Which of these should the team try first at next month's offsite?",
        options=("A long walk by the river", "Cooking class", "Escape room"),
        allow_anonymous=True,
    )
    page = go_live(phone, poll)
    assert page.viewport_size == PHONE

    def assert_no_horizontal_scroll() -> None:
        overflow = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert overflow[0] <= overflow[1], f"scrollWidth {overflow[0]} > width {overflow[1]}"

    assert_no_horizontal_scroll()
    for option_id in option_ids(poll):
        box = bar(page, option_id).bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]

    page.get_by_label("Cooking class").check()
    page.get_by_role("button", name="Vote").click()

    expect(page.locator("#vote-message")).to_have_text("Thanks, your vote counted.")
    expect(page.locator("#total")).to_have_text("1 vote")
    expect(bar(page, option_ids(poll)[1]).locator(".count")).to_have_text("1 · 100%")
    assert_no_horizontal_scroll()
    not_reloaded(page)
    phone.assert_clean()
