"""The social console (/demo/social/) in the system Chromium, against the server
`make run` starts with its demo data: as demo_customer, compose a post, like, comment
on and share it, follow and unfollow a suggestion, open profiles with their counts;
then as demo_candidate (who follows demo_customer in the demo) find the post in the
home feed with its origin; then the same page at phone width."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.core.browser import browser_fixture  # noqa: F401
from tests.helpers.consoles import PHONE, WIDE, ConsoleVisit

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def _graphql_logged(visit: ConsoleVisit, operation: str) -> None:
    """The page sent this GraphQL operation and the log shows it answered 200 (every
    GraphQL call is a POST /graphql/: the operation's name tells them apart)."""
    entry = (
        visit.page.locator('#request-log .entry[data-method="POST"]')
        .filter(has=visit.page.locator(".path", has_text=re.compile(r"/graphql/$")))
        .filter(has_text=operation)
        .first
    )
    expect(entry).to_have_attribute("data-status", "200")


def _page_until_merged(page: Page, pages: int = 3) -> None:
    message = page.locator("#feed-message")
    for loaded in range(1, pages + 1):
        expect(message).to_contain_text(f"{20 * loaded} entries")
        if not message.inner_text().endswith(" 0 merged at read."):
            return
        page.locator("#feed-more").click()
    raise AssertionError(f"no entry merged at read in the first {pages} pages")


def _count(card: Locator, label: str) -> int:
    value = card.locator(".count", has=card.page.locator("dt", has_text=label)).locator("dd")
    return int(value.inner_text())


def test_post_like_comment_follow_and_read_it_in_a_followers_feed(tabs):
    text = f"Console check {uuid.uuid4().hex[:10]}: fan-out on write."
    visit = tabs(WIDE)
    visit.open_console("social", "demo_customer")
    page, feed = visit.page, visit.page.locator("#feed")
    # The demo feed: both halves of the hybrid, each entry labelled (ada's posts are
    # merged at read; pages on until one shows, should the session have posted a lot).
    expect(feed.locator('li.post[data-origin="FANNED_OUT"]').first).to_contain_text(
        "fanned out at write"
    )
    _page_until_merged(page)
    expect(feed.locator('li.post[data-origin="MERGED_AT_READ"]').first).to_contain_text("@ada")

    page.locator("#compose textarea").fill(text)
    page.get_by_role("button", name="Post", exact=True).click()
    mine = feed.locator("li.post", has_text=text)
    expect(mine).to_contain_text("@demo_customer")
    expect(mine.locator(".tag.origin")).to_have_text("fanned out at write")
    expect(page.locator("#compose-message")).to_contain_text("Posted")
    _graphql_logged(visit, "ConsoleCreatePost")

    mine.locator("button.like").click()
    expect(mine.locator("button.like")).to_have_text("Liked (1)")
    _graphql_logged(visit, "ConsoleLike")
    mine.get_by_role("button", name="Comments (0)").click()
    mine.get_by_placeholder("Write a comment").fill("First!")
    mine.get_by_role("button", name="Comment", exact=True).click()
    expect(mine.locator(".comment-list")).to_contain_text("@demo_customer First!")
    expect(mine.get_by_role("button", name="Comments (1)")).to_be_visible()
    _graphql_logged(visit, "ConsoleComment")
    mine.locator("button.share").click()
    expect(mine.locator("button.share")).to_have_text("Shared (1)")
    _graphql_logged(visit, "ConsoleShare")

    # Who to follow: follow the first suggestion, then unfollow it.
    suggestion = page.locator("#who > li").first
    name = suggestion.get_attribute("data-username")
    followers = suggestion.locator(".hint").inner_text()
    suggestion.get_by_role("button", name="Follow", exact=True).click()
    expect(suggestion.get_by_role("button", name="Unfollow")).to_be_visible()
    expect(page.locator("#who-message")).to_have_text(
        f"You follow @{name}: their recent posts join your feed."
    )
    _graphql_logged(visit, "ConsoleFollowUser")
    suggestion.get_by_role("button", name="Unfollow").click()
    expect(suggestion.get_by_role("button", name="Follow", exact=True)).to_be_visible()
    expect(suggestion.locator(".hint")).to_have_text(followers)
    _graphql_logged(visit, "ConsoleUnfollowUser")

    # Profiles: the suggestion's, then one's own, with their counts.
    suggestion.locator(".author").click()
    card = page.locator(f'#profile .profile-card[data-username="{name}"]')
    expect(card).to_contain_text(f"@{name}")
    assert f"{_count(card, 'Followers')} follower" in followers
    expect(card.get_by_role("button", name="Mute")).to_be_visible()
    expect(card.get_by_role("button", name="Block")).to_be_visible()
    page.get_by_role("button", name="yours").click()
    own = page.locator('#profile .profile-card[data-username="demo_customer"]')
    expect(own).to_contain_text(text)
    assert _count(own, "Posts") >= 1
    assert _count(own, "Following") >= 12
    _graphql_logged(visit, "ConsoleProfile")

    # demo_candidate follows demo_customer: the post is in that feed too, fanned out.
    visit.switch("demo_candidate")
    theirs = feed.locator("li.post", has_text=text)
    expect(theirs).to_contain_text("@demo_customer")
    expect(theirs.locator(".tag.origin")).to_have_text("fanned out at write")
    expect(theirs.locator("button.like")).to_have_text("Like (1)")
    expect(theirs.get_by_role("button", name="Comments (1)")).to_be_visible()
    expect(theirs.locator(".shared")).to_contain_text("shared by @demo_customer")
    visit.assert_clean()
    visit.shot("social-console-1280")

    # The same page on a phone: one column, the request log below, nothing sideways.
    visit.resize(PHONE)
    main, log = page.locator(".console-main").bounding_box(), page.locator(".console-log")
    assert log.bounding_box()["y"] >= main["y"] + main["height"]
    expect(theirs.locator(".tag.origin")).to_be_visible()
    visit.assert_clean()
    visit.shot("social-console-390")

    # Signed out, the controls that need an account are hidden and say why.
    page.locator("#sign-out").click()
    visit.wait_for_account(None)
    expect(page.locator("#compose")).to_be_hidden()
    expect(page.locator("#compose-hint")).to_be_visible()
    expect(page.locator("#feed-message")).to_have_text(
        "Sign in (a demo account above) to read your home feed."
    )
    expect(page.locator("#feed li")).to_have_count(0)
