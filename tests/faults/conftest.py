"""Fault injection on the real services: Redis stopped or hung, RabbitMQ unreachable,
PostgreSQL connections terminated, a Celery worker killed mid-task.

Each test records its figures (tests/faults/figures.py); the run ends with a "faults"
section in pytest's terminal summary, the table bench/RESULTS.md keeps.
"""

from __future__ import annotations

from tests.faults.figures import FIGURES, table


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not FIGURES:
        return
    terminalreporter.section("faults")
    for line in table():
        terminalreporter.write_line(line)
