"""Cache-aside with versioned keys.

Each namespace has a version number stored in the cache; a key is
``<namespace>:v<version>:<parts>``. Writers call ``invalidate(namespace)``
after commit to bump the version, which orphans every key of the old version
at once (they expire by TTL). If Redis is down, django-redis swallows the
error (``IGNORE_EXCEPTIONS``): reads fall through to the loader, i.e. the
database, and writes still succeed. A bump that did not reach Redis is retried
before the process's next cached read, so a Redis that comes back with its old
data does not serve what the write changed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

_VERSION_KEY = "nsver:{namespace}"
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.:=,/-]*")


# Namespaces whose version bump did not reach the cache (Redis down or hung): retried
# before this process's next cached read. Without it, a Redis that comes back with its
# data (a hang, a network partition) would serve entries the missed bump should have
# orphaned, until they expire.
_pending_bumps: set[str] = set()
_PENDING_CAP = 10_000  # per process; past it a missed bump waits for its entries' TTL


def _bump(namespace: str) -> bool:
    """Bump the namespace's version; False if the cache did not take it."""
    key = _VERSION_KEY.format(namespace=namespace)
    for _ in range(2):
        try:
            # django-redis answers None instead of raising when Redis is unreachable.
            return cache.incr(key) is not None
        except ValueError:  # no version yet (or it expired): start a new one
            added = cache.add(key, 2, timeout=None)
            if added is None:  # unreachable
                return False
            if added:
                return True
            # another process started one meanwhile: bump that
    return False


def _retry_pending_bumps() -> None:
    for namespace in sorted(_pending_bumps):
        if not _bump(namespace):
            return  # still unreachable: the next read tries again
        _pending_bumps.discard(namespace)


def namespace_version(namespace: str) -> int:
    if _pending_bumps:
        _retry_pending_bumps()
    version = cache.get(_VERSION_KEY.format(namespace=namespace))
    if version is None:
        # add() so two processes racing here agree on one value.
        cache.add(_VERSION_KEY.format(namespace=namespace), 1, timeout=None)
        version = cache.get(_VERSION_KEY.format(namespace=namespace)) or 1
    return int(version)


def make_key(namespace: str, *parts: object) -> str:
    raw = ":".join(str(part) for part in parts)
    # Keys stay short and plain whatever the parts hold (query strings are user input:
    # spaces, quotes, control characters): anything else is hashed.
    if len(raw) > 150 or not _PLAIN_KEY.fullmatch(raw):
        raw = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    return f"{namespace}:v{namespace_version(namespace)}:{raw}"


def cached(
    namespace: str,
    parts: Iterable[object],
    loader: Callable[[], T],
    *,
    timeout: int | None = 300,
) -> T:
    """Return the cached value for ``namespace``/``parts``, loading and storing it on a miss."""
    key = make_key(namespace, *parts)
    # Values are stored boxed in a 1-tuple: a cached None stays distinguishable
    # from a miss, and so does the None django-redis returns when Redis is down.
    boxed = cache.get(key)
    if isinstance(boxed, tuple) and len(boxed) == 1:
        hit: T = boxed[0]  # what loader() returned when it was stored
        return hit
    value = loader()
    cache.set(key, (value,), timeout=timeout)
    return value


def invalidate(namespace: str) -> None:
    """Bump the namespace version after the current transaction commits."""

    def bump() -> None:
        if not _bump(namespace) and len(_pending_bumps) < _PENDING_CAP:
            _pending_bumps.add(namespace)

    transaction.on_commit(bump)


def query_part(query: Mapping[str, Sequence[str]]) -> str:
    """A request's query parameters as one key part, for a cached read that answers
    them: every value of each parameter in order, names sorted, urlencoded (so a value
    holding ``&``, ``=`` or ``:`` cannot pass for two parameters)."""
    return urlencode([(name, value) for name, values in sorted(query.items()) for value in values])
