"""The fuzzing's section of the run's summary, as plain data: under pytest-xdist each
worker fuzzes part of the operations, hands its part to the controller (the
``workeroutput`` read by tests/conftest.py), and the controller writes one section for
the whole run; without xdist the session writes its own (tests/fuzz/conftest.py)."""

from __future__ import annotations

from typing import Any

from tests.fuzz import harness

Part = dict[str, Any]


def part_of(reports: list[harness.OperationReport], budget: harness.Budget | None) -> Part:
    """What one session fuzzed: per operation, its cases, failures and statuses; the runs;
    and when the budget's clock (time.monotonic, one clock for the machine) started
    and stopped."""
    runs = [run for report in reports for run in report.runs]
    operations = []
    for report in reports:
        statuses: dict[str, int] = {}
        for run in report.runs:
            for status, count in run.statuses.items():
                statuses[str(status)] = statuses.get(str(status), 0) + count
        operations.append(
            {
                "operation": report.operation,
                "examples": report.examples,
                "findings": len(report.findings),
                "failing": bool(report.findings or report.errors),
                "statuses": statuses,
            }
        )
    return {
        "operations": operations,
        "runs": len(runs),
        "stopped": sum(run.stopped_by_budget for run in runs),
        "started": budget.started if budget is not None else 0.0,
        "finished": budget.finished if budget is not None else 0.0,
    }


def merged(parts: list[Part]) -> Part:
    """The parts of several workers as one session's: the wall time runs from the first
    start to the last finish."""
    return {
        "operations": [operation for part in parts for operation in part["operations"]],
        "runs": sum(part["runs"] for part in parts),
        "stopped": sum(part["stopped"] for part in parts),
        "started": min(part["started"] for part in parts),
        "finished": max(part["finished"] for part in parts),
    }


def write(terminalreporter, part: Part, *, verbose: bool) -> None:
    operations = part["operations"]
    failing = [operation["operation"] for operation in operations if operation["failing"]]
    writer = terminalreporter
    writer.section("API fuzzing (schemathesis)", sep="-")
    writer.write_line(f"settings: {harness.FuzzSettings.from_env().describe()}")
    writer.write_line(
        f"operations: {len(operations)}, runs (operation x identity): {part['runs']}, "
        f"cases sent: {sum(operation['examples'] for operation in operations)}, "
        f"stopped by their time share: {part['stopped']}, "
        f"wall time: {part['finished'] - part['started']:.1f} s"
    )
    writer.write_line(
        f"distinct failures: {sum(operation['findings'] for operation in operations)} "
        f"on {len(failing)} operation(s)" + (": " + ", ".join(failing) if failing else "")
    )
    if verbose:
        for operation in operations:
            spread = " ".join(
                f"{status}:{count}"
                for status, count in sorted(operation["statuses"].items(), key=lambda s: int(s[0]))
            )
            writer.write_line(
                f"  {operation['operation']}: {operation['examples']} cases, "
                f"{operation['findings']} failure(s); statuses {spread}"
            )
