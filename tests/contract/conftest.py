"""Fixtures of the conformance suite (tests/contract): the OpenAPI document as
``/api/schema/`` serves it, the world the operations are called in, and ``reach``,
which calls an operation as someone allowed to.

Every test is parametrized at collection over the operations of the schema generator
that ``/api/schema/`` serves (``test_every_operation_is_covered`` checks that the two
agree), so a new operation is checked by every rule without a line changed here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.contract import rules
from tests.contract.reach import Reacher, checked_operations, generated_document
from tests.contract.world import World, build_contract_world


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    document = generated_document()
    checked = checked_operations(document)
    if "operation_label" in metafunc.fixturenames:
        labels = [op.label for op in checked]
        metafunc.parametrize("operation_label", labels, ids=labels)
    if "list_label" in metafunc.fixturenames:
        labels = [op.label for op in checked if rules.is_list(document, op)]
        metafunc.parametrize("list_label", labels, ids=labels)
    if "filter_case" in metafunc.fixturenames:
        cases = [
            (op.label, parameter["name"])
            for op in checked
            if rules.is_list(document, op)
            for parameter in rules.choice_parameters(document, op)
        ]
        ids = [f"{label} ?{name}=" for label, name in cases]
        metafunc.parametrize("filter_case", cases, ids=ids)


@pytest.fixture(scope="session")
def served_document(django_db_setup, django_db_blocker) -> dict[str, Any]:
    """``/api/schema/`` as the API serves it."""
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200, response.content[:500]
    document: dict[str, Any] = response.json()
    return document


@pytest.fixture(scope="package")
def _shared_world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """Built once inside a transaction rolled back after the suite; each test's own
    transaction nests in it as a savepoint (as in the fuzz suite). Résumés go to a
    directory of the run's, and the payment provider signs with the tests' secret."""
    from django.conf import settings
    from django.test import TestCase, override_settings

    from tests.shop.factories import WEBHOOK_SECRET

    resumes = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("resumes"))},
    }
    overrides = override_settings(
        STORAGES={**settings.STORAGES, "resumes": resumes}, SHOP_WEBHOOK_SECRET=WEBHOOK_SECRET
    )
    overrides.enable()
    try:
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                with TestCase.captureOnCommitCallbacks(execute=True):
                    built = build_contract_world()
                yield built
            finally:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
    finally:
        overrides.disable()


@pytest.fixture
def world(db, _shared_world: World) -> World:
    return _shared_world


@pytest.fixture
def reacher(served_document: dict[str, Any], world: World) -> Reacher:
    return Reacher(served_document, world)
