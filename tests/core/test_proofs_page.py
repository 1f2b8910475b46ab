"""/proofs/ in the system Chromium, against the server `make run` starts (SQLite, one
process): every proof the API lists is a card; "Run all" at 1280 px runs each one for
real and every card shows what it found; at 390 px one proof runs from its own button.
No CSP violation, failed request, unexpected status or sideways scroll at either width.

Whatever is registered runs: the list comes from ``GET /api/v1/proofs/``, so each domain's
proofs are covered as soon as they are registered."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.core.browser import browser_fixture  # noqa: F401  (the `browser` fixture)
from tests.core.live_servers import Server
from tests.helpers.consoles import PHONE, WIDE, ConsoleVisit

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

FINISHED = re.compile(r"^(held|not-held|caveat|error)$")
# The ceiling for one run under `make run`; the target is a few seconds.
RUN_TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def listed(make_run_server: Server) -> list[dict]:
    response = make_run_server.request("GET", "/api/v1/proofs/?page_size=100")
    assert response.status == 200, response.body[:300]
    body = response.json()
    assert body["next"] is None
    assert body["results"], "no proof is registered"
    return body["results"]


@pytest.fixture
def wide(tabs) -> ConsoleVisit:
    return tabs(WIDE)


@pytest.fixture
def phone(tabs) -> ConsoleVisit:
    return tabs(PHONE)


def sandbox_users_left(server: Server) -> int:
    """Sandbox accounts in the `make run` server's own SQLite file (read-only)."""
    database = server.log.parent / "nexus.sqlite3"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM core_user WHERE username LIKE 'proof-%'"
        ).fetchone()
    return int(count)


def test_run_all_at_1280_shows_every_proof_held(wide: ConsoleVisit, listed, make_run_server):
    answers = []
    wide.page.on(
        "response",
        lambda response: answers.append(response) if response.url.endswith("/run/") else None,
    )
    page = wide.open("/proofs/")
    cards = page.locator(".proof[data-proof]")
    names = [proof["name"] for proof in listed]
    assert cards.evaluate_all("cards => cards.map(card => card.dataset.proof)") == names
    for proof in listed:
        card = page.locator(f'.proof[data-proof="{proof["name"]}"]')
        expect(card.locator("h2")).to_have_text(proof["title"])
        expect(card.locator(".proof-test code")).to_have_text(proof["test"])

    page.locator("#run-all").click()

    for name in names:  # they run one after another: each has its own ceiling
        card = page.locator(f'.proof[data-proof="{name}"]')
        expect(card).to_have_attribute("data-state", FINISHED, timeout=RUN_TIMEOUT_MS)
    states = {
        name: page.locator(f'.proof[data-proof="{name}"]').get_attribute("data-state")
        for name in names
    }
    caveats = [name for name, state in states.items() if state == "caveat"]
    assert set(states.values()) <= {"held", "caveat"}, states
    assert len(caveats) <= 1, states
    expect(page.locator("#proofs-summary")).to_contain_text(
        f"{len(names) - len(caveats)} of {len(names)} held"
    )
    for name in names:  # each result says what was expected and what happened
        result = page.locator(f'.proof[data-proof="{name}"] .proof-result')
        expect(result.locator(".expected")).not_to_be_empty()
        expect(result.locator(".happened")).not_to_be_empty()
        expect(result.locator(".counts li").first).to_be_visible()
        expect(result.locator(".run-facts")).to_contain_text(" ms wall time")
        expect(result.locator(".run-facts")).to_contain_text("sqlite")
    # Each run is in the request log, answered 200.
    for name in names:
        wide.expect_logged("POST", f"/api/v1/proofs/{name}/run/", 200)
    expect(page.locator("#run-all")).to_be_enabled()
    # What the page showed, from the answers themselves: every proof ran on the embedded
    # default within the 15 s, and removed its sandbox without an error.
    results = {body["name"]: body for body in (json.loads(answer.text()) for answer in answers)}
    assert list(results) == names
    for result in results.values():
        assert result["database"] == "sqlite", result
        assert result["wall_ms"] < RUN_TIMEOUT_MS, result
        assert "cleanup_errors" not in result["details"], result
    assert sandbox_users_left(make_run_server) == 0
    wide.assert_clean()
    wide.shot("proofs-1280")


def test_one_proof_runs_at_390(phone: ConsoleVisit, listed):
    page = phone.open("/proofs/")
    name = listed[-1]["name"]  # core's never-a-500, after the domains' proofs
    card = page.locator(f'.proof[data-proof="{name}"]')

    card.locator("button.run").click()

    expect(card).to_have_attribute("data-state", FINISHED, timeout=RUN_TIMEOUT_MS)
    expect(card).to_have_attribute("data-state", "held")
    expect(card.locator(".verdict")).to_have_text("Held")
    phone.expect_logged("POST", f"/api/v1/proofs/{name}/run/", 200)
    phone.assert_clean()
    phone.shot("proofs-390")
