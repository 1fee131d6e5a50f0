"""Domain errors carry a code from one closed enum, so that API clients can rely on the set."""

import ast
from pathlib import Path

import pytest

import ortaq
from ortaq.errors import DomainError, ErrorCode, Forbidden

ERRORS = {"DomainError", "Forbidden", "NotFound", "ValidationFailed", "Throttled"}


def test_every_code_a_service_raises_is_in_the_enum():
    unknown = []
    for path in Path(ortaq.__file__).parent.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                for keyword in node.keywords:
                    if name in ERRORS and keyword.arg == "code":
                        if not isinstance(keyword.value, ast.Constant) and not isinstance(keyword.value, ast.Attribute):
                            unknown.append(f"{path.name}:{node.lineno} computes its code")
                        elif isinstance(keyword.value, ast.Constant) and keyword.value.value not in set(ErrorCode):
                            unknown.append(f"{path.name}:{node.lineno} {keyword.value.value!r}")
    assert unknown == []


def test_an_unknown_code_fails_where_it_is_raised_and_known_ones_compare_as_text():
    with pytest.raises(ValueError):
        DomainError("x", code="no_such_code")
    assert DomainError("x", code="state").code == "state" == ErrorCode.STATE
    assert Forbidden().code is ErrorCode.FORBIDDEN
