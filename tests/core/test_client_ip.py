"""``core.http.net.client_ip`` and the middleware that puts it on the request and the
logs. The same rules on real servers: tests/core/test_forwarded_headers.py."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.request import Request

from core.http.middleware import ClientIpMiddleware
from core.http.net import client_ip
from core.http.request_id import RequestIdFilter, set_client_ip

PROXY = "10.0.0.5"


def request_from(peer: str, forwarded_for: str | None = None, **meta: str):
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", REMOTE_ADDR=peer, **meta)


@pytest.fixture
def behind_proxies(settings):
    settings.NEXUS_TRUSTED_PROXIES = ["10.0.0.0/24", "2001:db8:ffff::/48"]


def test_without_trusted_proxies_forwarded_for_is_ignored(settings):
    settings.NEXUS_TRUSTED_PROXIES = []

    assert client_ip(request_from("192.0.2.1", "203.0.113.9")) == "192.0.2.1"


@pytest.mark.usefixtures("behind_proxies")
def test_an_untrusted_peer_is_the_client_whatever_it_forwards():
    assert client_ip(request_from("192.0.2.1", "203.0.113.9, 10.0.0.7")) == "192.0.2.1"


@pytest.mark.usefixtures("behind_proxies")
@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        ("203.0.113.9", "203.0.113.9"),
        # The right-most untrusted address; whatever the client wrote left of it is ignored.
        ("1.1.1.1, 203.0.113.9", "203.0.113.9"),
        # Trusted hops (a chain of proxies) are skipped.
        ("1.1.1.1, 203.0.113.9, 10.0.0.8, 10.0.0.9", "203.0.113.9"),
        # Every hop trusted: the left-most.
        ("10.0.0.1, 10.0.0.2", "10.0.0.1"),
        # Garbage stops the walk at the last trusted hop.
        ("203.0.113.9, not-an-ip, 10.0.0.8", "10.0.0.8"),
        ("203.0.113.9, not-an-ip", PROXY),
        ("", PROXY),
        (" , ", PROXY),
        ("203.0.113.9,,10.0.0.8", "10.0.0.8"),
        # What proxies write: ports, brackets, IPv6, IPv4-mapped IPv6, spacing.
        ("203.0.113.9:51234", "203.0.113.9"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:DB8:0::1", "2001:db8::1"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("2001:db8::1, 2001:db8:ffff::1", "2001:db8::1"),
        ("  203.0.113.9  ", "203.0.113.9"),
        ("[2001:db8::1]x", PROXY),
        ("203.0.113.9:http", PROXY),
        ("\uff12\uff10\uff13.0.113.9", PROXY),  # non-ASCII digits are not an address
        ("203.0.113.9:\uff18\uff10", PROXY),
    ],
)
def test_behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client(
    forwarded_for, client
):
    assert client_ip(request_from(PROXY, forwarded_for)) == client


@pytest.mark.usefixtures("behind_proxies")
def test_repeated_forwarded_for_headers_are_read_as_one_list():
    # Servers join repeated headers with commas; the last header's last entry is nearest.
    assert client_ip(request_from(PROXY, "1.1.1.1, 203.0.113.9,198.51.100.2")) == "198.51.100.2"


@pytest.mark.usefixtures("behind_proxies")
def test_a_trusted_peer_without_forwarded_for_is_the_client():
    assert client_ip(request_from(PROXY)) == PROXY
    assert client_ip(request_from("::ffff:10.0.0.5", "203.0.113.9")) == "203.0.113.9"


@pytest.mark.usefixtures("behind_proxies")
def test_drf_requests_work_too():
    assert client_ip(Request(request_from(PROXY, "203.0.113.9"))) == "203.0.113.9"


def test_the_setting_is_read_again_when_it_changes(settings):
    request = request_from(PROXY, "203.0.113.9")
    settings.NEXUS_TRUSTED_PROXIES = []
    assert client_ip(request) == PROXY
    settings.NEXUS_TRUSTED_PROXIES = [PROXY]
    assert client_ip(request) == "203.0.113.9"
    settings.NEXUS_TRUSTED_PROXIES = "192.0.2.0/24, 10.0.0.0/8"  # a string is split
    assert client_ip(request) == "203.0.113.9"


@pytest.mark.parametrize("value", [["*"], ["10.0.0.0/33"], ["proxy.example"]])
def test_a_malformed_setting_is_refused_naming_the_entry(settings, value):
    settings.NEXUS_TRUSTED_PROXIES = value

    with pytest.raises(ImproperlyConfigured, match="NEXUS_TRUSTED_PROXIES"):
        client_ip(request_from(PROXY, "203.0.113.9"))
    with pytest.raises(ImproperlyConfigured, match=r"\*|10\.0\.0\.0/33|proxy\.example"):
        ClientIpMiddleware(lambda request: HttpResponse())


# --- the middleware ---------------------------------------------------------------


def through_middleware(request):
    seen = {}

    def view(request):
        seen["meta"] = dict(request.META)
        seen["client_ip"] = request.client_ip
        record = logging.LogRecord("t", logging.INFO, __file__, 1, "m", None, None)
        RequestIdFilter().filter(record)
        seen["logged_ip"] = record.client_ip
        return HttpResponse()

    ClientIpMiddleware(view)(request)
    return seen


@pytest.mark.usefixtures("behind_proxies")
def test_middleware_drops_forwarded_scheme_and_host_from_untrusted_peers():
    headers = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "evil.example"}

    untrusted = through_middleware(request_from("192.0.2.1", "203.0.113.9", **headers))
    trusted = through_middleware(request_from(PROXY, "203.0.113.9", **headers))

    assert "HTTP_X_FORWARDED_PROTO" not in untrusted["meta"]
    assert "HTTP_X_FORWARDED_HOST" not in untrusted["meta"]
    assert untrusted["client_ip"] == untrusted["logged_ip"] == "192.0.2.1"
    assert trusted["meta"]["HTTP_X_FORWARDED_PROTO"] == "https"
    assert trusted["meta"]["HTTP_X_FORWARDED_HOST"] == "evil.example"
    assert trusted["client_ip"] == trusted["logged_ip"] == "203.0.113.9"


@pytest.mark.django_db
def test_an_untrusted_forwarded_proto_does_not_make_the_request_secure(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.NEXUS_TRUSTED_PROXIES = [PROXY]

    spoofed = client.get("/api/v1/shop/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="192.0.2.1")
    proxied = client.get("/api/v1/shop/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=PROXY)

    assert spoofed.json()["docs"].startswith("http://")
    assert proxied.json()["docs"].startswith("https://")


def test_log_records_carry_the_client_ip_in_both_formats(settings):
    from pythonjsonlogger.json import JsonFormatter

    record = logging.LogRecord("nexus", logging.INFO, __file__, 1, "hello", None, None)
    set_client_ip("203.0.113.9")
    try:
        RequestIdFilter().filter(record)
    finally:
        set_client_ip(None)
    formats = settings.LOGGING["formatters"]

    assert "203.0.113.9" in logging.Formatter(formats["text"]["format"]).format(record)
    assert '"client_ip": "203.0.113.9"' in JsonFormatter(formats["json"]["format"]).format(record)

    outside = logging.LogRecord("nexus", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(outside)
    assert outside.client_ip == "-"
