"""compare_modules() and recommend_offers(): module proposals with outcome-level evidence."""

from __future__ import annotations

import json

from alignment_samples import TEXTS

from ortaq.engines.alignment import Outcome, compare_modules, recommend_offers


def _o(key: str, lang: str, prefix: str) -> Outcome:
    return Outcome(f"{prefix}{key}", TEXTS[key][lang], lang)


ABROAD = [_o("weld", "zh", "a-"), _o("plc", "zh", "a-")]
HOME = {
    "welding-and-automation": [_o("weld", "kk", "h-"), _o("plc", "kk", "h-")],
    "welding-and-shipping": [_o("weld", "ru", "h-"), _o("waybill", "ru", "h-")],
    "patient-care": [_o("bp", "kk", "h-")],
}


def test_the_home_module_teaching_the_same_outcomes_is_proposed_first(lexical):
    proposals = compare_modules(ABROAD, HOME, backend=lexical)
    assert [p.module for p in proposals] == ["welding-and-automation", "welding-and-shipping", "patient-care"]
    assert proposals[0].score > proposals[1].score > proposals[2].score


def test_the_evidence_pairs_each_abroad_outcome_with_its_home_outcome(lexical):
    best = compare_modules(ABROAD, HOME, backend=lexical)[0]
    assert {(p.source, p.target) for p in best.pairs} == {("a-weld", "h-weld"), ("a-plc", "h-plc")}
    assert all(p.score > 0.5 and p.margin > 0 for p in best.pairs)
    assert best.covered == {"h-weld": "a-weld", "h-plc": "a-plc"}
    assert best.uncovered == [] and best.unused == []


def test_home_outcomes_nothing_abroad_taught_are_listed_as_uncovered(lexical):
    partial = {p.module: p for p in compare_modules(ABROAD, HOME, backend=lexical)}["welding-and-shipping"]
    assert partial.covered == {"h-weld": "a-weld"}
    assert partial.uncovered == ["h-waybill"]
    assert partial.unused == ["a-plc"]
    assert 0.3 < partial.coverage < 0.7


def test_an_unrelated_module_covers_nothing(lexical):
    care = {p.module: p for p in compare_modules(ABROAD, HOME, backend=lexical)}["patient-care"]
    assert care.uncovered == ["h-bp"] and care.covered == {}
    assert care.score < 0.2


def test_a_proposal_serialises_to_plain_json_types(lexical):
    d = compare_modules(ABROAD, HOME, backend=lexical)[0].to_dict()
    assert d["module"] == "welding-and-automation"
    assert {"source", "target", "score", "margin", "shared_source", "shared_target"} == set(d["pairs"][0])
    assert json.loads(json.dumps(d)) == d


def test_an_empty_home_module_gets_a_zero_score(lexical):
    proposals = compare_modules(ABROAD, {"empty": [], **HOME}, backend=lexical)
    assert proposals[-1].module == "empty" and proposals[-1].score == 0.0


def test_internship_offers_are_ranked_by_how_many_of_their_tasks_the_student_has_learned(lexical):
    student = [_o("bp", "kk", "s-"), _o("weld", "kk", "s-")]
    offers = {
        "clinic": [_o("bp", "zh", "task-")],
        "warehouse": [_o("waybill", "zh", "task-")],
        "shipyard": [_o("weld", "zh", "task-"), _o("plc", "zh", "task-")],
    }
    ranked = recommend_offers(student, offers, backend=lexical)
    assert [p.module for p in ranked][0] == "clinic"
    assert ranked[-1].module == "warehouse"
    assert {p.module: p.uncovered for p in ranked}["shipyard"] == ["task-plc"]


def test_a_home_outcome_counts_as_covered_only_when_the_match_is_mutual(lexical):
    abroad = [_o("weld", "zh", "a-")]
    home = {"welding": [Outcome("h-pipes", TEXTS["weld"]["ru"], "ru"),
                        Outcome("h-plates", "Выполнять ручную дуговую сварку стальных листов", "ru")]}
    proposal = compare_modules(abroad, home, backend=lexical)[0]
    assert proposal.covered == {"h-pipes": "a-weld"}
    assert proposal.uncovered == ["h-plates"]
    # the evidence still says which abroad outcome came closest, and by how much it led
    assert proposal.home_best["h-plates"].source == "a-weld"
    assert proposal.home_best["h-pipes"].score > proposal.home_best["h-plates"].score


def test_every_home_outcome_gets_its_best_abroad_outcome_as_evidence(lexical):
    partial = {p.module: p for p in compare_modules(ABROAD, HOME, backend=lexical)}["welding-and-shipping"]
    assert set(partial.home_best) == {"h-weld", "h-waybill"}
    assert partial.home_best["h-weld"].source == "a-weld"
    assert partial.home_best["h-waybill"].score < 0.5
