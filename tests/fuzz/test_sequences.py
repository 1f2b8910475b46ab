"""Stateful sequences over the REST API and GraphQL: for each resource with a life
(tests/fuzz/sequences.py), create, then read, update and delete what was created, as its
owner; every step checked as a stateless case is, and the sequence itself must hold."""

import pytest

from tests.fuzz.sequences import CHAINS, GRAPHQL_CHAINS

pytestmark = pytest.mark.fuzz

ALL_CHAINS = (*CHAINS, *GRAPHQL_CHAINS)


@pytest.mark.parametrize("chain", ALL_CHAINS, ids=[chain.name for chain in ALL_CHAINS])
def test_sequence(chain, fuzz_sequence):
    report = fuzz_sequence(chain)
    assert report.examples > 0
