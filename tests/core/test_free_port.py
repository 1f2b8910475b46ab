"""The ports the suite's servers take (``free_port``): free, and below the kernel's
ephemeral range, where no client's source port is drawn, so a probe of a server still
starting cannot connect to itself."""

from __future__ import annotations

import socket

from tests.core.live_servers import EPHEMERAL_RANGE, LOWEST_PORT, free_port


def test_a_free_port_is_below_the_ephemeral_range_and_free():
    low = int(EPHEMERAL_RANGE.read_text().split()[0])

    ports = [free_port() for _ in range(20)]

    assert all(LOWEST_PORT <= port < low for port in ports), ports
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))  # raises if it was not free
