"""``core.tasking.workflow``: one table per resource, current -> next, and the 409 every
context answers an illegal move with."""

from __future__ import annotations

import pytest

from core.http.catalogue import ProblemError
from core.tasking.workflow import Workflow

ORDER = Workflow(
    "order",
    {
        "pending": ("paid", "cancelled"),
        "paid": ("shipped", "cancelled"),
        "shipped": ("delivered",),
        "delivered": (),
        "cancelled": (),
    },
)


def test_allowed_lists_the_next_statuses_in_table_order():
    assert ORDER.allowed("pending") == ["paid", "cancelled"]
    assert ORDER.allowed("delivered") == []
    assert ORDER.allowed("paid", moves={"cancelled"}) == ["cancelled"]


def test_sources_read_the_table_backwards_for_a_guarded_update():
    assert ORDER.sources("cancelled") == ("pending", "paid")
    assert ORDER.sources("paid") == ("pending",)
    assert ORDER.sources("pending") == ()


def test_a_move_the_table_allows_passes_the_check():
    ORDER.check("paid", "shipped")
    assert ORDER.can("pending", "cancelled")
    assert not ORDER.can("shipped", "cancelled")


def test_an_illegal_move_is_a_409_naming_where_it_is_and_may_go():
    with pytest.raises(ProblemError) as refused:
        ORDER.check("shipped", "cancelled")

    error = refused.value
    assert (error.problem.status, error.problem.code) == (409, "illegal_transition")
    assert error.extra == {"current_status": "shipped", "allowed": ["delivered"]}
    assert error.detail == (
        "This order is shipped; it cannot become cancelled. Allowed next: delivered."
    )


def test_a_final_status_says_so():
    error = ORDER.illegal("delivered", "cancelled")

    assert error.extra == {"current_status": "delivered", "allowed": []}
    assert error.detail.endswith("delivered is final.")


def test_a_move_outside_the_actors_moves_says_nothing_is_theirs_to_set():
    error = ORDER.illegal("shipped", "cancelled", moves={"cancelled"})

    assert error.extra == {"current_status": "shipped", "allowed": []}
    assert error.detail.endswith("None of its next statuses is yours to set.")


def test_a_table_whose_targets_are_not_statuses_is_refused():
    with pytest.raises(ValueError, match="refunded"):
        Workflow("order", {"paid": ("refunded",)})
