"""Schemathesis over every root field of ``/graphql/`` (schema by introspection),
anonymous and as each role: a GraphQL error (4xx, or 200 with ``errors``) is an
answer, a 5xx is a bug."""

import pytest

from tests.fuzz import harness

pytestmark = pytest.mark.fuzz


def test_graphql_operation(graphql_operation, graphql_schema, fuzz_run):
    operation = graphql_schema.find_operation_by_label(graphql_operation)
    assert operation is not None, f"{graphql_operation} is not in the introspected schema"
    fuzz_run(operation, [harness.graphql_server_error], graphql=True)
