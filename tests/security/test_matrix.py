"""Every write operation of every domain, as every identity (OWASP API1 broken object
level authorization, API5 broken function level authorization).

The operations come from the schema generators themselves (the OpenAPI generator behind
``/api/schema/`` and the graphene schema behind ``/graphql/``), the expected outcomes
from ``tests/security/matrix.py``. A new operation without a row fails here with its
name; so does a row whose operation is gone. Each identity's request runs in a savepoint
that is rolled back, so every identity meets the world the row's setup built; a refusal
must leave every table of the project exactly as it was.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from tests.security.conftest import (
    IDENTITIES,
    World,
    changed_tables,
    client_for,
    fingerprint,
    graphql,
    graphql_codes,
    rolled_back,
)
from tests.security.matrix import BY_OPERATION, Outcome, Row

SAFE = {"GET", "HEAD", "OPTIONS", "TRACE"}


@cache
def documented_writes() -> tuple[str, ...]:
    """``METHOD /path`` of every non-safe REST operation, ``Mutation.<field>`` of every
    GraphQL mutation: what the app serves today."""
    from tests.fuzz.conftest import graphql_operation_labels, rest_operation_labels

    rest = [label for label in rest_operation_labels() if label.split(" ", 1)[0] not in SAFE]
    mutations = [label for label in graphql_operation_labels() if label.startswith("Mutation.")]
    return (*rest, *mutations)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "operation" in metafunc.fixturenames:
        served = documented_writes()
        labels = sorted(set(served) | set(BY_OPERATION))
        metafunc.parametrize("operation", labels)


def test_every_write_has_a_row_and_every_row_a_write():
    served = set(documented_writes())
    missing = sorted(served - set(BY_OPERATION))
    stale = sorted(set(BY_OPERATION) - served)
    assert not missing, f"write operations without a row in tests/security/matrix.py: {missing}"
    assert not stale, f"rows in tests/security/matrix.py for operations not served: {stale}"
    assert len(served) >= 70, f"only {len(served)} write operations found: enumeration broke?"


def _send(row: Row, world: World, ctx: dict[str, Any], identity: str):
    client = client_for(world.user(identity))
    body = row.body(world, ctx) if row.body is not None else None
    if row.graphql:
        return graphql(client, row.query, body)
    method, path = row.operation.split(" ", 1)
    return getattr(client, method.lower())(path.format(**ctx), body, format=row.fmt)


def _verdict(row: Row, expected: Outcome, response, changed: list[str]) -> str | None:
    """None if the response is what the row documents, else what differs."""
    if row.graphql:
        field = row.operation.split(".", 1)[1]
        body = response.json()
        data = (body.get("data") or {}).get(field)
        if expected.allowed:
            if response.status_code != 200 or body.get("errors") or data is None:
                return f"expected success, got {response.status_code} {body}"
        else:
            codes = graphql_codes(response)
            if codes[:1] != [expected.code] or data is not None:
                return f"expected error {expected.code}, got {response.status_code} {body}"
    else:
        if response.status_code != expected.status:
            return f"expected {expected}, got {response.status_code} {response.content[:300]!r}"
        if not expected.allowed:
            if response["Content-Type"] != "application/problem+json":
                return f"expected problem details, got {response['Content-Type']}"
            body = response.json()
            if (
                body.get("code") != expected.code
                or body.get("type") != f"/problems/{body.get('code')}/"
            ):
                return f"expected problem {expected.code}, got {body}"
    if expected.changes is False and changed:
        return f"answered {response.status_code} but changed {changed}"
    return None


def test_every_identity_gets_the_documented_outcome(operation, world):
    row = BY_OPERATION.get(operation)
    assert row is not None, (
        f"{operation} has no row in tests/security/matrix.py: add one saying what "
        f"{', '.join(IDENTITIES)} get"
    )
    assert operation in set(documented_writes()), (
        f"tests/security/matrix.py has a row for {operation}, which is no longer served: remove it"
    )
    missing = [identity for identity in IDENTITIES if identity not in row.expect]
    assert not missing, f"{operation}: no outcome for {missing}"

    ctx = row.setup(world)
    failures = []
    for identity, expected in row.expect.items():
        with rolled_back():
            before = fingerprint()
            response = _send(row, world, ctx, identity)
            changed = changed_tables(before, fingerprint())
        if response.status_code >= 500:
            failures.append(f"{identity}: server error {response.content[:300]!r}")
            continue
        problem = _verdict(row, expected, response, changed)
        if problem:
            failures.append(f"{identity}: {problem}")
    rule = f" ({row.why})" if row.why else ""
    assert not failures, f"{operation}{rule}:\n  " + "\n  ".join(failures)
