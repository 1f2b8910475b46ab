"""Stateful sequences over the REST API: for each resource with a life (tests/fuzz/
sequences.py), create, then read, update and delete what was created, as its owner;
every step checked as a stateless case is, and the sequence itself must hold."""

import pytest

from tests.fuzz.sequences import CHAINS

pytestmark = pytest.mark.fuzz


@pytest.mark.parametrize("chain", CHAINS, ids=[chain.name for chain in CHAINS])
def test_sequence(chain, fuzz_sequence):
    report = fuzz_sequence(chain)
    assert report.examples > 0
