"""Fixtures of the security suite: the cast of identities every write is tried as, a
fingerprint of every table (so "a refusal changed nothing" is checked against the whole
database, not a field the test thought of), and request helpers for REST and GraphQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from rest_framework.test import APIClient

from core.identity.roles import Role
from tests.core.factories import UserFactory
from tests.helpers import client_for as _client_for
from tests.jobs.conftest import resume_dir  # noqa: F401  (résumés in a temporary directory)

# Identities every row of the matrix names an outcome for. "stranger" is a signed-in
# customer with no relation to the object; "employer" and "candidate" hold those roles
# but, like the stranger, are not the object's owner (an employer of another company,
# another candidate): they are the BOLA probes of the job board.
IDENTITIES = ("anonymous", "stranger", "owner", "staff", "moderator", "employer", "candidate")

# Tables whose content a refused request must leave exactly as it was.
_APPS = ("core", "auth", "token_blacklist", "shop", "social", "movies", "jobs", "polls")


@dataclass
class World:
    """The users of one test, by identity (None for anonymous), plus any a row's setup
    adds (``company_member`` for job applications)."""

    users: dict[str, Any]
    settings: Any
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def owner(self) -> Any:
        return self.users["owner"]

    def user(self, identity: str) -> Any:
        return self.users[identity] if identity in self.users else self.extra[identity]

    def grant(self, identity: str, *roles: Role) -> Any:
        """Give a user more roles (a row whose object needs an employer or candidate owner)."""
        from django.contrib.auth.models import Group

        user = self.user(identity)
        user.groups.add(*[Group.objects.get_or_create(name=str(role))[0] for role in roles])
        return user


@pytest.fixture
def world(db, settings) -> World:
    return World(
        users={
            "anonymous": None,
            "stranger": UserFactory(),
            "owner": UserFactory(),
            "staff": UserFactory(is_staff=True),
            "moderator": UserFactory(roles=[Role.CUSTOMER, Role.MODERATOR]),
            "employer": UserFactory(roles=[Role.CUSTOMER, Role.EMPLOYER]),
            "candidate": UserFactory(roles=[Role.CUSTOMER, Role.CANDIDATE]),
        },
        settings=settings,
    )


# ``client_for(user)`` or ``client_for(token=raw)``: the shared client, answering an
# uncaught server error with its 500 rather than raising it, so the matrix reports every
# identity's outcome.
client_for = partial(_client_for, raise_request_exception=False)


def _tables() -> list[str]:
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in _APPS and model._meta.managed
    }
    existing = set(connection.introspection.table_names())
    return sorted(tables & existing)


# Table names come from the models (quoted), never from input.
_TABLE_HASH = "SELECT %s, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} AS t"
_FINGERPRINT: list[tuple[str, list[str]]] = []


def fingerprint() -> dict[str, str]:
    """``{table: md5 of its rows}`` for every table of the project, in one query."""
    if not _FINGERPRINT:
        tables, quote = _tables(), connection.ops.quote_name
        sql = " UNION ALL ".join(_TABLE_HASH.format(quote(table)) for table in tables)
        _FINGERPRINT.append((sql, tables))
    sql, tables = _FINGERPRINT[0]
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return dict(cursor.fetchall())


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(
        table for table in before.keys() | after.keys() if before.get(table) != after.get(table)
    )


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run a request in a savepoint and undo it, so the next identity finds the world
    as the row's setup made it."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def problem(response) -> dict[str, Any]:
    """The body of a problem-details response (asserting it is one)."""
    assert response["Content-Type"] == "application/problem+json", (
        response.status_code,
        response.content[:300],
    )
    body = response.json()
    assert body["type"] == f"/problems/{body['code']}/", body
    assert body["status"] == response.status_code, body
    return body


def graphql(client: APIClient, query: str, variables: dict[str, Any] | None = None):
    return client.post("/graphql/", {"query": query, "variables": variables or {}}, format="json")


def graphql_codes(response) -> list[str]:
    body = response.json()
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
