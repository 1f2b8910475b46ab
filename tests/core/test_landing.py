from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import pytest
from django.urls import Resolver404, resolve

from core.site.demo import DEMO_ACCOUNTS

DOMAINS = ("shop", "social", "movies", "jobs", "polls")


@pytest.fixture
def landing(client, db):
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_names_every_domain_with_a_sentence(landing):
    for label in DOMAINS:
        card = re.search(rf'<li class="card" id="domain-{label}">(.*?)</li>', landing, re.S)
        assert card, f"no card for {label}"
        summary = re.search(r"<p>(.+?)</p>", card.group(1), re.S).group(1)
        assert len(summary.split()) >= 8


def test_links_to_docs_per_domain_graphql_admin_and_health(landing):
    hrefs = set(re.findall(r'href="([^"]+)"', landing))

    for label in DOMAINS:
        assert f"/api/docs/#/{label}" in hrefs
        assert f"/api/v1/{label}/" in hrefs
    assert {"/admin/", "/api/docs/", "/api/redoc/", "/health/ready/"} <= hrefs
    graphql = [href for href in hrefs if href.startswith("/graphql/?query=")]
    assert graphql
    assert "me {" in unquote(graphql[0].replace("+", " "))


def test_every_local_link_resolves(landing, client):
    for href in set(re.findall(r'(?:href|src)="([^"]+)"', landing)):
        path = urlsplit(href.replace("&amp;", "&")).path
        if path.startswith("/static/"):
            assert client.get(path).status_code == 200, path
            continue
        try:
            resolve(path)
        except Resolver404:
            pytest.fail(f"landing page links to {href}, which does not resolve")


def test_every_domain_docs_tag_has_operations(client, db):
    schema = client.get("/api/schema/?format=json").json()
    tags = {tag for path in schema["paths"].values() for op in path.values() for tag in op["tags"]}

    assert set(DOMAINS) <= tags


def test_shows_demo_accounts_only_in_demo_mode(client, db, settings):
    settings.NEXUS_DEMO_MODE = True
    shown = client.get("/").content.decode()
    settings.NEXUS_DEMO_MODE = False
    hidden = client.get("/").content.decode()

    for account in DEMO_ACCOUNTS:
        assert account.username in shown
        assert account.password in shown
        assert account.password not in hidden
    assert "Demo accounts" not in hidden


def test_is_responsive_and_needs_no_build_step(landing):
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in landing
    assert "/static/core/nexus.css" in landing


def test_domain_index_lists_the_domain(client, db):
    body = client.get("/api/v1/social/").json()

    assert body["domain"] == "social"
    assert body["docs"].endswith("/api/docs/#/social")
    assert body["graphql"].endswith("/graphql/")
    assert isinstance(body["resources"], dict)


def test_problem_type_pages_exist(client, db):
    assert client.get("/problems/validation_error/").status_code == 200
    assert client.get("/problems/").status_code == 200
    assert client.get("/problems/no_such_problem/").status_code == 404
