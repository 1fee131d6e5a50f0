"""The independently written outcomes are split by competence, and no fitting step can use a held-out item."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from ortaq.engines.alignment import calibration as cal
from ortaq.engines.alignment.fitting import choose_fusion_weights, mine_lexicon
from ortaq.engines.alignment.splits import HeldOutLeak, assign_splits, require_fitting

DATA = Path(__file__).resolve().parents[2] / "data" / "alignment"
LANGS = ("kk", "ru", "zh", "en")


def _jsonl(name):
    return [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines()]


ITEMS = _jsonl("independent.jsonl")
PAIRS = _jsonl("independent_module_pairs.jsonl")
SPLIT = {it["competence"]: it["split"] for it in ITEMS}


def test_there_are_at_least_150_competences_in_10_specialties_each_written_in_four_languages_with_provenance():
    langs = defaultdict(set)
    for it in ITEMS:
        langs[it["competence"]].add(it["lang"])
        assert it["text"].strip() and it["provenance"]["author"].endswith(f"/{it['lang']}-author")
        assert it["provenance"]["method"] == "written independently from the competence statement, not translated"
        assert it["provenance"]["written_on"]
    assert len(langs) >= 150 and all(v == set(LANGS) for v in langs.values())
    assert len({it["specialty"] for it in ITEMS}) >= 10
    assert len({it["id"] for it in ITEMS}) == len(ITEMS)


def test_every_near_miss_is_a_competence_of_another_specialty():
    spec = {it["competence"]: it["specialty"] for it in ITEMS}
    for it in ITEMS:
        assert all(spec[n] != it["specialty"] for n in it["near_miss"])


def test_the_split_is_by_competence_deterministic_and_holds_out_at_least_40_percent_of_every_specialty():
    specialty = {it["competence"]: it["specialty"] for it in ITEMS}
    assert assign_splits(specialty) == SPLIT
    held = Counter(specialty[c] for c, s in SPLIT.items() if s == "heldout")
    per_spec = Counter(specialty.values())
    assert all(held[s] / per_spec[s] >= 0.4 for s in per_spec)
    assert set(SPLIT.values()) == {"train", "calibration", "heldout"}


def test_module_pairs_never_mix_held_out_and_fitting_competences():
    assert {p["split"] for p in PAIRS} == {"heldout", "calibration"}
    assert set(Counter(p["kind"] for p in PAIRS)) >= {"equivalent", "most", "half", "near-miss", "unrelated"}
    for p in PAIRS:
        comps = p["home"]["competences"] + p["abroad"]["competences"]
        held = {SPLIT[c] == "heldout" for c in comps}
        assert held == {p["split"] == "heldout"}, p["id"]


def test_a_fitting_step_refuses_held_out_items_and_items_without_a_split():
    ok = [{"id": "a", "split": "train"}, {"id": "b", "split": "calibration"}]
    assert require_fitting(ok, "test") == ok
    with pytest.raises(HeldOutLeak, match="heldout"):
        require_fitting([*ok, {"id": "c", "split": "heldout"}], "test")
    with pytest.raises(HeldOutLeak):
        require_fitting([{"id": "d"}], "test")
    with pytest.raises(HeldOutLeak):
        require_fitting(ok, "test", allowed={"train", "heldout"})


def test_glossary_mining_takes_train_items_only():
    train = [it for it in ITEMS if it["split"] == "train"]
    lexicon = mine_lexicon(train)
    assert lexicon["pairs"] > 0 and lexicon["competences"] == len({it["competence"] for it in train})
    with pytest.raises(HeldOutLeak):
        mine_lexicon(ITEMS)
    with pytest.raises(HeldOutLeak):  # calibration items are kept for choosing the mining threshold
        mine_lexicon([it for it in ITEMS if it["split"] == "calibration"])


def test_fusion_weights_refuse_held_out_queries():
    z = [np.eye(3)]
    queries = [{"id": c, "split": "train"} for c in "abc"]
    weights = choose_fusion_weights({"x": z, "y": [1.0 - np.eye(3)]}, queries, [np.arange(3)])
    assert weights["x"] > weights["y"] and weights["x"] + weights["y"] == pytest.approx(1.0)
    with pytest.raises(HeldOutLeak):
        choose_fusion_weights({"x": z}, [*queries[:2], {"id": "c", "split": "heldout"}], [np.arange(3)])


def test_the_module_probability_fit_refuses_held_out_pairs():
    pair = {"features": dict.fromkeys(cal.MODULE_FEATURES, 0.5), "accepted": True}
    with pytest.raises(HeldOutLeak):
        cal.fit_from_labelled_pairs([{**pair, "split": "heldout"}])
    with pytest.raises(HeldOutLeak):
        cal.fit_from_labelled_pairs([pair], require_split=True)


def test_the_shipped_module_models_were_fitted_on_exactly_the_calibration_pairs():
    n_fit = sum(1 for p in PAIRS if p["split"] != "heldout")
    for key in ("lexical", "e5+lexical"):
        model = cal.stored_module_model(key)
        assert model is not None and model["pairs"] == n_fit


def test_no_held_out_text_appears_in_the_data_the_outcome_calibration_was_fitted_on():
    calibration_texts = {c[lang] for c in _jsonl("outcomes.jsonl") for lang in LANGS}
    held = {it["text"] for it in ITEMS if it["split"] == "heldout"}
    assert not held & calibration_texts
