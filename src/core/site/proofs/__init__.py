"""Live proofs: the invariants the suite proves (no oversell, one vote per voter, one
application per job, idempotent checkout, the fan-out, never a 500), run for real on
demand from ``/proofs/`` in demo mode, with real threads against the real database.

A domain registers its proofs in a ``proofs`` module of its own (found the way Django's
admin finds ``admin`` modules, so core imports no domain)::

    from core.site.proofs import Outcome, ProofRun, proof

    @proof("oversell", title="No oversell", description="...", test="tests/shop/...::test_...")
    def oversell(run: ProofRun) -> Outcome:
        buyers = run.users("buyer", 50)
        ...
        return Outcome(held=..., expected=..., happened=..., counts={...}, guard="...")

``run_proof`` runs one at a time across the site, times it, counts its queries on every
thread, and removes what it made in a ``finally`` whatever happens.
"""

from core.site.proofs.registry import Outcome, Proof, find, proof, proofs
from core.site.proofs.runner import ProofBusy, ProofResult, run_proof
from core.site.proofs.sandbox import ProofRun

__all__ = [
    "Outcome",
    "Proof",
    "ProofBusy",
    "ProofResult",
    "ProofRun",
    "find",
    "proof",
    "proofs",
    "run_proof",
]
