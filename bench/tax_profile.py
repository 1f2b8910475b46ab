"""The fixed per-request tax, in-process (Django test client: no server, no load
generator, not the ``make bench`` ratios): five hot requests, each signed in with a JWT,
on a database the bench seeds fill (bench/seed_core.py, bench/movies_seed.py and
``manage.py seed_social``):

- ``me``: ``GET /api/v1/auth/me/`` (as ``bench_heavy``, bench/run.py's user);
- ``graphql me``: ``{ me { username roles } }``, bench/run.py's document;
- ``notifications``: ``GET /api/v1/auth/notifications/``, the first 20 of ``bench_heavy``'s;
- ``recommendations``: ``GET /api/v1/movies/recommendations/``, warm and cached;
- ``graphql feed``: ``{ feed(first: 20) { ... } }``, the bench's document.

For each: requests per second, SQL queries and Redis round trips per request, and with
``--profile`` a pyinstrument profile (the top functions by share of time). ``--compare``
alternates rounds of the code as it is with rounds of the code as it was before the
per-request tax work (issue 19), restored by patches that live in this script only
(``--undo`` names which, ``CHANGES``): ``core.cache.versioned.cached`` reading the
namespace version, then the value; JWT authentication loading the whole user; the
GraphQL view parsing and validating every document; the roles read by a query on every
request; DRF serializers built per response.

A small seed takes about a minute, on a database of its own (production settings: set
DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DJANGO_SECURE_SSL_REDIRECT=false as this
script does); seed what the scenarios you run need::

    manage.py migrate && python bench/seed_core.py --users 2000 --notifications 100000 \
        --heavy-share 0.5 && python bench/movies_seed.py --users 200 \
        && manage.py seed_social --users 5000 --posts 200000 --follows 100

(seed_core.py leaves its tables vacuumed and analyzed), then::

    PYTHONPATH=src:bench DATABASE_URL=postgres://.../nexus_tax_bench \
        python bench/tax_profile.py [--requests 400] [--rounds 5] [--only me,notifications] \
        [--compare [--undo roles,serializers]] [--profile]

Results: bench/RESULTS.md, "Per-request tax — in-process".
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

from common import RAISED, throttle_names  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
os.environ.setdefault(
    "DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("JWT_ACCESS_MINUTES", "600")
for _name in throttle_names():  # as the bench: no throttle refuses the loop
    os.environ.setdefault(_name, RAISED)

GRAPHQL_ME = "{ me { username roles } }"  # bench/run.py's document
GRAPHQL_FEED = (  # bench/social_run.py's document
    "{ feed(first: 20) { edges { cursor sharedBy { id username } sharedAt node { id content "
    "mediaUrl author { id username } createdAt updatedAt likeCount commentCount shareCount "
    "viewerHasLiked } } pageInfo { hasNextPage endCursor } } }"
)


# --- counting ----------------------------------------------------------------------------


class Counters:
    """SQL statements (a connection execute wrapper) and Redis round trips (each
    ``send_packed_command`` is one: a command, or a whole pipeline)."""

    def __init__(self) -> None:
        self.sql = 0
        self.redis = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any):
        self.sql += 1
        return execute(sql, params, many, ctx)


@contextmanager
def counting() -> Iterator[Counters]:
    from django.db import connection
    from redis.connection import AbstractConnection

    counters = Counters()
    original = AbstractConnection.send_packed_command

    def send(self: Any, command: Any, check_health: bool = True) -> None:
        counters.redis += 1
        original(self, command, check_health)

    AbstractConnection.send_packed_command = send  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(counters):
            yield counters
    finally:
        AbstractConnection.send_packed_command = original  # type: ignore[method-assign]


# --- the scenarios -----------------------------------------------------------------------


def scenarios(only: list[str]) -> dict[str, Callable[[], Any]]:
    """The requests named in ``only`` (all when empty), each with a client signed in as
    a user its seed made: ``seed_user_*`` (seed_social), ``bench_movies_*``
    (movies_seed.py), ``bench_heavy`` (seed_core.py, the notifications' reader)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from core.identity.tokens import AccessToken

    users = get_user_model().objects

    def client_as(prefix: str, seed: str) -> Client:
        user = users.filter(username__startswith=prefix).order_by("pk").first()
        if user is None:
            sys.exit(f"seed first: {seed} (see the docstring)")
        return Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")

    def me() -> Callable[[], Any]:
        client = client_as("bench_heavy", "bench/seed_core.py")
        return lambda: client.get("/api/v1/auth/me/")

    def graphql_me() -> Callable[[], Any]:
        client = client_as("bench_heavy", "bench/seed_core.py")
        return lambda: client.post(
            "/graphql/", {"query": GRAPHQL_ME}, content_type="application/json"
        )

    def notifications() -> Callable[[], Any]:
        client = client_as("bench_heavy", "bench/seed_core.py")
        return lambda: client.get("/api/v1/auth/notifications/")

    def recommendations() -> Callable[[], Any]:
        client = client_as("bench_movies_", "bench/movies_seed.py")
        return lambda: client.get("/api/v1/movies/recommendations/")

    def feed() -> Callable[[], Any]:
        client = client_as("seed_user_", "manage.py seed_social")
        return lambda: client.post(
            "/graphql/", {"query": GRAPHQL_FEED}, content_type="application/json"
        )

    makers = {
        "me": me,
        "graphql me": graphql_me,
        "notifications": notifications,
        "recommendations": recommendations,
        "graphql feed": feed,
    }
    unknown = set(only) - set(makers)
    if unknown:
        sys.exit(f"unknown scenarios: {sorted(unknown)}; known: {sorted(makers)}")
    return {name: make() for name, make in makers.items() if not only or name in only}


def check(response: Any) -> None:
    assert response.status_code == 200, (response.status_code, response.content[:300])
    if (
        response["Content-Type"].startswith("application/json")
        and b'"errors"' in (response.content[:20])
    ):
        raise AssertionError(response.content[:300])


def rate(call: Callable[[], Any], requests: int) -> tuple[float, float]:
    """Requests per second (wall clock), and this process's CPU microseconds per request
    (``process_time``: the Python side's own work, which waiting on PostgreSQL and Redis
    and other jobs on the cores move far less than the wall clock)."""
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(requests):
        call()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return requests / wall, cpu / requests * 1e6


# --- the code as it was (for --compare only) ---------------------------------------------


def _cached_before(namespace: str, parts: Any, loader: Callable[[], Any], *, timeout: Any = 300):
    """``core.cache.versioned.cached`` before issue 19: the namespace's version (a GET),
    then the entry at a key that names it (another GET)."""
    from django.core.cache import cache

    from core.cache.versioned import entry_key

    version_key = f"nsver:{namespace}"
    version = cache.get(version_key)
    if version is None:
        cache.add(version_key, 1, timeout=None)
        version = cache.get(version_key) or 1
    raw = entry_key(namespace, *parts)[len(namespace) + 1 :]  # the parts, as they were
    key = f"{namespace}:v{version}:{raw}"
    boxed = cache.get(key)
    if isinstance(boxed, tuple) and len(boxed) == 1:
        return boxed[0]
    value = loader()
    cache.set(key, (value,), timeout=timeout)
    return value


def _get_user_before(self: Any, validated_token: Any) -> Any:
    """JWT authentication before issue 19: simplejwt's, the whole row every request."""
    from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWT
    from rest_framework_simplejwt.exceptions import InvalidToken
    from rest_framework_simplejwt.settings import api_settings

    from core.identity.tokens import parse_user_id

    if parse_user_id(validated_token.get(api_settings.USER_ID_CLAIM)) is None:
        raise InvalidToken("Token contained no recognizable user identification")
    return SimpleJWT.get_user(self, validated_token)


def _user_with_roles_before(*, user: Any) -> Any:
    """``core.identity.selectors.user_with_roles`` before the roles travelled with the
    token's cached user: the groups, one query, every request."""
    from django.db.models import prefetch_related_objects

    user.__dict__.pop("_nexus_role_names", None)
    prefetch_related_objects([user], "groups")
    return user


class _UserPerRequest:
    """``me/`` before ``core.http.representation``: a ``UserSerializer`` per response."""

    def one(self, user: Any) -> Any:
        from core.identity.api.serializers import UserSerializer

        return UserSerializer(user).data


def _list_models_before(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
    """The notifications page before it read ``values()``: a model object per row."""
    from core.notifications.api import views

    page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
    return self.get_paginated_response(views._NOTIFICATION.many(page))


def _patches(undone: set[str]) -> list[tuple[Any, str, Any]]:
    """The patches that undo the named changes (see ``CHANGES``)."""
    from rest_framework import mixins

    from core.cache import versioned
    from core.identity import authentication, selectors
    from core.identity.api import views as identity_views
    from core.notifications.api.views import NotificationListView
    from core.site.graphql import view
    from movies import selectors as movies_selectors

    by_change: dict[str, list[tuple[Any, str, Any]]] = {
        "cache": [
            (versioned, "cached", _cached_before),
            (movies_selectors, "cached", _cached_before),
        ],
        "jwt": [(authentication.JWTAuthentication, "get_user", _get_user_before)],
        "documents": [
            (view, "cached_document", lambda key: None),
            (view, "remember_document", lambda key, document, size: None),
        ],
        "roles": [(selectors, "user_with_roles", _user_with_roles_before)],
        "serializers": [
            (identity_views, "_ME", _UserPerRequest()),
            (NotificationListView, "list", mixins.ListModelMixin.list),
        ],
        "rows": [(NotificationListView, "list", _list_models_before)],
    }
    if "serializers" in undone:  # DRF's list, which reads model objects itself
        by_change["rows"] = []
    return [patch for change in CHANGES if change in undone for patch in by_change[change]]


# What --undo may name: the one-MGET cached read, the token's user from its cached
# columns, the GraphQL documents kept by hash (the first per-request tax work); the roles
# carried with the cached user, the serializers built once, and the notifications page
# read as ``values()`` (the second; "serializers" undone restores DRF's list, model
# objects, whatever "rows" says).
CHANGES = ("cache", "jwt", "documents", "roles", "serializers", "rows")
UNDONE: set[str] = set(CHANGES)


@contextmanager
def as_before() -> Iterator[None]:
    """The changes named by --undo undone, in this process, for the block."""
    patches = _patches(UNDONE)
    saved = [(target, name, getattr(target, name)) for target, name, _ in patches]
    for target, name, replacement in patches:
        setattr(target, name, replacement)
    try:
        yield
    finally:
        for target, name, original in saved:
            setattr(target, name, original)


@contextmanager
def mode(name: str) -> Iterator[None]:
    if name == "before":
        with as_before():
            yield
    else:
        yield


# --- the profile -------------------------------------------------------------------------


def top_functions(session: Any) -> tuple[dict[str, float], dict[str, float]]:
    """Each function's share of the profiled time in it and below it (counted once per
    stack, recursion aside) and in it alone."""
    total = session.duration or 1e-9
    inclusive: dict[str, float] = defaultdict(float)
    own: dict[str, float] = defaultdict(float)

    def walk(frame: Any, open_names: frozenset[str]) -> None:
        if frame.is_synthetic:
            return
        where = f"{_short(frame.file_path or '')}:{frame.line_no}"
        name = f"{frame.class_name}.{frame.function}" if frame.class_name else frame.function
        name = f"{name} ({where})"
        if name not in open_names:
            inclusive[name] += frame.time / total
        own[name] += frame.total_self_time / total
        for child in frame.children:
            walk(child, open_names | {name})

    root = session.root_frame()
    if root is not None:
        walk(root, frozenset())
    return inclusive, own


def _short(path: str) -> str:
    for marker in ("site-packages/", "/src/", "/lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


# The per-request costs this script is about, found by function name in every profile
# (the largest inclusive share among the functions whose name starts so).
WATCHED = {
    "JWT authentication": ("JWTAuthentication.authenticate ",),
    "  of which the user (row, or cached columns)": (
        "JWTAuthentication.get_user (core",
        "JWTAuthentication._get_user_before",
        "_get_user_before",
    ),
    "throttles": (
        "RecommendationListView.check_throttles",
        "MeView.check_throttles",
        "NotificationListView.check_throttles",
        "NexusGraphQLView._throttle",
    ),
    "cached reads (core.cache.versioned; after: the user's columns too)": (
        "cached (core/cache",
        "_cached_before",
    ),
    "GraphQL parse": ("parse (graphql/language/parser.py",),
    "GraphQL validate": ("validate (graphql/validation",),
    "GraphQL execute": ("execute (graphql/execution/execute.py",),
    "the roles (a query, or the cached columns)": (
        "user_with_roles",
        "prefetch_related_objects",
    ),
    "serializer fields built (DRF get_fields)": (
        "UserSerializer.get_fields",
        "NotificationSerializer.get_fields",
    ),
    "serializing (to_representation)": (
        "UserSerializer.to_representation",
        "ListSerializer.to_representation",
        "Representation.one",
        "Representation.many",
    ),
    "the page (paginate_queryset)": ("NotificationCursorPagination.paginate_queryset",),
    "JSON render": ("JSONRenderer.render", "dumps (json/__init__"),
    "SQL (execute_sql)": ("SQLCompiler.execute_sql",),
}


def watched(inclusive: dict[str, float], per_request: float) -> dict[str, tuple[float, float]]:
    """Each watched cost: (share of the request, microseconds per request)."""
    found = {}
    for label, prefixes in WATCHED.items():
        share = max(
            (share for name, share in inclusive.items() if name.startswith(prefixes)),
            default=0.0,
        )
        found[label] = (share, share * per_request * 1e6)
    return found


def profile(
    name: str, call: Callable[[], Any], requests: int, limit: int
) -> dict[str, tuple[float, float]]:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(requests):
        call()
    session = profiler.stop()
    inclusive, own = top_functions(session)
    print(f"\n#### {name}: {requests} requests, {session.duration:.2f} s profiled\n")
    print("Below the middleware (inclusive share under 75%), by time in and below:\n")
    print("| function | share (inclusive) | share (own) |")
    print("| --- | ---: | ---: |")
    below = [item for item in inclusive.items() if item[1] < 0.75]
    for function, share in sorted(below, key=lambda item: -item[1])[:limit]:
        print(f"| `{function}` | {share:.1%} | {own[function]:.1%} |")
    print("\nBy time in the function itself:\n")
    print("| function | share (own) |")
    print("| --- | ---: |")
    for function, share in sorted(own.items(), key=lambda item: -item[1])[: limit // 2]:
        print(f"| `{function}` | {share:.1%} |")
    return watched(inclusive, session.duration / requests)


# --- main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40, help="functions per profile table")
    parser.add_argument("--only", default="", help="scenario names, comma-separated (default: all)")
    parser.add_argument(
        "--compare", action="store_true", help="alternate rounds with the code as it was"
    )
    parser.add_argument(
        "--undo",
        default=",".join(CHANGES),
        help=f"with --compare, the changes 'before' undoes (default: all of {', '.join(CHANGES)})",
    )
    args = parser.parse_args()
    UNDONE.clear()
    UNDONE.update(name.strip() for name in args.undo.split(",") if name.strip())
    if UNDONE - set(CHANGES):
        sys.exit(f"unknown changes: {sorted(UNDONE - set(CHANGES))}; known: {list(CHANGES)}")

    import django

    django.setup()
    calls = scenarios([name.strip() for name in args.only.split(",") if name.strip()])
    modes = ["before", "after"] if args.compare else ["now"]

    print(
        "| request | mode | requests/s (median of rounds) | min-max "
        "| CPU µs per request (median) | min-max | SQL | Redis |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, call in calls.items():
        figures: dict[str, list[tuple[float, float]]] = {each: [] for each in modes}
        counts: dict[str, tuple[float, float]] = {}
        for name_of_mode in modes:
            with mode(name_of_mode):
                for _ in range(20):  # warm: caches filled, connections open
                    check(call())
                with counting() as counters:
                    check(call())
            counts[name_of_mode] = (counters.sql, counters.redis)
        for round_number in range(args.rounds):
            # Alternate, and alternate which goes first.
            order = modes if round_number % 2 == 0 else modes[::-1]
            for name_of_mode in order:
                with mode(name_of_mode):
                    figures[name_of_mode].append(rate(call, args.requests))
        for name_of_mode in modes:
            runs = [each for each, _ in figures[name_of_mode]]
            cpus = [each for _, each in figures[name_of_mode]]
            print(
                f"| {name} | {name_of_mode} | {statistics.median(runs):.0f} | "
                f"{min(runs):.0f}-{max(runs):.0f} | {statistics.median(cpus):,.0f} | "
                f"{min(cpus):,.0f}-{max(cpus):,.0f} | {counts[name_of_mode][0]} | "
                f"{counts[name_of_mode][1]} |"
            )
    if args.profile:
        shares: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
        for name, call in calls.items():
            for name_of_mode in modes:
                with mode(name_of_mode):
                    shares[name, name_of_mode] = profile(
                        f"{name} ({name_of_mode})", call, args.requests, args.top
                    )
        columns = list(shares)
        print(
            "\n#### The per-request costs: share of each request's time, and microseconds"
            " per request under the profiler (which slows every request down)\n"
        )
        print("| cost | " + " | ".join(f"{name} ({each})" for name, each in columns) + " |")
        print("| --- |" + " ---: |" * len(columns))
        for label in WATCHED:
            row = [shares[column][label] for column in columns]
            cells = [f"{share:.0%} · {micros:,.0f} µs" for share, micros in row]
            print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
