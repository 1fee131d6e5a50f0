"""The labelled benchmark set in tests/data/alignment is complete, consistent and split by specialty."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data" / "alignment"
CALIBRATION = {"welding", "logistics", "software/IT", "construction"}


def _jsonl(name):
    return [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines()]


def test_there_are_at_least_150_outcomes_per_language_each_tied_to_a_standard_unit():
    outcomes = _jsonl("outcomes.jsonl")
    units = {u["id"]: u for u in _jsonl("units.jsonl")}
    assert len(outcomes) >= 150
    for o in outcomes:
        assert all(o[lang].strip() for lang in ("kk", "ru", "zh", "en")), o["id"]
        assert units[o["unit"]]["specialty"] == o["specialty"]
    assert len({o["id"] for o in outcomes}) == len(outcomes)


def test_there_are_at_least_300_graded_module_pairs_across_at_least_8_specialties():
    pairs = _jsonl("module_pairs.jsonl")
    modules = json.loads((DATA / "modules.json").read_text("utf-8"))
    assert len(pairs) >= 300
    assert set(Counter(p["grade"] for p in pairs)) == {0, 1, 2, 3}
    assert len(set(modules["specialty"].values())) >= 8
    for p in pairs:
        assert p["abroad"] in modules["abroad"] and p["home"] in modules["home"]


def test_calibration_and_test_specialties_do_not_overlap():
    specs = {o["specialty"] for o in _jsonl("outcomes.jsonl")}
    assert CALIBRATION < specs
    assert len(specs - CALIBRATION) >= 4


def test_the_committed_grades_follow_the_documented_rule():
    spec = importlib.util.spec_from_file_location("alignment_build_modules", DATA / "build_modules.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    unit = {o["id"]: o["unit"] for o in _jsonl("outcomes.jsonl")}
    modules = json.loads((DATA / "modules.json").read_text("utf-8"))
    for p in _jsonl("module_pairs.jsonl"):
        assert mod.grade(modules["abroad"][p["abroad"]], modules["home"][p["home"]], unit) == p["grade"], p
