"""``scripts/check_shape.py``, which ``make lint`` runs: it refuses each shape the
codebase gave up (a module past 500 lines, core's top level past 12 modules, a bare
``type: ignore``) and passes the repository as it is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_shape.py"


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, check=False
    )


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_repository_keeps_its_shape():
    result = _check(ROOT)
    assert result.returncode == 0, result.stdout


def test_a_module_past_500_lines_is_refused_but_a_migration_is_not(tmp_path):
    root = _tree(
        tmp_path,
        {
            "src/shop/services.py": "x = 1\n" * 501,
            "src/shop/ok.py": "x = 1\n" * 500,
            "src/shop/migrations/0001_initial.py": "x = 1\n" * 900,
        },
    )
    result = _check(root)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "src/shop/services.py:1: 501 lines, over 500: split it at its sections"
    ]


def test_core_past_twelve_top_level_modules_is_refused(tmp_path):
    modules = {f"src/core/m{i:02}.py": "" for i in range(12)}
    modules.update({"src/core/__init__.py": "", "src/core/apps.py": "", "src/core/admin.py": ""})
    assert _check(_tree(tmp_path, modules)).returncode == 0
    result = _check(_tree(tmp_path, {"src/core/m12.py": ""}))
    assert result.returncode == 1
    assert "13 modules at the top level, over 12" in result.stdout


def test_a_type_ignore_needs_its_code_and_a_reason(tmp_path):
    root = _tree(
        tmp_path,
        {
            "src/core/a.py": (
                "x = f()  # type: ignore\n"
                "y = f()  # type: ignore[attr-defined]\n"
                "z = f()  # type: ignore[attr-defined]  # set by the middleware\n"
            )
        },
    )
    result = _check(root)
    assert result.returncode == 1
    assert [line.split(":")[1] for line in result.stdout.splitlines()] == ["1", "2"]
