"""`ortaq align SOURCE.json TARGET.json [-k 5] [--backend NAME]`.

Each file is a JSON list of {"id", "text", "lang"} (lang: kk, ru, zh or en; optional "alt": {lang: text}
with other language versions of the same outcome). Prints {source id: [{"target", "score"}, ...]} with the
k best targets, best first; score is the backend's calibrated probability of equivalence.

Exit status: 0 success, 2 bad input or arguments, or a backend that cannot run here (one line on stderr,
never a traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, NoReturn

from .backends import BACKEND_NAMES, BackendUnavailable, get_backend
from .engine import align
from .model import AlignmentInputError, Outcome

PROG = "ortaq align"
MAX_FILE = 64 * 1024 * 1024


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse would print usage and exit; we want one line
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Propose, for each source learning outcome, the k best-matching target "
                "outcomes (kk, ru, zh, en). See docs/alignment.md.")
    p.add_argument("source", metavar="SOURCE.json")
    p.add_argument("target", metavar="TARGET.json")
    p.add_argument("-k", type=int, default=5, help="targets per source outcome (default 5)")
    p.add_argument("--backend", default="default", help=f"one of {', '.join(BACKEND_NAMES)} (default: default)")
    return p


def _load(path: str, what: str) -> list[Outcome]:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE + 1)
    except OSError as exc:
        raise AlignmentInputError(f"cannot read {what} {path!r}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE:
        raise AlignmentInputError(f"{what} {path!r} is larger than {MAX_FILE // (1024 * 1024)} MiB")
    try:
        items: Any = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise AlignmentInputError(f"{what} {path!r} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise AlignmentInputError(f"{what} {path!r} is not valid JSON: {exc.msg} at line {exc.lineno} "
                                  f"column {exc.colno}") from None
    except RecursionError:
        raise AlignmentInputError(f"{what} {path!r} is nested too deeply") from None
    if not isinstance(items, list):
        raise AlignmentInputError(f"{what} {path!r} must be a JSON list of outcomes")
    outcomes = [Outcome.from_dict(item, where=f"{what} {path!r} item {i}") for i, item in enumerate(items)]
    seen: set[str] = set()
    for o in outcomes:
        if o.id in seen:
            raise AlignmentInputError(f"{what} {path!r}: duplicate id {o.id!r}")
        seen.add(o.id)
    return outcomes


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except _UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    try:
        if args.k < 1:
            raise AlignmentInputError(f"-k must be at least 1, got {args.k}")
        sources = _load(args.source, "source file")
        targets = _load(args.target, "target file")
        backend = get_backend(args.backend)
        result = align(sources, targets, k=args.k, backend=backend)
    except (AlignmentInputError, BackendUnavailable, ValueError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    out = {sid: [m.to_dict() for m in matches] for sid, matches in result.items()}
    sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    return 0
