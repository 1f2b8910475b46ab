"""Cache-aside with versioned namespaces, one round trip for a warm read.

Each namespace has a version number stored in the cache (``nsver:<namespace>``); an
entry lives at ``<namespace>:<parts>`` and holds ``(version it was written under,
value)``. A read fetches both with one ``MGET``: the entry is a hit only if its version
is the namespace's current one. Writers call ``invalidate(namespace)`` after commit to
bump the version, which turns every entry of the namespace into a miss at once, in
every process (the next load overwrites each in place; the rest expire by TTL). A
version that is missing (never set, or evicted) starts again at a fresh number (the
clock in microseconds), never at one an old entry may still carry.

If Redis is down, django-redis swallows the error (``IGNORE_EXCEPTIONS``; the circuit
breaker, ``core.cache.breaker``, fails it at once): reads fall through to the loader,
i.e. the database, and writes still succeed. A bump that did not reach Redis is retried
before the process's next cached read, so a Redis that comes back with its old data
does not serve what the write changed. The same code runs on the in-process cache of
``make run``.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar
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


def _fresh_version() -> int:
    """A first version for a namespace: the clock in microseconds, above any version a
    namespace that lost its number (eviction, a flush) can have left on its entries."""
    return time.time_ns() // 1000


def _bump(namespace: str) -> bool:
    """Bump the namespace's version; False if the cache did not take it."""
    key = _VERSION_KEY.format(namespace=namespace)
    for _ in range(2):
        try:
            # django-redis answers None instead of raising when Redis is unreachable.
            return cache.incr(key) is not None
        except ValueError:  # no version yet (or it expired): start a new one
            added = cache.add(key, _fresh_version(), timeout=None)
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


def _start_version(namespace: str) -> int | None:
    """The namespace's version once it had none: ours, or the one another process
    started meanwhile; None if the cache is unreachable."""
    key = _VERSION_KEY.format(namespace=namespace)
    version = _fresh_version()
    added = cache.add(key, version, timeout=None)  # add(): racing processes agree
    if added is None:
        return None
    if added:
        return version
    current = cache.get(key)
    return int(current) if current is not None else None


def namespace_version(namespace: str) -> int | None:
    """The namespace's current version (started if it had none); None if the cache is
    unreachable."""
    if _pending_bumps:
        _retry_pending_bumps()
    version = cache.get(_VERSION_KEY.format(namespace=namespace))
    if version is None:
        return _start_version(namespace)
    return int(version)


def entry_key(namespace: str, *parts: object) -> str:
    """Where the entry for ``namespace``/``parts`` lives (whatever the version)."""
    raw = ":".join(str(part) for part in parts)
    # Keys stay short and plain whatever the parts hold (query strings are user input:
    # spaces, quotes, control characters): anything else is hashed.
    if len(raw) > 150 or not _PLAIN_KEY.fullmatch(raw):
        raw = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    return f"{namespace}:{raw}"


# What ``lookup`` answers for an entry that is absent or of an older version.
MISS: Any = object()


def lookup(namespace: str, parts: Iterable[object]) -> tuple[Any, int | None]:
    """The entry's value if it was written under the namespace's current version (else
    ``MISS``), and that version (None if the namespace has none yet, or the cache is
    unreachable): one ``MGET``."""
    value, version, _ = lookup_beside(namespace, parts, None)
    return value, version


def lookup_beside(
    namespace: str, parts: Iterable[object], other_key: str | None
) -> tuple[Any, int | None, Any]:
    """``lookup``, and the raw value of ``other_key`` (None when absent) read in the
    same ``MGET``: for an entry that also depends on a global the caller checks itself
    (which model ranked a list), still one round trip."""
    if _pending_bumps:
        _retry_pending_bumps()
    version_key = _VERSION_KEY.format(namespace=namespace)
    key = entry_key(namespace, *parts)
    keys = [version_key, key] if other_key is None else [version_key, key, other_key]
    found = cache.get_many(keys)  # {} when the cache is unreachable
    other = found.get(other_key) if other_key is not None else None
    raw_version = found.get(version_key)
    if raw_version is None:
        return MISS, None, other
    version = int(raw_version)
    entry = found.get(key)
    # Entries are (version, value): a cached None stays apart from a miss, and an entry
    # of an older version (or of another format) is a miss.
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == version:
        return entry[1], version, other
    return MISS, version, other


def peek(namespace: str, parts: Iterable[object], default: Any = None) -> Any:
    """The current cached value for ``namespace``/``parts``, or ``default`` on a miss;
    never loads (for readers that only serve what is cached, e.g. the bench's ceilings)."""
    value, _ = lookup(namespace, parts)
    return default if value is MISS else value


def cached(
    namespace: str,
    parts: Iterable[object],
    loader: Callable[[], T],
    *,
    timeout: int | None = 300,
) -> T:
    """Return the cached value for ``namespace``/``parts``, loading and storing it on a
    miss. A warm read is one round trip to the cache."""
    parts = list(parts)
    value, version = lookup(namespace, parts)
    if value is not MISS:
        hit: T = value  # what loader() returned when it was stored
        return hit
    if version is None:
        version = _start_version(namespace)
    # The version was read before loading: should a write bump it meanwhile, this entry
    # is stored under the old one, and the next read loads again.
    loaded = loader()
    store(namespace, parts, version, loaded, timeout=timeout)
    return loaded


def store(
    namespace: str,
    parts: Iterable[object],
    version: int | None,
    value: Any,
    *,
    timeout: int | None = 300,
) -> None:
    """Store ``value`` for ``namespace``/``parts`` under ``version``: the one read
    before the value was loaded (``lookup``, or ``namespace_version`` when that had
    none), so a write that bumped it meanwhile turns this entry into a miss. Nothing is
    stored without a version (the cache was unreachable)."""
    if version is not None:
        cache.set(entry_key(namespace, *parts), (version, value), timeout=timeout)


def _bump_or_remember(namespace: str) -> None:
    if not _bump(namespace) and len(_pending_bumps) < _PENDING_CAP:
        _pending_bumps.add(namespace)


def invalidate(namespace: str) -> None:
    """Bump the namespace version after the current transaction commits."""
    transaction.on_commit(lambda: _bump_or_remember(namespace))


def invalidate_now(namespace: str) -> None:
    """Bump the namespace version now, and again after the current transaction commits:
    for entries that must never outlive the rows they copy (who a token's user is), so
    a read inside the writing transaction already misses, and so does any read after
    the commit (a read between the two bumps may have stored the rows it saw before the
    commit)."""
    _bump_or_remember(namespace)
    invalidate(namespace)


def query_part(query: Mapping[str, Sequence[str]]) -> str:
    """A request's query parameters as one key part, for a cached read that answers
    them: every value of each parameter in order, names sorted, urlencoded (so a value
    holding ``&``, ``=`` or ``:`` cannot pass for two parameters)."""
    return urlencode([(name, value) for name, values in sorted(query.items()) for value in values])
