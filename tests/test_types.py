"""Types: mypy passes on src/ortaq (configuration and exceptions in pyproject.toml), and every public service
and selector states the types of its arguments and its result, so that a caller reads the contract from
the signature and mypy checks the calls across apps."""

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import ortaq

ROOT = Path(ortaq.__file__).parent
REPO = ROOT.parent.parent


def service_and_selector_modules():
    return sorted({*ROOT.glob("*/*services.py"), *ROOT.glob("*/*selectors.py")})


def unannotated(path, root=ROOT):
    """`module.function: what is missing` for each public top-level function that lacks an annotation."""
    missing = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("_"):
            continue
        args = node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, [args.vararg, args.kwarg])]
        where = f"{path.relative_to(root)}:{node.lineno} {node.name}"
        missing += [f"{where}: parameter {p.arg}" for p in params if p.annotation is None]
        if node.returns is None:
            missing.append(f"{where}: return")
    return missing


def test_the_annotation_check_sees_a_missing_parameter_and_return(tmp_path):
    module = tmp_path / "services.py"
    module.write_text("def ok(*, a: int) -> None: ...\ndef bad(a, *, b: int): ...\ndef _private(a): ...\n")
    assert unannotated(module, root=tmp_path) == ["services.py:2 bad: parameter a", "services.py:2 bad: return"]


def test_every_public_service_and_selector_is_annotated():
    modules = service_and_selector_modules()
    assert len(modules) >= 20, modules
    missing = [m for path in modules for m in unannotated(path)]
    assert missing == [], "\n".join(missing)


def mypy_overrides():
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]["overrides"]


def test_no_engine_is_exempt_from_mypy_and_their_untyped_bodies_are_checked():
    # The engines are pure and fully typed; numba's stub gaps are met line by line (typed declarations of the
    # intrinsics), never by excusing a whole module.
    exempt = [m for o in mypy_overrides() if o.get("ignore_errors") for m in o["module"]]
    assert exempt, "the exception list is read from pyproject.toml"
    assert [m for m in exempt if m.startswith("ortaq.engines")] == []
    assert any(o["module"] == ["ortaq.engines.*"] and o.get("check_untyped_defs") for o in mypy_overrides())


@pytest.mark.skipif(
    os.getenv("ORTAQ_SKIP_MYPY") == "1" and os.getenv("CI") != "true",
    reason="ORTAQ_SKIP_MYPY=1 skips mypy locally (never in CI)",
)
def test_mypy_passes_on_the_package():
    # Settings are imported by the django-stubs plugin; outside pytest they need a key (never used).
    env = {**os.environ, "SECRET_KEY": "mypy-only-not-a-secret"}
    mypy = Path(sys.executable).with_name("mypy")
    # CI runs its SQLite and PostgreSQL legs side by side; each leg keeps its own cache (ORTAQ_MYPY_CACHE).
    result = subprocess.run(
        [str(mypy), "--cache-dir", os.environ.get("ORTAQ_MYPY_CACHE", str(REPO / ".mypy_cache")), "src/ortaq"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "Success: no issues found" in result.stdout
