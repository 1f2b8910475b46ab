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
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Runs in every document before its own scripts.
VIOLATION_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline code"}` +
    ` (${event.sourceFile || "document"}:${event.lineNumber})`
  );
});
"""

PASSWORD = "a-long-browser-password"


@pytest.fixture(scope="module")
def browser(chromium_executable: str, django_db_setup) -> Iterator[Browser]:
    # Playwright's sync API keeps an asyncio event loop on this thread, which Django
    # takes for an async context. The ORM calls made meanwhile (test data, flushing
    # the database after each test) are plain synchronous calls all the same.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_executable, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


class Visit:
    """One browser tab on the live server that records everything that went wrong."""

    def __init__(self, context: BrowserContext, origin: str) -> None:
        self.origin = origin
        self.problems: list[str] = []
        self.expected_errors: set[str] = set()  # URLs whose status >= 400 is the point
        context.add_init_script(VIOLATION_LISTENER)
        context.route("**/*", self._only_this_server)
        self.page: Page = context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        self.page.on(
            "requestfailed",
            lambda request: self.problems.append(
                f"request failed: {request.method} {request.url} ({request.failure})"
            ),
        )
        self.page.on("response", self._response)

    def _only_this_server(self, route) -> None:
        url = route.request.url
        if urlsplit(url).netloc != urlsplit(self.origin).netloc:
            self.problems.append(f"request to another host: {url}")
            route.abort()
        else:
            route.continue_()

    def _console(self, message) -> None:
        if message.type != "error":
            return
        if message.location.get("url") in self.expected_errors:
            return  # "Failed to load resource: 404" for a page that is meant to be a 404
        self.problems.append(f"console error: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400 and response.url not in self.expected_errors:
            self.problems.append(f"{response.status} for {response.request.method} {response.url}")

    def open(self, path: str, status: int = 200) -> Page:
        self.collect_violations()
        url = self.origin + path
        if status >= 400:
            self.expected_errors.add(url)
        response = self.page.goto(url)
        assert response is not None
        assert response.status == status, f"{path}: {response.status}"
        assert "Content-Security-Policy" in {name.title() for name in response.headers}
        return self.page

    def collect_violations(self) -> None:
        if not self.page.url.startswith(self.origin):
            return
        found = self.page.evaluate("(window.__cspViolations || []).splice(0)")
        self.problems += [f"CSP violation on {self.page.url}: {text}" for text in found]

    def assert_clean(self) -> None:
        self.page.wait_for_load_state("networkidle")
        self.collect_violations()
        assert self.problems == [], "\n".join(self.problems)


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
    visit.collect_violations()
    page.get_by_role("link", name="Open GraphiQL").click()

    expect(page.locator(".graphiql-query-editor .CodeMirror")).to_contain_text("query Me")
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
