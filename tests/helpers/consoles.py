"""The domain consoles (``/demo/<domain>/``) and the proofs page in the system Chromium,
against the server `make run` starts, with its demo data (the session's
``make_run_server``): what a reviewer on a fresh clone sees.

A console test module imports ``browser_fixture`` (tests/core/browser.py: one Chromium
per module) and opens tabs with ``open_console``. A ``ConsoleVisit`` is a ``Visit``
(it fails its test on a CSP violation, a console error, an uncaught exception, a failed
request or an unexpected status >= 400) that also knows the shell: it waits for the
demo account to sign in, switches accounts with one click, reads the request log, and
checks the page has no horizontal scroll.

Screenshots: ``visit.shot(name)`` writes ``<name>.png`` into ``NEXUS_SCREENSHOTS_DIR``
(``make screenshots`` points it at docs/screenshots, which the README shows) or into the
test's temporary directory otherwise, so every run exercises the same code.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Browser, Locator, expect

from tests.core.browser import Visit
from tests.core.live_servers import Server

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WIDTHS = {"1280": WIDE, "390": PHONE}


def screenshot_dir(fallback: Path) -> Path:
    configured = os.environ.get("NEXUS_SCREENSHOTS_DIR")
    target = Path(configured) if configured else fallback
    target.mkdir(parents=True, exist_ok=True)
    return target


class ConsoleVisit(Visit):
    def __init__(self, browser: Browser, server: Server, viewport: dict[str, int], shots: Path):
        self.context = browser.new_context(viewport=viewport)
        super().__init__(self.context, server.url)
        self.viewport = viewport
        self.shots = shots

    # ---- the shell -------------------------------------------------------------------
    def open_console(self, domain: str, account: str | None) -> None:
        """Open ``/demo/<domain>/`` and wait until ``account`` is signed in (None: wait
        for the shell to settle signed out)."""
        self.open(f"/demo/{domain}/")
        self.wait_for_account(account)

    def wait_for_account(self, account: str | None) -> None:
        expect(self.page.locator("#session-user")).to_have_text(account or "nobody")

    def switch(self, account: str) -> None:
        """One click on the demo account's button, as a reviewer would."""
        self.page.locator(f'#account-switch .account[data-username="{account}"]').click()
        self.wait_for_account(account)

    def log_entry(self, method: str, path: str | re.Pattern[str]) -> Locator:
        """The newest request-log entry for ``method`` on ``path`` (an exact path, or a
        pattern searched in it)."""
        pattern = path if isinstance(path, re.Pattern) else re.compile(re.escape(path) + r"$")
        entry = self.page.locator(f'#request-log .entry[data-method="{method}"]').filter(
            has=self.page.locator(".path", has_text=pattern)
        )
        return entry.first

    def expect_logged(self, method: str, path: str | re.Pattern[str], status: int) -> None:
        """The page made this call and the log shows the status the API answered."""
        expect(self.log_entry(method, path)).to_have_attribute("data-status", str(status))

    def expect_error(self, path_pattern: str) -> None:
        """A 4xx this flow provokes on purpose (a refused transition, a replay): the
        console shows it, and the visit does not count it as a problem."""
        self.expected_errors.add(path_pattern)

    def _response(self, response) -> None:
        if response.status >= 400 and any(
            response.url.startswith(self.origin + prefix) for prefix in self.expected_errors
        ):
            return
        super()._response(response)

    def _console(self, message) -> None:
        # Chromium logs "Failed to load resource: 409" for a refusal the flow provokes.
        if message.type == "error" and "Failed to load resource" in message.text:
            url = message.location.get("url", "")
            if any(url.startswith(self.origin + prefix) for prefix in self.expected_errors):
                return
        super()._console(message)

    def resize(self, viewport: dict[str, int]) -> None:
        """The same tab at another width (a phone), as a reviewer narrowing the window:
        the layout reflows, the session and the page's state stay."""
        self.page.set_viewport_size(viewport)
        self.viewport = viewport

    # ---- what every console test checks ------------------------------------------
    def assert_fits(self) -> None:
        """No horizontal scroll at this width."""
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= self.viewport["width"], (
            f"{self.page.url} scrolls sideways at {self.viewport['width']} px ({width} px wide)"
        )

    def assert_clean(self) -> None:
        super().assert_clean()
        self.assert_fits()

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()
