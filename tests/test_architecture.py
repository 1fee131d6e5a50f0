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


# --------------------------------------------------------------------------- typed services (issue 14)
# Forms stay at the edge: a services module takes typed, keyword-only values (dataclasses of the app's types.py,
# or typed parameters), never a form or an untyped dict. The web forms and the API schemas validate input and
# build the typed values; the services enforce the domain's rules on them again.

# Apps whose services modules are still being converted (none: mobility and recognition are typed too).
UNTYPED_SERVICE_MODULES_ALLOWED: set[str] = set()
# Parameters that are still a bare dict, each with whose it is; the list only shrinks.
UNTYPED_PARAMETERS_ALLOWED = {
    ("training/services.py", "assessment_record", "scores"): "training: element code → rating, typed by its helper",
    ("training/services.py", "self_assessment_submit", "ratings"): "training: element code → level, typed by its helper",
    ("notifications/services.py", "notify", "params"): "notifications: a message's placeholders, typed by its helper",
}


def _service_modules():
    """Every services module of every app: services.py, *_services.py, or a module of a services package."""
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] not in APPS or parts[0] in UNTYPED_SERVICE_MODULES_ALLOWED or "migrations" in parts:
            continue
        if path.name == "services.py" or path.name.endswith("_services.py") or "services" in parts[1:-1]:
            yield path


def _is_bare_dict(annotation) -> bool:
    """`dict`, `dict | None` (or the same as a string): a mapping whose keys and values say nothing."""
    if isinstance(annotation, ast.Name):
        return annotation.id == "dict"
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return _is_bare_dict(ast.parse(annotation.value, mode="eval").body)
    if isinstance(annotation, ast.BinOp):
        return _is_bare_dict(annotation.left) or _is_bare_dict(annotation.right)
    return False


def test_the_typed_services_scan_finds_the_services_modules():
    found = {str(path.relative_to(ROOT)) for path in _service_modules()}
    assert {"accounts/services.py", "agreements/services.py", "institutions/services.py", "programmes/services.py"} <= found


def test_no_services_module_imports_a_forms_module():
    offenders = []
    for path in _service_modules():
        app = path.relative_to(ROOT).parts[0]
        for line, module, name in _imports(path, app):
            if module.split(".")[-1] == "forms" or name == "forms":
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}{f'.{name}' if name else ''}")
    assert offenders == [], "validate with the form at the edge (views, api) and pass the service a dataclass"


def test_no_public_service_function_takes_a_bare_dict():
    offenders = []
    for path in _service_modules():
        relative = str(path.relative_to(ROOT))
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("_"):
                continue
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None and arg.annotation is not None and _is_bare_dict(arg.annotation):
                    if (relative, node.name, arg.arg) not in UNTYPED_PARAMETERS_ALLOWED:
                        offenders.append(f"{relative}:{node.lineno} {node.name}({arg.arg}: dict)")
    assert offenders == [], "take a dataclass from the app's types.py, or typed parameters"


def test_the_untyped_scan_recognises_what_it_refuses():
    """The scan itself, on a sample: a bare dict (also as a string or with None) is refused, a typed one is not."""
    sample = ast.parse("def f(*, a: dict, b: 'dict | None', c: dict[str, int], d: Terms): ...").body[0]
    assert [arg.arg for arg in sample.args.kwonlyargs if _is_bare_dict(arg.annotation)] == ["a", "b"]


VIEW_MAX_LINES = 15  # def line to last line, docstring included: a view parses input, calls one service or selector, renders


def _long_views(source: str) -> list[tuple[str, int, int]]:
    """(name, line, length) of each public module-level function of a views module longer than VIEW_MAX_LINES."""
    return [(node.name, node.lineno, node.end_lineno - node.lineno + 1) for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_")
            and node.end_lineno - node.lineno + 1 > VIEW_MAX_LINES]


def test_every_view_is_thin():
    """Page context is built in the app's selectors (or a private helper of the view module), writes happen in services."""
    offenders = [f"{path.relative_to(ROOT)}:{line} {name} has {length} lines"
                 for path in sorted(ROOT.rglob("views*.py")) for name, line, length in _long_views(path.read_text(encoding="utf-8"))]
    assert offenders == [], f"views longer than {VIEW_MAX_LINES} lines: move their context to selectors, their writes to services"


def test_the_thin_view_scan_counts_from_the_def_line_and_spares_private_helpers():
    body = "\n".join(f"    x{i} = {i}" for i in range(14))
    sample = f"@decorator\ndef fifteen(request):\n{body}\n\ndef sixteen(request):\n{body}\n    return x0\n\ndef _helper():\n{body}\n    return 1\n"
    assert _long_views(sample) == [("sixteen", 18, 16)]
