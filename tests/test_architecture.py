import ast
import subprocess
import sys
from pathlib import Path

import ortaq

ROOT = Path(ortaq.__file__).parent


def test_import_linter_contracts_are_kept():
    """Apps talk through services/selectors; engines import no Django (contracts in pyproject.toml)."""
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], capture_output=True, text=True, cwd=ROOT.parent.parent)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_no_engine_module_mentions_django_even_lazily():
    offenders = []
    for path in (ROOT / "engines").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in {"django", "ninja"}]
    assert offenders == []
