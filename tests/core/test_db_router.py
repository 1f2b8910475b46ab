from __future__ import annotations

import pytest
from django.db import transaction

from core.db import PrimaryReplicaRouter
from core.identity.models import User


@pytest.fixture
def router():
    return PrimaryReplicaRouter()


@pytest.mark.django_db(transaction=True)
def test_reads_outside_a_transaction_go_to_the_replica(router):
    assert router.db_for_read(User) == "replica"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_stay_on_the_primary(router):
    # A service reads its own writes: inside atomic() the replica may lag.
    with transaction.atomic():
        assert router.db_for_read(User) == "default"


def test_writes_and_migrations_go_to_the_primary(router):
    assert router.db_for_write(User) == "default"
    assert router.allow_migrate("default", "core") is True
    assert router.allow_migrate("replica", "core") is False
