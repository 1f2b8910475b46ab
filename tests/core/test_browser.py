"""Every HTML page works in a real browser under the Content-Security-Policy.

Chromium (the system package, driven by Playwright) loads each page from a live
server. A page fails its test on any CSP violation, console error, uncaught
exception, failed request or asset answered with a status >= 400, and on any
request to another host: those are aborted (the pages must work offline) and
reported. Each test also checks that the page did its job: GraphiQL runs a
query with a bearer token, Swagger UI and ReDoc render the operations, the
admin logs a staff user in and lists users.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Browser, expect

from tests.core.browser import Visit, browser_fixture  # noqa: F401  (the `browser` fixture)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

PASSWORD = "a-long-browser-password"


@pytest.fixture
def visit(browser: Browser, live_server) -> Iterator[Visit]:
    context = browser.new_context()
    try:
        yield Visit(context, live_server.url)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/", 200, "Five backends, one login"),
        ("/problems/", 200, "Error types"),
        ("/problems/not_found/", 200, "Problem: not_found"),
        ("/no-such-page/", 404, "404"),
    ],
    ids=["landing", "problems", "problem", "not-found"],
)
def test_server_rendered_pages_work_under_the_policy(visit, path, status, heading):
    page = visit.open(path, status)

    expect(page.locator("h1")).to_contain_text(heading)
    expect(page.locator("header.top")).to_have_css("display", "flex")  # nexus.css applies
    visit.assert_clean()


PHONE = {"width": 390, "height": 844}

# Everything wider than the viewport, to say what overflows when something does.
WIDE_ELEMENTS = """
() => [...document.querySelectorAll("body *")]
  .filter((element) => element.getBoundingClientRect().right >
    document.documentElement.clientWidth + 0.5)
  .slice(0, 8)
  .map((element) => `${element.tagName.toLowerCase()}.${element.className} ` +
    `${Math.round(element.getBoundingClientRect().right)}px`)
"""


@pytest.fixture
def phone(browser: Browser, live_server) -> Iterator[Visit]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        yield Visit(context, live_server.url)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("path", "status"),
    [("/", 200), ("/problems/", 200), ("/problems/not_found/", 200), ("/no-such-page/", 404)],
    ids=["landing", "problems", "problem", "not-found"],
)
def test_server_rendered_pages_fit_a_phone(phone, settings, path, status):
    settings.NEXUS_DEMO_MODE = True  # the landing page at its widest: the demo accounts
    page = phone.open(path, status)

    scroll_width, width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width == PHONE["width"]
    assert scroll_width <= width, page.evaluate(WIDE_ELEMENTS)
    phone.assert_clean()


def test_landing_page_script_paints_live_health(visit):
    page = visit.open("/")

    # core/health.js is allowed to run and to fetch /health/ready/ (connect-src 'self').
    expect(page.locator('#health [data-check="database"]')).to_have_class("status-ok")
    expect(page.locator('#health [data-check="database"] .value')).to_contain_text("ok")
    visit.assert_clean()


def test_swagger_ui_lists_the_operations(visit):
    page = visit.open("/api/docs/")

    expect(page.locator('.opblock-summary-path[data-path="/api/v1/auth/token/"]')).to_be_visible()
    assert page.locator(".opblock").count() > 5
    visit.assert_clean()


def test_redoc_renders_the_reference(visit):
    page = visit.open("/api/redoc/")

    expect(page.locator("h1").first).to_contain_text("Nexus API")
    expect(page.locator("h2", has_text="Obtain a token pair")).to_be_visible()
    # Its styles apply (they need the nonce) and the search box works (a blob: worker).
    page.get_by_placeholder("Search...").fill("token pair")
    expect(page.locator('[data-role="search:results"]')).to_contain_text("Obtain a token pair")
    visit.assert_clean()


def test_graphiql_runs_a_query_with_a_bearer_token(visit, django_user_model):
    from rest_framework_simplejwt.tokens import RefreshToken

    user = django_user_model.objects.create_user("graphiql_reader", password=PASSWORD)
    token = str(RefreshToken.for_user(user).access_token)
    page = visit.open("/graphql/#query=" + quote("{ me { username } }"))

    editor = page.locator(".graphiql-query-editor .CodeMirror")
    expect(editor).to_be_visible()
    expect(editor).to_contain_text("me")
    page.get_by_role("button", name="Headers").click()
    page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror").click()
    page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {token}"}))
    page.locator(".graphiql-execute-button").click()

    result = page.locator(".graphiql-response")
    expect(result).to_contain_text(f'"username": "{user.username}"')
    visit.assert_clean()


def test_landing_page_opens_graphiql_with_its_example_query(visit):
    page = visit.open("/")
    # Leave only once the landing page's own requests are done: health.js's first
    # /health/ready/ has answered and painted every dot. Leaving earlier cancels it,
    # and a cancelled request is (rightly) reported as a failed one.
    expect(page.locator('#health li[data-check]:not([class*="status-"])')).to_have_count(0)
    expect(page.locator("#health li[data-check]")).not_to_have_count(0)
    page.wait_for_load_state("networkidle")
    visit.collect_violations()
    page.get_by_role("link", name="Open GraphiQL").click()

    # The first domain's example (social's feed query), else core's `query Me`.
    expect(page.locator(".graphiql-query-editor .CodeMirror")).to_contain_text("query Feed")
    # The query moved from the query string into the fragment, where GraphiQL keeps it.
    assert urlsplit(page.url).path == "/graphql/"
    assert not urlsplit(page.url).query
    visit.assert_clean()


def test_admin_logs_a_staff_user_in_and_lists_users(visit, django_user_model):
    staff = django_user_model.objects.create_superuser(
        "browser_admin", "browser_admin@example.test", PASSWORD
    )
    django_user_model.objects.create_user("listed_member", password=PASSWORD)
    page = visit.open("/admin/login/")

    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#id_username", staff.username)
    page.fill("#id_password", PASSWORD)
    page.click('#login-form [type="submit"]')
    page.wait_for_url(visit.origin + "/admin/")
    visit.collect_violations()

    page = visit.open("/admin/core/user/")
    expect(page.locator("#result_list")).to_contain_text("listed_member")
    expect(page.locator("#result_list")).to_contain_text(staff.username)
    visit.assert_clean()
