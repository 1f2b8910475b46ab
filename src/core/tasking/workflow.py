"""Status machines: each resource that moves through statuses (shop orders, job
postings, applications, polls) declares its table once, in one direction:
``current status -> the statuses it may move to``. A final status maps to ``()``.

From the table a ``Workflow`` answers:

- ``allowed(current)``: where the resource may go next, which the API shows as the
  resource's ``allowed_transitions`` (``moves=`` narrows it to what one actor may
  do, e.g. a candidate may only withdraw an application);
- ``sources(target)``: the statuses a move to ``target`` may start from, for the
  guarded ``UPDATE ... WHERE status IN (...)`` that makes a move race-free;
- ``check(current, target)`` / ``illegal(current, target)``: the refusal of a move
  the table does not allow, the 409 ``illegal_transition`` problem carrying
  ``current_status`` and ``allowed``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from core.http.catalogue import ILLEGAL_TRANSITION, ProblemError


@dataclass(frozen=True)
class Workflow:
    """One resource's status machine. ``resource`` names it in refusals ("order")."""

    resource: str
    transitions: Mapping[str, tuple[str, ...]]
    _sources: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        statuses = set(self.transitions)
        unknown = {t for targets in self.transitions.values() for t in targets} - statuses
        if unknown:
            raise ValueError(
                f"{self.resource} workflow: {sorted(unknown)} are targets but not statuses"
            )
        sources: dict[str, tuple[str, ...]] = dict.fromkeys(self.transitions, ())
        for current, targets in self.transitions.items():
            for target in targets:
                sources[target] = (*sources[target], current)
        object.__setattr__(self, "_sources", sources)

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(self.transitions)

    def is_final(self, status: str) -> bool:
        return not self.transitions.get(status)

    def allowed(self, current: str, *, moves: Collection[str] | None = None) -> list[str]:
        """Where ``current`` may go next, in the table's order; with ``moves``, only
        those among them (the moves one actor may make)."""
        targets = self.transitions.get(current, ())
        return [str(t) for t in targets if moves is None or t in moves]

    def can(self, current: str, target: str, *, moves: Collection[str] | None = None) -> bool:
        return target in self.allowed(current, moves=moves)

    def sources(self, target: str) -> tuple[str, ...]:
        """The statuses a move to ``target`` may start from."""
        return self._sources.get(target, ())

    def illegal(
        self, current: str, target: str, *, moves: Collection[str] | None = None
    ) -> ProblemError:
        """The 409 ``illegal_transition`` for a move from ``current`` to ``target``."""
        allowed = self.allowed(current, moves=moves)
        if allowed:
            then = f"Allowed next: {', '.join(allowed)}."
        elif self.is_final(current):
            then = f"{current} is final."
        else:
            then = "None of its next statuses is yours to set."
        return ProblemError(
            ILLEGAL_TRANSITION,
            f"This {self.resource} is {current}; it cannot become {target}. {then}",
            current_status=str(current),
            allowed=allowed,
        )

    def check(self, current: str, target: str, *, moves: Collection[str] | None = None) -> None:
        """Raise ``illegal(...)`` unless the table (and ``moves``) allow the move."""
        if not self.can(current, target, moves=moves):
            raise self.illegal(current, target, moves=moves)
