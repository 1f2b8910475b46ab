"""The client's address, as far as it can be trusted.

The web servers do not rewrite the peer address from ``X-Forwarded-For``
(uvicorn runs with ``--no-proxy-headers``, gunicorn trusts no forwarder), so
``REMOTE_ADDR`` is always the socket's peer. ``NEXUS_TRUSTED_PROXIES`` lists
the proxies (addresses or CIDR ranges) allowed to speak for a client: only
when the peer is one of them is ``X-Forwarded-For`` read, right to left, and
the first address that is not a trusted proxy is the client. Anything a client
writes further left is ignored, so rotating a spoofed ``X-Forwarded-For``
cannot buy a fresh throttle budget.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class HasMeta(Protocol):
    """What the address is read from: a Django ``HttpRequest``, a DRF ``Request``, or
    anything else with a WSGI-style ``META`` (the body guards build one)."""

    @property
    def META(self) -> Mapping[str, Any]: ...


@lru_cache(maxsize=8)
def _parse_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"NEXUS_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR range "
                "(list the proxies in front of the app, comma-separated; '*' is not allowed)."
            ) from None
    return tuple(networks)


def trusted_networks() -> tuple[IPNetwork, ...]:
    """``settings.NEXUS_TRUSTED_PROXIES`` parsed; cached per distinct value, so a
    test that overrides the setting gets the new value."""
    value = getattr(settings, "NEXUS_TRUSTED_PROXIES", ())
    if isinstance(value, str):
        value = value.split(",")
    return _parse_networks(tuple(entry.strip() for entry in value if entry.strip()))


def parse_ip(value: str) -> IPAddress | None:
    """An address from a peer or an ``X-Forwarded-For`` entry, or None if it is not one.

    Accepts what proxies write: ``1.2.3.4``, ``1.2.3.4:5678``, ``2001:db8::1`` and
    ``[2001:db8::1]:443``. IPv4-mapped IPv6 addresses become IPv4.
    """
    text = value.strip()
    if not text.isascii():
        return None
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not (rest[0] == ":" and rest[1:].isdigit())):
            return None
        text = host
    elif text.count(":") == 1:  # IPv4 with a port
        host, _, port = text.partition(":")
        if not port.isdigit():
            return None
        text = host
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address: IPAddress | None) -> bool:
    return address is not None and any(address in network for network in trusted_networks())


def peer_is_trusted(request: HasMeta) -> bool:
    """Whether the socket peer is a trusted proxy (may set ``X-Forwarded-*``)."""
    return is_trusted_proxy(parse_ip(request.META.get("REMOTE_ADDR") or ""))


def client_ip(request: HasMeta) -> str:
    """The client's address for a Django ``HttpRequest`` or a DRF ``Request``.

    The peer, unless it is a trusted proxy; then ``X-Forwarded-For`` (every value,
    comma-separated) read right to left, skipping trusted proxies: the first
    untrusted address is the client. A malformed entry stops the walk at the last
    trusted hop (garbage is never believed); if every hop is trusted, the left-most.
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    peer = parse_ip(remote)
    if peer is None:
        return remote
    if not is_trusted_proxy(peer):
        return str(peer)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not forwarded:
        return str(peer)
    hop = peer
    for entry in reversed(forwarded.split(",")):
        address = parse_ip(entry)
        if address is None:
            break
        hop = address
        if not is_trusted_proxy(address):
            break
    return str(hop)
