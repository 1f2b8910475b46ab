"""The shop's live proofs on PostgreSQL (``/proofs/``): run for real, they hold, with the
exact counts, and leave nothing behind."""

from __future__ import annotations

import pytest

from core.identity.models import User
from core.notifications.models import Notification
from core.site.proofs import find, run_proof
from core.tasking.models import IdempotencyKey
from shop.models import Cart, Category, Order, OrderLine, Product

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager")]

TOUCHED = (User, Category, Product, Order, OrderLine, Cart, Notification, IdempotencyKey)


def _rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TOUCHED}


def test_the_oversell_proof_sells_the_last_ten_units_once_and_leaves_nothing():
    before = _rows()

    result = run_proof(find("oversell"))

    assert result.held is True, result
    assert result.counts == {
        "buyers": 50,
        "orders": 10,
        "units_sold": 10,
        "stock": 0,
        "refused_insufficient_stock": 40,
    }
    assert result.details["answers"] == {"ok": 10, "insufficient_stock": 40}
    assert "stock >= 1" in result.guard
    assert result.test.endswith("::test_fifty_buyers_race_for_the_last_ten_units")
    assert "cleanup_errors" not in result.details
    assert _rows() == before


def test_the_idempotency_proof_orders_once_and_every_answer_names_that_order():
    before = _rows()

    result = run_proof(find("idempotency"))

    assert result.held is True, result
    counts = dict(result.counts)
    first = [counts.pop(k) for k in ("first_answer_replayed", "first_answer_in_progress")]
    assert counts == {
        "sends": 20,
        "orders": 1,
        "answers_naming_the_order": 20,
        "stock": 4,
        "first_answer_created": 1,
    }
    assert sum(first) == 19  # the others replayed it, at once or after a 409 and a retry
    assert "core_idempotency_key_unique" in result.guard
    assert "cleanup_errors" not in result.details
    assert _rows() == before
