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


# --------------------------------------------------------------------------- app boundaries (allow-list)
# Every Django app (a package under src/ortaq with an apps.py) may import, from another app, only that app's
# `services` (writes), `selectors` (reads) and `types` (enums, dataclasses, error codes), and only public names
# from them. Never its models, views, forms, api, tasks, admin, urls or any other module. The packages that are
# not apps (ortaq.lib, ortaq.engines, ortaq.errors, ortaq.inputs, ...) are free to use. Decision record:
# docs/decisions/0007-app-boundaries.md.

APPS = sorted(path.parent.name for path in ROOT.glob("*/apps.py"))
PUBLIC_MODULES = {"services", "selectors", "types"}

# The imports that still cross the line, as (importing file under src/ortaq, imported module): each with the
# reason it is still here. This list only shrinks: an entry that is no longer needed fails the test below, so
# whoever removes the last such import also removes the entry.
EXCEPTIONS: dict[tuple[str, str], str] = {
    # Empty, and meant to stay so. Should one ever be unavoidable, it is added here with its reason, e.g.
    # ("analytics/services.py", "ortaq.mobility.models"): "why no selector can serve", and in decision 0007.
}


def _imports(path: Path, app: str):
    """(line, module, name) for every import in the file, at any depth (imports inside functions too);
    relative imports resolved; name is None for `import x.y`."""
    package = ["ortaq", app, *path.relative_to(ROOT / app).parent.parts]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = ".".join(package[: len(package) - node.level + 1] + ([module] if module else []))
            for alias in node.names:
                yield node.lineno, module, alias.name


def _boundary_crossings() -> dict[tuple[str, str], list[str]]:
    """{(file, imported module): [where and what]} for each import of another app outside its public modules."""
    crossings: dict[tuple[str, str], list[str]] = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            for line, module, name in _imports(path, app):
                parts = module.split(".")
                if parts[0] != "ortaq" or len(parts) < 2 or parts[1] not in APPS or parts[1] == app:
                    continue
                # `from ortaq.other import module` names the module; `from ortaq.other.module import x` names x.
                submodule = parts[2] if len(parts) > 2 else name
                private = len(parts) > 2 and name is not None and name.startswith("_")
                if submodule in PUBLIC_MODULES and not private and len(parts) <= 3:
                    continue
                target = f"ortaq.{parts[1]}.{submodule}"
                where = f"{path.relative_to(ROOT)}:{line} imports {module}{f'.{name}' if name else ''}"
                crossings.setdefault((str(path.relative_to(ROOT)), target), []).append(where)
    return crossings


def test_the_boundary_scan_finds_every_app():
    assert {"accounts", "institutions", "agreements", "mobility", "analytics", "web", "jobs"} <= set(APPS)


def test_apps_import_other_apps_only_through_services_selectors_and_types():
    crossings = _boundary_crossings()
    unexpected = [where for key, found in sorted(crossings.items()) if key not in EXCEPTIONS for where in found]
    assert unexpected == [], "import the other app's services, selectors or types instead:\n" + "\n".join(unexpected)


def test_every_boundary_exception_is_still_needed():
    """The exception list only shrinks: remove an entry as soon as its import is gone."""
    crossings = _boundary_crossings()
    assert sorted(key for key in EXCEPTIONS if key not in crossings) == []


def test_services_enqueue_tasks_and_task_bodies_call_services_without_an_import_cycle():
    """One direction between an app's services and its tasks: a services module imports `tasks` at the top to
    enqueue; a task module imports nothing of Ortaq at module level and imports the services it calls inside
    the task body, when the worker runs it. So no module imports back at load time."""
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            top_level = {id(node) for node in tree.body}
            for node in ast.walk(tree):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    names = [node.module or "", *(alias.name for alias in node.names)]
                mentions_ortaq = bool(getattr(node, "level", 0)) or any(n.startswith("ortaq") for n in names)
                if path.name == "tasks.py" and id(node) in top_level and mentions_ortaq:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports Ortaq at module level")
                if id(node) not in top_level and any(n == "tasks" or n.endswith(".tasks") for n in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports tasks inside a function")
    assert offenders == []
