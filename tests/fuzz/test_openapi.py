"""Schemathesis over every operation of ``/api/schema/``, anonymous and as each
role: no 5xx, responses (bodies, statuses, content types) as documented, and every
problem+json ``type`` a ``/problems/<code>/`` page that exists."""

import pytest

from tests.fuzz import harness

pytestmark = pytest.mark.fuzz


def test_rest_operation(rest_operation, openapi_schema, fuzz_run):
    operation = openapi_schema.find_operation_by_label(rest_operation)
    assert operation is not None, f"{rest_operation} is not in /api/schema/"
    fuzz_run(operation, harness.builtin_checks(harness.REST_CHECKS))
