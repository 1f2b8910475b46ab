"""Calling the operations of the schema: the document the generator makes (what the
tests are parametrized from) and ``Reacher``, which calls an operation as someone
allowed to (tests/contract/calls.py lists the attempts) and remembers who could."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from django.core.cache import cache as django_cache
from django.db import connection, transaction
from django.http import HttpResponse

from tests.contract import calls
from tests.contract.world import World
from tests.helpers.openapi import Operation, operations


@cache
def generated_document() -> dict[str, Any]:
    """The document the schema generator makes, without a request or a database."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.renderers import OpenApiJsonRenderer
    from drf_spectacular.settings import spectacular_settings

    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    with GENERATOR_STATS.silence():
        schema = generator.get_schema(request=None, public=True)
    document: dict[str, Any] = json.loads(OpenApiJsonRenderer().render(schema))
    return document


def checked_operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation but the event streams, which never end under the in-process
    client: tests/polls/test_stream_contract.py checks those on a real server."""
    return [op for op in operations(document) if not op.definition.get("x-nexus-stream")]


def database_writes() -> dict[str, tuple[int, int, int]]:
    """Rows inserted, updated and deleted per table so far in this transaction
    (PostgreSQL's ``pg_stat_xact_user_tables``): a request that changes nothing leaves
    them as they were."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return {row[0]: (row[1], row[2], row[3]) for row in cursor.fetchall()}


@dataclass(frozen=True)
class Reached:
    call: calls.Call
    response: HttpResponse
    body: bytes  # read whole, a streamed file's too

    def json(self) -> Any:
        """The JSON body, or None (no body, a file, not JSON)."""
        if not self.body or "json" not in self.response.get("Content-Type", ""):
            return None
        return json.loads(self.body)


# label -> the call that reached it (found once, in a rolled-back savepoint)
_FOUND: dict[str, calls.Call] = {}


class Reacher:
    def __init__(self, document: dict[str, Any], world: World) -> None:
        self.document = document
        self.world = world

    def operation(self, label: str) -> Operation:
        for op in operations(self.document):
            if op.label == label:
                return op
        raise AssertionError(f"{label} is not in /api/schema/")

    def find(self, operation: Operation) -> calls.Call:
        """The first attempt that answers 2xx, tried in a savepoint rolled back after:
        the test then starts from the world as it was."""
        if operation.label in _FOUND:
            return _FOUND[operation.label]
        tried: list[str] = []
        with transaction.atomic():
            for call in calls.attempts(self.document, operation, self.world):
                response = calls.send(self.world, call)
                status = response.status_code
                detail = calls.drain(response)[:160].decode(errors="replace")
                tried.append(f"{call.describe()}: {status} {detail}")
                if 200 <= status < 300:
                    _FOUND[operation.label] = call
                    break
            transaction.set_rollback(True)
        django_cache.clear()  # nothing read in the savepoint outlives it
        if operation.label not in _FOUND:
            pytest.fail(
                f"{operation.label}: no identity could call it (tests/contract/calls.py "
                "says how to: a body in BODIES, ids in the world); tried:\n  "
                + "\n  ".join(tried or ["nothing: no ids in the world for its path"]),
                pytrace=False,
            )
        return _FOUND[operation.label]

    def reach(self, operation: Operation) -> Reached:
        call = self.find(operation)
        response = calls.send(self.world, call)
        body = calls.drain(response)
        assert 200 <= response.status_code < 300, (
            f"{call.describe()} answered {response.status_code} this time: {body[:500]!r}"
        )
        return Reached(call, response, body)
