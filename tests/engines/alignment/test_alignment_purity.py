"""The alignment engine is pure Python: it imports neither Django nor any other Ortaq engine."""

from __future__ import annotations

import ast
from pathlib import Path

import ortaq.engines.alignment as alignment

PACKAGE = Path(alignment.__file__).parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_module_of_the_engine_imports_django_or_another_engine():
    for path in PACKAGE.glob("*.py"):
        for name in _imports(path):
            root = name.split(".")[0]
            assert root not in {"django", "ninja"}, (path.name, name)
            assert not (name.startswith("ortaq.") and not name.startswith("ortaq.engines.alignment")), (path.name, name)


def test_heavy_model_libraries_are_imported_only_inside_the_local_backend():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        top_level = {a.name for node in tree.body if isinstance(node, ast.Import) for a in node.names}
        top_level |= {node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}
        heavy = {"torch", "sentence_transformers", "onnxruntime", "tokenizers", "transformers"}
        assert not top_level & heavy, path.name
