"""Rebuild modules.json and module_pairs.jsonl from outcomes.jsonl (deterministic, seed 7).

Run: uv run python tests/data/alignment/build_modules.py

Each specialty has 16 outcome concepts (every concept is written in kk, ru, zh and en). Per specialty we
build 6 "home" modules (a Kazakh college's curriculum: 3-5 concepts) and 6 "abroad" modules (a Chinese
partner's course: derived from one home module by keeping some of its concepts, dropping others and adding
concepts from elsewhere in the specialty, so overlap ranges from total to none). Every abroad module is
paired with every home module of its specialty (36 pairs) and with 2 home modules of other specialties.

Grade (0 none, 1 partial, 2 substantial, 3 equivalent), from the share of the HOME module's outcomes that
the abroad module teaches (coverage) and the share of the abroad module that is about the home module
(precision):
  3  coverage >= 0.8 and precision >= 0.6
  2  coverage >= 0.5
  1  coverage > 0, or at least half of the home outcomes belong to a standard unit the abroad module touches
  0  otherwise (all cross-specialty pairs are 0)
The rule was written first; the resulting grades were then spot-checked by reading the pairs.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent


def grade(abroad: list[str], home: list[str], unit: dict[str, str]) -> int:
    a, h = set(abroad), set(home)
    shared = a & h
    coverage = len(shared) / len(h)
    precision = len(shared) / len(a)
    if coverage >= 0.8 and precision >= 0.6:
        return 3
    if coverage >= 0.5:
        return 2
    units_a = {unit[c] for c in a}
    if shared or sum(unit[c] in units_a for c in h) * 2 >= len(h):
        return 1
    return 0


def main() -> None:
    rng = random.Random(7)
    concepts = [json.loads(line) for line in (HERE / "outcomes.jsonl").read_text("utf-8").splitlines()]
    unit = {c["id"]: c["unit"] for c in concepts}
    by_spec: dict[str, list[str]] = defaultdict(list)
    for c in concepts:
        by_spec[c["specialty"]].append(c["id"])
    home: dict[str, list[str]] = {}
    abroad: dict[str, list[str]] = {}
    spec_of: dict[str, str] = {}
    for spec, ids in by_spec.items():
        prefix = ids[0].split("-")[0]
        for m in range(6):
            size = rng.randint(3, 5)
            mid = f"{prefix}-H{m + 1}"
            home[mid] = sorted(rng.sample(ids, size))
            spec_of[mid] = spec
        for m in range(6):
            base = home[f"{prefix}-H{m + 1}"]
            keep_share = [1.0, 1.0, 0.75, 0.5, 0.34, 0.0][m]
            kept = rng.sample(base, max(0, round(len(base) * keep_share)))
            others = [c for c in ids if c not in base]
            extra = rng.sample(others, rng.randint(0, 2) if kept else 4)
            mid = f"{prefix}-A{m + 1}"
            abroad[mid] = sorted(kept + extra)
            spec_of[mid] = spec
    pairs = []
    specs = list(by_spec)
    for a_id, a in abroad.items():
        for h_id, h in home.items():
            if spec_of[h_id] == spec_of[a_id]:
                pairs.append({"abroad": a_id, "home": h_id, "grade": grade(a, h, unit)})
        other_specs = [s for s in specs if s != spec_of[a_id]]
        for s in rng.sample(other_specs, 2):
            h_id = rng.choice([m for m in home if spec_of[m] == s])
            pairs.append({"abroad": a_id, "home": h_id, "grade": 0})
    (HERE / "modules.json").write_text(
        json.dumps({"home": home, "abroad": abroad, "specialty": spec_of}, ensure_ascii=False, separators=(",", ":")),
        "utf-8",
    )
    with (HERE / "module_pairs.jsonl").open("w", encoding="utf-8") as fh:
        for p in pairs:
            fh.write(json.dumps(p, separators=(",", ":")) + "\n")
    hist = defaultdict(int)
    for p in pairs:
        hist[p["grade"]] += 1
    grades = dict(sorted(hist.items()))
    print(f"{len(home)} home modules, {len(abroad)} abroad modules, {len(pairs)} pairs, grades {grades}")


if __name__ == "__main__":
    main()
