"""Counting round trips to Redis: each command (or pipeline) a client sends is one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from core.cache.breaker import _BreakerMixin


@contextmanager
def redis_commands() -> Iterator[list[str]]:
    """The names of the commands sent to Redis inside the block, one per round trip
    (``["MGET", "SET"]``; a pipeline counts once, by its first command)."""
    sent: list[str] = []
    original = _BreakerMixin.send_packed_command

    def counting(connection, command, check_health=True):
        packed = b"".join(command) if isinstance(command, list | tuple) else command
        sent.append(packed.split(b"\r\n")[2].decode().upper())
        return original(connection, command, check_health)

    _BreakerMixin.send_packed_command = counting
    try:
        yield sent
    finally:
        _BreakerMixin.send_packed_command = original
