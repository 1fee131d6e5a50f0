"""Figures a benchmark reports, in the shape `bench/run.py` collects and `bench/docs.py` renders.

Each benchmark script builds one `Figures`, adds every figure it prints (value, unit, size, goal, and the peer
and ratio where the goal is relative to another implementation measured in the same run), records its
correctness checks, and with `--json PATH` writes them. A figure belongs to a table (the table a section of
docs/benchmarks.md shows): `row` is the row's label cells, `col` the column. A check that fails makes the
script exit non-zero after writing, so the runner and the CI smoke test see it.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any


class Figures:
    def __init__(self, benchmark: str, *, quick: bool, command: list[str] | None = None):
        self.benchmark, self.quick = benchmark, quick
        self.command = " ".join(command if command is not None else ["bench/" + Path(sys.argv[0]).name, *sys.argv[1:]])
        self.tables: dict[str, dict[str, Any]] = {}
        self.checks: dict[str, dict[str, Any]] = {}

    def table(self, table: str, head: list[str], cols: list[str] | None = None, title: str = "") -> None:
        """Declare a table's row-label headings and (optionally) its column order before adding figures."""
        self.tables.setdefault(table, {"head": head, "cols": list(cols or []), "title": title, "figures": []})

    def add(self, name: str, value: float | int | None, unit: str = "", *, table: str = "main", row: list[str] | str | None = None,
            col: str = "value", size: str = "", goal: dict | None = None, peer: str = "", ratio: float | None = None,
            digits: int | None = None, note: str = "") -> None:
        """One figure. `goal` is {"op": "<=" or ">=", "value": x} in the figure's unit (or of the ratio when `peer` is
        given); `ratio` is how many times faster than `peer` ours is, measured in the same run on the same input (the
        peer's time over ours, or our rate over the peer's); `digits` fixes the decimals shown."""
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        self.table(table, ["figure"], ["value", "size", "goal"] if table == "main" else None)
        t = self.tables[table]
        if col not in t["cols"]:
            t["cols"].append(col)
        figure: dict[str, Any] = {"name": name, "value": value, "unit": unit, "size": size, "row": [row] if isinstance(row, str) else (row or [name]),
                                  "col": col}
        for key, v in (("goal", goal), ("peer", peer), ("ratio", ratio), ("digits", digits), ("note", note)):
            if v not in (None, ""):
                figure[key] = v
        t["figures"].append(figure)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        """A correctness check of the run (equality with a reference, stability, a verification that must pass)."""
        self.checks[name] = {"ok": bool(ok), "detail": detail}
        print(f"check {name}: {'ok' if ok else 'FAILED'}{' - ' + detail if detail else ''}", file=sys.stderr)
        return bool(ok)

    def as_dict(self) -> dict[str, Any]:
        return {"benchmark": self.benchmark, "quick": self.quick, "command": self.command, "tables": self.tables, "checks": self.checks}

    def write(self, path: str | None) -> None:
        if path:
            Path(path).write_text(json.dumps(self.as_dict(), indent=1, ensure_ascii=False) + "\n", "utf-8")

    def finish(self, path: str | None) -> None:
        """Write the figures and exit non-zero if a check failed (after writing, so the failure is on record)."""
        self.write(path)
        failed = [n for n, c in self.checks.items() if not c["ok"]]
        if failed:
            print(f"{self.benchmark}: failed checks: {', '.join(failed)}", file=sys.stderr)
            raise SystemExit(1)


def add_arguments(parser) -> None:
    """The options every benchmark takes: `--quick` (a small size for the CI smoke test) and `--json PATH`."""
    if not any(a.dest == "quick" for a in parser._actions):
        parser.add_argument("--quick", action="store_true", help="a small size: a smoke test of the script and its checks")
    if not any(a.dest == "json" for a in parser._actions):
        parser.add_argument("--json", default=None, help="write the figures and checks as JSON to this path")
