"""Each rule of the conformance suite finds what breaks it: fed a body or a schema that
breaks the rule, it names the break (so a suite that passes has checked something)."""

from __future__ import annotations

from tests.contract import rules
from tests.contract.reach import database_writes
from tests.core.factories import UserFactory
from tests.helpers.openapi import Operation

ABSOLUTE = "http://testserver/api/v1/things/?cursor=abc"


def _list(item: dict, *, envelope: dict | None = None, parameters: list | None = None):
    schema = {
        "type": "object",
        "properties": {"results": {"type": "array", "items": item}, **(envelope or {})},
        "required": ["results"],
    }
    definition = {
        "parameters": parameters or [],
        "responses": {"200": {"content": {"application/json": {"schema": schema}}}},
    }
    return {"paths": {"/things/": {"get": definition}}}, Operation("GET", "/things/", definition)


def test_the_envelope_rule():
    documented = {"corrected": {}}

    assert (
        rules.envelope_violations(
            {"results": [], "next": ABSOLUTE, "previous": None, "corrected": {}}, documented
        )
        == []
    )
    assert rules.envelope_violations(
        {"results": [], "next": "/api/v1/things/?cursor=abc", "count": 3}, documented
    ) == [
        "no `previous`",
        "undocumented keys ['count']",
        "a `count`",
        "`next` is '/api/v1/things/?cursor=abc', not an absolute link (http://testserver/...) "
        "or null",
    ]
    assert rules.envelope_violations([], documented) == [
        "the body is a list, not {results, next, previous}"
    ]


def test_the_envelope_schema_rule():
    document, operation = _list({"type": "object"}, envelope={"next": {}, "count": {}})

    assert rules.is_list(document, operation)
    assert rules.envelope_schema_violations(document, operation) == [
        "documents no `previous`",
        "`next` is not required",
        "documents `count`",
    ]


def test_the_datetime_rule():
    assert rules.datetime_violations({"at": "2026-01-02T03:04:05Z"}) == []
    assert rules.datetime_violations([{"at": "2026-01-02T03:04:05+00:00"}]) == [
        "$[0].at = '2026-01-02T03:04:05+00:00'"
    ]


def test_the_link_rule(db):
    body = {"a": "/api/v1/shop/products/", "b": "/not/a/route/", "c": "http://testserver/x/"}

    assert rules.relative_link_violations(body) == ["$.a = '/api/v1/shop/products/'"]


def test_the_allowed_transitions_rule():
    assert rules.is_status_bearing({"id": {}, "state": {}})
    assert not rules.is_status_bearing({"status": {}})  # a health probe's, a receipt's
    assert rules.transition_violations({"id": 1, "status": "paid", "allowed_transitions": []}) == []
    assert rules.transition_violations({"id": 1, "status": "paid"}) == [
        "id 1 has a status and no `allowed_transitions`"
    ]
    assert rules.transition_violations({"id": 1, "state": "open", "allowed_transitions": "x"}) == [
        "id 1: `allowed_transitions` is 'x', not a list of statuses"
    ]


def test_a_filter_named_after_another_field_is_found():
    status = {"name": "status", "in": "query", "schema": {"enum": ["open", "closed"]}}
    ordering = {"name": "ordering", "in": "query", "schema": {"enum": ["id", "-id"]}}
    state = {"type": "string", "enum": ["scheduled", "open", "closed"]}
    document, operation = _list(
        {"type": "object", "properties": {"id": {}, "state": state}},
        parameters=[status, ordering],
    )

    assert rules.choice_parameters(document, operation) == [status]
    assert rules.misnamed_filter(document, operation, status) == (
        "`?status=` filters the items' `state`: name it `state`"
    )
    assert rules.misnamed_filter(document, operation, {**status, "deprecated": True}) is None
    assert rules.misnamed_filter(document, operation, {**status, "name": "state"}) is None


def test_database_writes_see_a_write_in_the_transaction(db):
    before = database_writes()
    user = UserFactory()
    created = database_writes()
    type(user).objects.filter(pk=user.pk).update(first_name="Ada")
    updated = database_writes()

    assert created != before
    assert updated != created
    assert database_writes() == updated  # reading writes nothing
