"""Running a proof: one at a time across the site, timed, its queries counted, and its
sandbox removed whatever happens."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from core.site.proofs.registry import Proof
from core.site.proofs.sandbox import ProofRun

# One proof at a time, site-wide: a cache entry every worker process sees (Redis in a
# deployment; the embedded default is one process). It expires on its own should the
# process die mid-run.
LOCK_KEY = "proofs:running"
LOCK_SECONDS = 120


class ProofBusy(Exception):
    """Another proof is running; ``running`` names it."""

    def __init__(self, running: str) -> None:
        super().__init__(f"the proof {running!r} is running")
        self.running = running


@dataclass(frozen=True)
class ProofResult:
    name: str
    title: str
    held: bool | None
    caveat: str | None
    expected: str
    happened: str
    counts: dict[str, int]
    guard: str
    wall_ms: int
    queries: int
    database: str
    test: str
    ran_at: str
    details: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_proof(proof: Proof) -> ProofResult:
    """Run ``proof`` now, or raise ``ProofBusy``. Its sandbox is removed in a
    ``finally``; a clean-up that fails is reported in ``details.cleanup_errors``."""
    if not cache.add(LOCK_KEY, proof.name, LOCK_SECONDS):
        raise ProofBusy(str(cache.get(LOCK_KEY) or "another proof"))
    run = ProofRun()
    started = time.perf_counter()
    cleanup_errors: list[str] = []
    try:
        with run.counting():
            try:
                outcome = proof.check(run)
            finally:
                cleanup_errors = run.tear_down()
    finally:
        cache.delete(LOCK_KEY)
    details = dict(outcome.details)
    if cleanup_errors:
        details["cleanup_errors"] = cleanup_errors
    return ProofResult(
        name=proof.name,
        title=proof.title,
        held=outcome.held,
        caveat=outcome.caveat,
        expected=outcome.expected,
        happened=outcome.happened,
        counts=outcome.counts,
        guard=outcome.guard,
        wall_ms=round((time.perf_counter() - started) * 1000),
        queries=run.queries,
        database=connection.vendor,
        test=proof.test,
        ran_at=timezone.now().isoformat().replace("+00:00", "Z"),
        details=details,
    )
