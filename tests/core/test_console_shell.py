"""The consoles' shell in the system Chromium, on the server `make run` starts: the demo
account signs in by itself, one click switches accounts (and switching back reuses the
token held in memory), a refused sign-in is shown and changes nothing, signing out spends
the refresh token, and the request log shows each call with its status while masking
the tokens. Any console carries the shell; the polls' is the lightest."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.core.browser import browser_fixture  # noqa: F401  (the `browser` fixture)
from tests.helpers.consoles import WIDE

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_the_shell_signs_in_switches_refuses_and_signs_out(tabs):
    visit = tabs(WIDE)
    page = visit.page
    visit.open_console("polls", "demo_customer")
    visit.expect_logged("POST", "/api/v1/auth/token/", 200)
    visit.expect_logged("GET", "/api/v1/auth/me/", 200)
    expect(page.locator("#session-roles")).to_have_text("(customer)")

    # The log shows the exchange, never a whole token.
    entry = visit.log_entry("POST", "/api/v1/auth/token/")
    entry.locator("summary").click()
    shown = entry.locator(".exchange").inner_text()
    assert '"access": "…' in shown
    assert '"refresh": "…' in shown
    assert '"password": "…' in shown
    assert "eyJ" not in shown

    visit.switch("demo_staff")
    expect(page.locator("#session-roles")).to_have_text("(customer, staff)")
    visit.switch("demo_customer")  # its tokens are still in memory: no new sign-in
    assert page.locator('#request-log .entry[data-method="POST"]').count() == 2

    # A wrong password: the problem is shown, and the customer stays signed in.
    visit.expect_error("/api/v1/auth/token/")
    page.locator(".sign-in summary").click()
    page.locator('#sign-in-form input[name="username"]').fill("demo_employer")
    page.locator('#sign-in-form input[name="password"]').fill("not-the-password")
    page.locator('#sign-in-form button[type="submit"]').click()
    expect(page.locator("#session-message")).to_contain_text("401")
    expect(page.locator("#session-message")).to_have_attribute("data-kind", "error")
    visit.wait_for_account("demo_customer")

    page.locator("#sign-out").click()
    visit.wait_for_account(None)
    visit.expect_logged("POST", "/api/v1/auth/token/blacklist/", 200)
    expect(page.locator("#account-switch .account[aria-pressed=true]")).to_have_count(0)
    visit.assert_clean()
