"""What each fault test saw: requests tried, errors seen, tasks lost, tasks duplicated.

Tests call ``record``; tests/faults/conftest.py prints the table at the end of the run
(a "faults" section of pytest's terminal summary), in the Markdown that
bench/RESULTS.md keeps.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Figure:
    fault: str
    requests: int = 0
    errors: int = 0
    tasks: int = 0
    lost: int = 0
    duplicated: int = 0
    note: str = ""


FIGURES: list[Figure] = []


def record(fault: str, **values: object) -> Figure:
    figure = Figure(fault, **values)  # type: ignore[arg-type]
    FIGURES.append(figure)
    return figure


def table() -> list[str]:
    lines = [
        "| fault | requests tried | errors seen | tasks | tasks lost | tasks duplicated | notes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for f in FIGURES:
        lines.append(
            f"| {f.fault} | {f.requests} | {f.errors} | {f.tasks} | {f.lost} | {f.duplicated} "
            f"| {f.note} |"
        )
    return lines
