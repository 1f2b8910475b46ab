"""The shape `make lint` keeps (issue: core arranged by concern).

- no module in ``src/`` passes 500 lines (migrations aside): split it at its sections;
- ``src/core`` keeps at most 12 modules at its top level (``__init__``, ``apps`` and
  ``admin`` aside): a new one joins the sub-package of its concern;
- every ``# type: ignore`` in ``src/`` (the code mypy checks) names its error code and
  gives a reason on the same line: ``# type: ignore[attr-defined]  # why mypy is wrong``.

Usage: ``python scripts/check_shape.py [ROOT]`` (the repository by default). Prints each
violation as ``path:line: message`` and exits 1 if there is any.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

MAX_LINES = 500
MAX_CORE_TOP_LEVEL = 12
CORE_EXEMPT = {"__init__.py", "apps.py", "admin.py"}
IGNORE = re.compile(r"#\s*type:\s*ignore\b(?P<rest>.*)$")
WITH_CODE_AND_REASON = re.compile(r"^\[[a-z0-9-]+(?:,\s*[a-z0-9-]+)*\]\s+#\s*\S.{4,}")


def module_lengths(src: Path) -> list[str]:
    problems = []
    for path in sorted(src.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            problems.append(f"{path}:1: {lines} lines, over {MAX_LINES}: split it at its sections")
    return problems


def core_top_level(core: Path) -> list[str]:
    modules = sorted(p.name for p in core.glob("*.py") if p.name not in CORE_EXEMPT)
    if len(modules) > MAX_CORE_TOP_LEVEL:
        return [
            f"{core}: {len(modules)} modules at the top level, over {MAX_CORE_TOP_LEVEL} "
            f"({', '.join(modules)}): move them into the sub-package of their concern"
        ]
    return []


def type_ignores(roots: list[Path]) -> list[str]:
    problems = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                match = IGNORE.search(line)
                if match and not WITH_CODE_AND_REASON.match(match["rest"]):
                    problems.append(
                        f"{path}:{number}: `type: ignore` needs its code and a reason: "
                        "`# type: ignore[code]  # reason`"
                    )
    return problems


def main(root: Path) -> int:
    src = root / "src"
    problems = module_lengths(src) + core_top_level(src / "core") + type_ignores([src])
    for problem in problems:
        print(problem.replace(f"{root}/", ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]))
