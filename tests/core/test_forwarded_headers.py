"""Forwarded headers on the real servers: a client cannot choose its own address
(and so escape the login throttle) or scheme by writing ``X-Forwarded-*``; only
the trusted proxy (NEXUS_TRUSTED_PROXIES) is believed. See tests/core/live_servers.py
for how the servers are started; the unit tests of ``client_ip`` are in
tests/core/test_client_ip.py."""

from __future__ import annotations

import importlib
import json

import pytest

from tests.core import live_settings
from tests.core.live_servers import (
    AUTH_RATE,
    KINDS,
    TRUSTED_PROXY,
    UNTRUSTED_PEER,
    Server,
)

# The servers read the suite's test database, which exists only if tests ask for it.
pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
WRONG_LOGIN = json.dumps({"username": "nobody", "password": "not-the-password"}).encode()
JSON = {"Content-Type": "application/json"}


@pytest.fixture(params=KINDS)
def server(request, live_servers) -> Server:
    return live_servers[request.param]


def login_statuses(server: Server, forwarded_for: list[str], source: str) -> list[int]:
    return [
        server.request(
            "POST",
            TOKEN,
            body=WRONG_LOGIN,
            headers={**JSON, "X-Forwarded-For": value},
            source=source,
        ).status
        for value in forwarded_for
    ]


def test_a_rotating_forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit(server):
    spoofed = [f"203.0.113.{n}" for n in range(AUTH_RATE + 3)]

    statuses = login_statuses(server, spoofed, source=UNTRUSTED_PEER)

    assert statuses == [401] * AUTH_RATE + [429] * 3, statuses


def test_behind_the_trusted_proxy_each_client_has_its_own_budget(server):
    # Positive control: the proxy's X-Forwarded-For is believed, so distinct clients
    # (the right-most untrusted address) are counted separately...
    clients = [f"198.51.100.{n}" for n in range(AUTH_RATE + 3)]
    statuses = login_statuses(server, clients, source=TRUSTED_PROXY)
    assert statuses == [401] * len(clients), statuses

    # ...while what a client writes to the left of it (its own X-Forwarded-For, which
    # the proxy appends to) changes nothing: the client is the address the proxy saw.
    spoofed = [f"203.0.113.{n}, 198.51.100.200" for n in range(AUTH_RATE + 2)]
    statuses = login_statuses(server, spoofed, source=TRUSTED_PROXY)
    assert statuses == [401] * AUTH_RATE + [429] * 2, statuses


def docs_link(server: Server, source: str, headers: dict[str, str]) -> str:
    response = server.request("GET", "/api/v1/shop/", headers=headers, source=source)
    assert response.status == 200, response.body
    return response.json()["docs"]


def test_the_servers_use_productions_proxy_header():
    production = importlib.import_module("config.settings.production")
    assert live_settings.SECURE_PROXY_SSL_HEADER == production.SECURE_PROXY_SSL_HEADER


def test_forwarded_proto_from_an_untrusted_peer_is_ignored(server):
    # The domain index links absolute URLs: they show the scheme Django believed.
    headers = {"X-Forwarded-Proto": "https"}

    assert docs_link(server, UNTRUSTED_PEER, headers).startswith("http://127.0.0.1:")
    # Positive control: from the trusted proxy the same header is honoured.
    assert docs_link(server, TRUSTED_PROXY, headers).startswith("https://127.0.0.1:")


def test_no_uvicorn_banner(server):
    response = server.request("GET", "/health/live/")

    assert response.status == 200
    assert "uvicorn" not in (response.header("Server") or "").lower()
