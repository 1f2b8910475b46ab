"""Browser tests' shared parts: the system Chromium driven by Playwright (the
``chromium_executable`` fixture in tests/conftest.py finds it, or skips/fails saying
how to install it) and ``Visit``, a tab that records everything that went wrong:
CSP violations, console errors, uncaught exceptions, failed requests, statuses
>= 400 and requests to other hosts (aborted: pages must work offline).

A test module imports ``browser_fixture`` (the module-scoped ``browser`` fixture) and
``Visit`` from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

# Playwright's assertions wait 5 s by default. ReDoc parsing the whole schema took longer
# on a two-core CI machine busy with the rest of the suite: wait up to 20 s (a page that
# is really broken still fails, later).
EXPECT_TIMEOUT_MS = 20_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)

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


@pytest.fixture(scope="module", name="browser")
def browser_fixture(chromium_executable: str, django_db_setup) -> Iterator[Browser]:
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
