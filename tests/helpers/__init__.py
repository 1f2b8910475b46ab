"""What every test package shares, whatever context it tests: ``client_for`` (an API
client per identity, with a real bearer token), ``assert_problem`` and
``assert_invalid`` (an RFC 9457 problem response with its status and code),
``warm_token_user`` (the token's user cached, so a query count is the endpoint's own),
and ``race`` and ``raised`` (work started at once in real threads, each on its own database
connection, and the exceptions it raised); ``tests.helpers.sqlite.pytest_on_sqlite``
runs test modules again on SQLite, the embedded default.

A context's tests (shop, social, movies, jobs, polls) import these, ``tests.core``
(users, live servers) and themselves, never another context's tests: an
import-linter contract in pyproject.toml keeps them independent."""

from tests.helpers.clients import client_for, warm_token_user
from tests.helpers.concurrency import MAX_THREADS, race, raised
from tests.helpers.problems import assert_invalid, assert_problem

__all__ = [
    "MAX_THREADS",
    "assert_invalid",
    "assert_problem",
    "client_for",
    "race",
    "raised",
    "warm_token_user",
]
