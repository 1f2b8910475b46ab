"""The fuzzing's section of the run's summary, as plain data: under pytest-xdist each
worker fuzzes part of the operations, hands its part to the controller (the
``workeroutput`` read by tests/conftest.py), and the controller writes one section for
the whole run, and the full run's log (tests/fuzz/runlog.py); without xdist the session
writes its own (tests/fuzz/conftest.py). A part is what execnet carries: dicts, lists,
strings and numbers."""

from __future__ import annotations

from typing import Any

from tests.fuzz import harness

Part = dict[str, Any]


def _finding(finding: harness.Finding) -> dict[str, Any]:
    return {
        "check": finding.check,
        "title": finding.title,
        "status": finding.status,
        "seen": finding.seen,
        "identities": sorted(finding.identities),
        "identity": finding.identity,
        "origin": finding.origin,
        "message": finding.message.strip(),
        "cause": str(finding.cause) if finding.cause is not None else "",
        "curl": finding.curl,
        "response": finding.response,
    }


def _statuses(runs: list[harness.RunStats]) -> dict[str, int]:
    statuses: dict[str, int] = {}
    for run in runs:
        for status, count in run.statuses.items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    return dict(sorted(statuses.items(), key=lambda item: int(item[0])))


def part_of(reports: list[harness.OperationReport], budget: harness.Budget | None) -> Part:
    """What one session fuzzed: per operation, its test and replay command, its cases,
    statuses and failures (each with its shortest reproduction), per identity; the runs;
    and when the budget's clock (time.monotonic, one clock for the machine) started
    and stopped."""
    runs = [run for report in reports for run in report.runs]
    operations = []
    for report in reports:
        ordered = sorted(report.findings.values(), key=lambda f: (f.check, f.status, f.title))
        operations.append(
            {
                "operation": report.operation,
                "nodeid": report.nodeid,
                "replay": report.replay,
                "cases": report.examples,
                "findings": len(report.findings),
                "failing": bool(report.findings or report.errors),
                "statuses": _statuses(report.runs),
                "runs": [
                    {
                        "identity": run.identity,
                        "cases": run.examples,
                        "seconds": round(run.seconds, 2),
                        "stopped_by_time_share": run.stopped_by_budget,
                        "statuses": _statuses([run]),
                    }
                    for run in report.runs
                ],
                "failures": [_finding(finding) for finding in ordered],
                "errors": list(report.errors),
            }
        )
    return {
        "operations": operations,
        "runs": len(runs),
        "stopped": sum(run.stopped_by_budget for run in runs),
        "started": budget.started if budget is not None else 0.0,
        "finished": budget.finished if budget is not None else 0.0,
        "processes": 1,
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
        "processes": sum(part.get("processes", 1) for part in parts),
    }


def write(terminalreporter, part: Part, *, verbose: bool) -> None:
    operations = part["operations"]
    failing = [operation["operation"] for operation in operations if operation["failing"]]
    writer = terminalreporter
    writer.section("API fuzzing (schemathesis)", sep="-")
    fuzz = harness.FuzzSettings.from_env()
    writer.write_line(f"settings: {fuzz.describe()}")
    if fuzz.seed is not None:
        writer.write_line(f"{harness.ENV_SEED}={fuzz.seed} replays these cases")
    writer.write_line(
        f"operations: {len(operations)}, runs (operation x identity): {part['runs']}, "
        f"cases sent: {sum(operation['cases'] for operation in operations)}, "
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
                f"{status}:{count}" for status, count in operation["statuses"].items()
            )
            writer.write_line(
                f"  {operation['operation']}: {operation['cases']} cases, "
                f"{operation['findings']} failure(s); statuses {spread}"
            )
