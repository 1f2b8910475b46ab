"""One contract over every REST operation of ``/api/schema/`` (issue 17): each rule is
a test parametrized by operation (``GET /api/v1/shop/products/``), so an operation
that breaks a rule fails under its own name, and a new one is checked by every rule.

Each operation is called as someone allowed to (tests/contract/conftest.py ``reach``:
the world's owners first), and:

- a list answers ``{results, next, previous}`` (and the extras its schema documents),
  its links absolute or null, a second page's ``previous`` set, and takes ``page_size``;
- every datetime of every JSON body ends in ``Z``, and no link is relative;
- an unknown query parameter is a 400 naming it and the allowed ones, and a write that
  gets it changes nothing;
- a documented enum or boolean filter returns only the items whose field of that name
  has that value, and every one of them;
- a resource with a status carries ``allowed_transitions``;
- an operation with throttles sends ``RateLimit`` and ``RateLimit-Policy``, and
  documents its 429.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from rest_framework.views import APIView

from tests.contract import calls, rules
from tests.contract.reach import (
    Reacher,
    checked_operations,
    database_writes,
    generated_document,
)
from tests.helpers.openapi import Operation, operations

pytestmark = pytest.mark.django_db

UNKNOWN = "nexus_unknown"


def _page_size(operation: Operation) -> dict[str, Any] | None:
    for parameter in operation.query_parameters():
        if parameter["name"] == "page_size":
            return parameter
    return None


# --- coverage -----------------------------------------------------------------------------


def test_every_operation_is_covered(served_document):
    """The rules run over every operation ``/api/schema/`` serves: those of the
    generator the tests are parametrized from, and the event streams, which
    tests/polls/test_stream_contract.py checks on a real server."""
    served = {op.label for op in operations(served_document)}
    covered = {op.label for op in checked_operations(generated_document())}
    streams = {
        op.label for op in operations(served_document) if op.definition.get("x-nexus-stream")
    }

    assert served - streams == covered
    assert streams == {"GET /api/v1/polls/polls/{id}/results/stream/"}


# --- lists ----------------------------------------------------------------------------------


def test_a_list_answers_the_envelope(list_label: str, reacher: Reacher):
    operation = reacher.operation(list_label)
    document = reacher.document
    problems = rules.envelope_schema_violations(document, operation)
    documented = rules.properties(document, operation.success_schema(document))

    reached = reacher.reach(operation)
    first = reached.json()
    problems += [f"first page: {p}" for p in rules.envelope_violations(first, documented)]
    if isinstance(first, dict) and first.get("previous") is not None:
        problems.append(f"first page: `previous` is {first['previous']!r}, not null")

    if _page_size(operation) is not None and isinstance(first, dict):
        one = calls.send(reacher.world, reached.call.with_query(page_size="1"))
        assert one.status_code == 200, one.content[:500]
        page = one.json()
        problems += [f"page_size=1: {p}" for p in rules.envelope_violations(page, documented)]
        if len(first.get("results", [])) >= 2 and not page.get("next"):
            problems.append("page_size=1 of two or more items has no `next`")
        if isinstance(page.get("next"), str) and page["next"].startswith(rules.ORIGIN):
            second = calls.follow(reacher.world, reached.call.identity, page["next"])
            assert second.status_code == 200, (page["next"], second.content[:500])
            walked = second.json()
            problems += [f"next page: {p}" for p in rules.envelope_violations(walked, documented)]
            if isinstance(walked, dict):
                if walked.get("previous") is None:
                    problems.append("the page after the first has no `previous`")
                if walked.get("results") == page.get("results"):
                    problems.append("`next` gave the same page again")
    assert problems == [], f"{list_label}: " + "; ".join(problems)


def test_a_list_takes_page_size(list_label: str, reacher: Reacher):
    operation = reacher.operation(list_label)
    parameter = _page_size(operation)
    assert parameter is not None, f"{list_label} documents no `page_size`"
    schema = rules.resolve_schema(reacher.document, parameter.get("schema", {}))
    maximum = schema.get("maximum")
    assert schema.get("minimum") == 1, schema
    assert isinstance(maximum, int), schema
    assert maximum <= rules.MAX_PAGE_SIZE, schema
    others = [
        p["name"]
        for p in operation.query_parameters()
        if p["name"] in ("limit", "per_page", "size") and not p.get("deprecated")
    ]
    assert others == [], f"{list_label} sizes its pages with {others} too"

    call = reacher.find(operation)
    assert calls.send(reacher.world, call.with_query(page_size=str(maximum))).status_code == 200
    too_big = calls.send(reacher.world, call.with_query(page_size=str(maximum + 1)))
    assert too_big.status_code == 400, too_big.content[:500]


def test_a_documented_filter_filters(filter_case: tuple[str, str], reacher: Reacher):
    label, name = filter_case
    operation = reacher.operation(label)
    document = reacher.document
    parameter = next(p for p in operation.query_parameters() if p["name"] == name)
    misnamed = rules.misnamed_filter(document, operation, parameter)
    assert misnamed is None, f"{label}: {misnamed}"

    call = reacher.find(operation)
    if _page_size(operation) is not None:
        call = call.with_query(page_size=str(rules.MAX_PAGE_SIZE))
    call = _as_one_who_may_filter(reacher, call, name, rules.choices(document, parameter))
    everything = calls.send(reacher.world, call)
    assert everything.status_code == 200, everything.content[:500]
    unfiltered = rules.resources(everything.json(), listed=True)
    complete = not (isinstance(everything.json(), dict) and everything.json().get("next"))
    problems = []
    for value in rules.choices(document, parameter):
        text = str(value).lower() if isinstance(value, bool) else str(value)
        response = calls.send(reacher.world, call.with_query(**{name: text}))
        if response.status_code != 200:
            problems.append(f"?{name}={text} answered {response.status_code}")
            continue
        items = rules.resources(response.json(), listed=True)
        wrong = [item.get("id") for item in items if name in item and item[name] != value]
        if wrong:
            problems.append(f"?{name}={text} returned items {wrong} whose `{name}` differs")
        if complete:
            expected = {
                item["id"] for item in unfiltered if "id" in item and item.get(name) == value
            }
            missing = expected - {item.get("id") for item in items}
            if missing:
                problems.append(f"?{name}={text} left out items {sorted(missing)}")
    assert problems == [], f"{label}: " + "; ".join(problems)


def _as_one_who_may_filter(reacher: Reacher, call: calls.Call, name: str, values) -> calls.Call:
    """The call as the first identity allowed to use the filter ``name``: a filter kept
    for a role (the shop's staff-only ``low_stock``) is checked as that role."""
    first = next(iter(values), None)
    if first is None:
        return call
    text = str(first).lower() if isinstance(first, bool) else str(first)
    for identity in (call.identity, *calls.IDENTITIES):
        candidate = replace(call, identity=identity)
        if calls.send(reacher.world, candidate.with_query(**{name: text})).status_code == 200:
            return candidate
    return call


# --- every operation ----------------------------------------------------------------------


def test_datetimes_end_in_z(operation_label: str, reacher: Reacher):
    reached = reacher.reach(reacher.operation(operation_label))

    problems = rules.datetime_violations(reached.json())

    assert problems == [], f"{operation_label}: datetimes not in UTC with Z: {problems}"


def test_links_are_absolute(operation_label: str, reacher: Reacher):
    reached = reacher.reach(reacher.operation(operation_label))

    problems = rules.relative_link_violations(reached.json())

    assert problems == [], f"{operation_label}: relative links: {problems}"


def test_an_unknown_parameter_is_refused(operation_label: str, reacher: Reacher):
    operation = reacher.operation(operation_label)
    call = reacher.find(operation)
    allowed = [p["name"] for p in operation.query_parameters() if not p.get("deprecated")]

    before = database_writes()
    response = calls.send(reacher.world, call.with_query(**{UNKNOWN: "1"}))
    content = calls.drain(response)
    after = database_writes()

    assert response.status_code == 400, (
        f"{call.describe()}?{UNKNOWN}=1 answered {response.status_code}, not 400: {content[:300]!r}"
    )
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = json.loads(content)
    errors = body.get("errors", {})
    assert UNKNOWN in errors, f"{operation_label}: the 400 does not name `{UNKNOWN}`: {body}"
    assert [e.get("code") for e in errors[UNKNOWN]] == ["unknown_parameter"], errors[UNKNOWN]
    text = json.dumps(errors[UNKNOWN])
    unnamed = [name for name in allowed if not rules.names(text, name)]
    assert unnamed == [], f"{operation_label}: the 400 does not name the allowed {unnamed}"
    assert after == before, f"{operation_label}: the refused request wrote {after} (was {before})"
    # The same request without the parameter is accepted: the parameter was the reason.
    assert 200 <= reacher.reach(operation).response.status_code < 300


def test_a_resource_with_a_status_carries_allowed_transitions(
    operation_label: str, reacher: Reacher
):
    operation = reacher.operation(operation_label)
    document = reacher.document
    fields = rules.properties(document, rules.resource_schema(document, operation))
    problems = []
    if rules.is_status_bearing(fields) and "allowed_transitions" not in fields:
        problems.append("its schema has a status and no `allowed_transitions`")

    reached = reacher.reach(operation)
    listed = rules.is_list(document, operation)
    for resource in rules.resources(reached.json(), listed):
        problems += rules.transition_violations(resource)

    assert problems == [], f"{operation_label}: " + "; ".join(problems)


def test_a_throttled_operation_sends_ratelimit_headers(
    operation_label: str, reacher: Reacher, monkeypatch: pytest.MonkeyPatch
):
    """Throttled: the DRF view that answered checked throttles for this request (what
    ``APIView.check_throttles`` saw, whatever the response: JSON or a file)."""
    operation = reacher.operation(operation_label)
    checked: list[list[Any]] = []
    check_throttles = APIView.check_throttles

    def recording(view: APIView, request: Any) -> None:
        checked.append(view.get_throttles())
        check_throttles(view, request)

    monkeypatch.setattr(APIView, "check_throttles", recording)
    reached = reacher.reach(operation)
    throttled = any(checked)

    documented = "429" in operation.definition["responses"]
    assert documented == throttled, f"{operation_label}: throttled={throttled}, but its 429 is " + (
        "documented" if documented else "not documented"
    )
    if throttled:
        missing = [
            h for h in ("RateLimit", "RateLimit-Policy") if not reached.response.has_header(h)
        ]
        assert missing == [], f"{operation_label} sends no {missing}"
