"""The one-way house: the import layers of pyproject.toml hold, and no module forms a loop with another.

`lint-imports` (import-linter) checks the contracts; this test runs it so the
README's test command fails on an upward import, not only CI.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_layers_hold() -> None:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout and "Contracts: 2 kept, 0 broken." in result.stdout


def test_no_test_imports_a_private_name_of_the_package() -> None:
    offenders = []
    for path in sorted((ROOT / "tests").glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("from logsense") and " import " in stripped:
                names = stripped.split(" import ", 1)[1].strip("() ").split(",")
                if any(n.strip().startswith("_") and not n.strip().startswith("__") for n in names):
                    offenders.append(f"{path.name}:{number}: {stripped}")
    assert not offenders, offenders
