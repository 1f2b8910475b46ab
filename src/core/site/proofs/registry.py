"""The proofs' registry: what each proof claims, and the function that checks it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from core.site.proofs.sandbox import ProofRun


@dataclass(frozen=True)
class Outcome:
    """What a proof found. ``held`` is None only where the embedded default cannot show
    the invariant honestly; ``caveat`` then says why."""

    held: bool | None
    expected: str
    """The invariant, concretely: "exactly 10 orders, stock 0"."""
    happened: str
    """What was read back: "10 orders, 40 refused with out_of_stock, stock 0"."""
    counts: dict[str, int]
    """The numbers read back from the database after the race."""
    guard: str
    """What held: the constraint, the lock or the check that made the invariant true."""
    caveat: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Proof:
    name: str
    title: str
    description: str
    """One line: what runs and what must come out."""
    test: str
    """The suite's test that proves the same invariant (a pytest node id)."""
    check: Callable[[ProofRun], Outcome]


_registry: dict[str, Proof] = {}
_discovered = False


def proof(
    name: str, *, title: str, description: str, test: str
) -> Callable[[Callable[[ProofRun], Outcome]], Callable[[ProofRun], Outcome]]:
    """Register the decorated function as the proof ``name``."""

    def register(check: Callable[[ProofRun], Outcome]) -> Callable[[ProofRun], Outcome]:
        if name in _registry and _registry[name].check is not check:
            raise ValueError(f"two proofs are named {name!r}")
        _registry[name] = Proof(name, title, description, test, check)
        return check

    return register


# Core's own proofs ("never a 500"): always registered, listed after the domains'.
CORE_PROOFS = "core.site.proofs.hostile"


def proofs() -> list[Proof]:
    """Every registered proof: the domains' in the apps' order, then core's."""
    global _discovered
    if not _discovered:
        autodiscover_modules("proofs")
        import_module(CORE_PROOFS)
        _discovered = True
    # Core's last, whether or not its module was imported before the domains' were.
    return sorted(_registry.values(), key=lambda found: found.check.__module__.startswith("core."))


def find(name: str) -> Proof | None:
    return next((found for found in proofs() if found.name == name), None)
