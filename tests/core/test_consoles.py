"""The consoles' shell (core/site/console.py, core/console.html, core/console.js) as the
server renders it: one console per domain under /demo/<label>/, the landing page leading
with them, the demo accounts offered only in demo mode. What each console does in a
browser is tested beside its domain (tests/<domain>/test_console.py)."""

from __future__ import annotations

import json
import re

import pytest

from core.site.demo import DEMO_ACCOUNTS

DOMAINS = {
    "shop": "demo_customer",
    "social": "demo_customer",
    "movies": "demo_customer",
    "jobs": "demo_candidate",
    "polls": "demo_customer",
}

pytestmark = pytest.mark.django_db


def config_of(html: str) -> dict:
    found = re.search(
        r'<script id="console-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "the page carries no console-config"
    return json.loads(found.group(1))


@pytest.mark.parametrize("label", DOMAINS)
def test_every_domain_has_a_console_in_the_shell(client, label):
    response = client.get(f"/demo/{label}/")

    assert response.status_code == 200
    html = response.content.decode()
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    # The shell's script first, then the domain's own module and sheet, both from this
    # server, each script carrying this response's nonce.
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None
    tags = re.findall(r'<script src="([^"]+)" nonce="([^"]+)">', html)
    assert {found for _, found in tags} == {nonce[1]}
    assert f'<link rel="stylesheet" href="/static/{label}/console.css">' in html
    scripts = [src for src, _ in tags]
    assert scripts[0].startswith("/static/core/console")
    assert scripts[0].endswith(".js")
    assert any(src.startswith(f"/static/{label}/") for src in scripts[1:]), scripts
    assert 'id="request-log"' in html
    assert 'id="account-switch"' in html
    config = config_of(html)
    assert config["domain"] == label
    assert config["api"] == "http://testserver/api/v1/"
    assert config["default_account"] == DOMAINS[label]


def test_the_switcher_offers_every_demo_account_but_the_superuser(client):
    config = config_of(client.get("/demo/shop/").content.decode())

    offered = {account["username"]: account for account in config["accounts"]}
    assert set(offered) == {account.username for account in DEMO_ACCOUNTS if not account.superuser}
    for account in DEMO_ACCOUNTS:
        if account.username in offered:
            assert offered[account.username]["password"] == account.password
    assert "staff" in offered["demo_staff"]["roles"]


def test_outside_demo_mode_a_console_asks_for_a_sign_in_and_shows_no_password(client, settings):
    settings.NEXUS_DEMO_MODE = False

    html = client.get("/demo/shop/").content.decode()

    config = config_of(html)
    assert config["demo"] is False
    assert config["accounts"] == []
    assert config["default_account"] is None
    assert 'id="account-switch"' not in html
    assert '<details class="sign-in" open>' in html
    for account in DEMO_ACCOUNTS:
        assert account.password not in html


def test_an_unknown_console_is_a_404(client):
    assert client.get("/demo/bank/").status_code == 404
    assert client.get("/demo/core/").status_code == 404  # an app, but not a domain


def test_each_landing_card_leads_with_its_console(client):
    html = client.get("/").content.decode()

    for label in DOMAINS:
        card = re.search(rf'<li class="card" id="domain-{label}">(.*?)</li>', html, re.S)
        assert card, label
        links = re.findall(r'href="([^"]+)"', card.group(1))
        assert links[0] == f"/demo/{label}/", links
        assert links[1] == f"/api/docs/#/{label}", links


def test_the_hero_offers_the_proofs_in_demo_mode_only(client, settings):
    hero = re.search(
        r'<section class="hero">(.*?)</section>', client.get("/").content.decode(), re.S
    )
    assert hero
    assert 'href="/proofs/"' in hero.group(1)
    assert "Run the proofs" in hero.group(1)

    settings.NEXUS_DEMO_MODE = False
    hero = re.search(
        r'<section class="hero">(.*?)</section>', client.get("/").content.decode(), re.S
    )
    assert hero
    assert "/proofs/" not in hero.group(1)


def test_the_readme_shows_screenshots_that_exist():
    """ "See it" in the README shows what `make screenshots` writes (the browser tests take
    them as they run)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    shown = re.findall(r"\]\((docs/screenshots/[\w-]+\.png)\)", readme)
    assert len(shown) >= 6
    for path in shown:
        assert (root / path).is_file(), path
