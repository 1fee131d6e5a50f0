"""`ortaq match`: solve an instance file, or `--check` a result against it.

Exit status: 0 success (or a valid result), 1 the checked result is invalid, 2 bad input (unreadable
file, not JSON, malformed instance or result, bad arguments). Bad input never shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from .check import check
from .model import Instance, InstanceError, load_instance_bytes
from .solver import solve

PROG = "ortaq match"
T = TypeVar("T")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse would call sys.exit; we return 2 instead
        raise _UsageError(message)


class _UsageError(Exception):
    pass


class _BadInput(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Applicant-optimal stable placement (applicant-proposing deferred "
                "acceptance with lottery tie-breaking and reserved seats). See docs/placement.md.")
    p.add_argument("instance", metavar="INSTANCE.json")
    p.add_argument("result", metavar="RESULT.json", nargs="?", help="with --check: the result to verify")
    p.add_argument("-o", "--output", metavar="RESULT.json", help="write the result here instead of stdout")
    p.add_argument("--check", action="store_true", help="verify RESULT.json against INSTANCE.json")
    p.add_argument("--indent", type=int, default=None, help="pretty-print the result with this indent")
    return p


def _read_bytes(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise _BadInput(f"cannot read {what} {path!r}: {exc.strerror or exc}") from None


def _decoding(path: str, what: str, decode: Callable[[], T]) -> T:
    """Run `decode` (which parses the file's JSON), turning JSON errors into one-line messages."""
    try:
        return decode()
    except UnicodeDecodeError as exc:
        raise _BadInput(f"{what} {path!r} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise _BadInput(f"{what} {path!r} is not valid JSON: {exc.msg} at line {exc.lineno} "
                        f"column {exc.colno}") from None
    except RecursionError:
        raise _BadInput(f"{what} {path!r} is nested too deeply") from None


def _read_json(path: str, what: str) -> Any:
    data = _read_bytes(path, what)
    return _decoding(path, what, lambda: json.loads(data))


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except _UsageError as exc:
        print(f"{PROG}: {exc}\nusage: {PROG} INSTANCE.json [-o RESULT.json] | --check INSTANCE.json RESULT.json",
              file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    try:
        if args.check:
            if args.result is None:
                raise _UsageError("--check needs INSTANCE.json and RESULT.json")
            return _check(args.instance, args.result)
        if args.result is not None:
            raise _UsageError(f"unexpected argument {args.result!r} (did you mean --check or -o?)")
        return _solve(args.instance, args.output, args.indent)
    except _UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except _BadInput as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2


def _load(path: str) -> Instance:
    data = _read_bytes(path, "instance")
    try:
        return _decoding(path, "instance", lambda: load_instance_bytes(data))
    except InstanceError as exc:
        raise _BadInput(f"{path}: {exc}") from None


def _solve(path: str, output: str | None, indent: int | None) -> int:
    inst = _load(path)
    result = solve(inst)
    if output is None:
        binary = getattr(sys.stdout, "buffer", None)
        if binary is None:  # a text-only stream (e.g. io.StringIO in an embedding program)
            sys.stdout.write(result.to_json(indent) + "\n")
            return 0
        sys.stdout.flush()
        result.write_json(binary, indent)
        binary.flush()
        return 0
    try:
        result.write_json(output, indent)
    except OSError as exc:
        raise _BadInput(f"cannot write {output!r}: {exc.strerror or exc}") from None
    return 0


def _check(instance_path: str, result_path: str) -> int:
    inst = _load(instance_path)
    result = _read_json(result_path, "result")
    if not isinstance(result, dict) or not isinstance(result.get("matching"), dict):
        raise _BadInput(f"result {result_path!r} must be an object with a 'matching' object")
    for aid, pid in result["matching"].items():
        if pid is not None and not isinstance(pid, str):
            raise _BadInput(f"result {result_path!r}: matching[{aid!r}] must be a placement id or null, "
                            f"got {type(pid).__name__}")
    problems = check(inst, result)
    if problems:
        print(f"{result_path}: INVALID ({len(problems)} problem{'s' if len(problems) != 1 else ''})")
        for line in problems:
            print(f"  - {line}")
        return 1
    print(f"{result_path}: valid (capacities, acceptability, no blocking pair; "
          f"{sum(v is not None for v in result['matching'].values())} of {inst.n_applicants} placed)")
    return 0
