"""align(): the k best targets per source, best first, with calibrated scores and margins."""

from __future__ import annotations

import pytest
from alignment_samples import TEXTS, outcomes

from ortaq.engines.alignment import AlignmentInputError, Outcome, align


def test_each_chinese_outcome_finds_its_kazakh_translation_first(lexical):
    result = align(outcomes("zh"), outcomes("kk"), k=3, backend=lexical)
    assert {sid: matches[0].target for sid, matches in result.items()} == {k: k for k in TEXTS}


def test_matches_come_best_first_with_scores_between_zero_and_one(lexical):
    result = align(outcomes("en"), outcomes("ru"), k=4, backend=lexical)
    for matches in result.values():
        assert [m.rank for m in matches] == [1, 2, 3, 4]
        zs = [m.z for m in matches]
        assert zs == sorted(zs, reverse=True)
        assert all(0.0 <= m.score <= 1.0 for m in matches)
        assert all(m.margin >= 0 for m in matches)
        assert matches[0].score > matches[1].score


def test_a_translation_is_scored_as_likely_equivalent_and_an_unrelated_outcome_is_not(lexical):
    result = align(outcomes("zh"), outcomes("ru"), k=4, backend=lexical)
    assert result["weld"][0].score > 0.5
    assert result["weld"][-1].score < 0.5


def test_k_larger_than_the_target_list_returns_every_target(lexical):
    result = align(outcomes("en")[:1], outcomes("ru"), k=50, backend=lexical)
    assert len(result["weld"]) == len(TEXTS)


def test_targets_in_mixed_languages_are_ranked_on_one_scale(lexical):
    targets = [Outcome("t-weld", TEXTS["weld"]["kk"], "kk"), Outcome("t-bp", TEXTS["bp"]["ru"], "ru"),
               Outcome("t-plc", TEXTS["plc"]["en"], "en"), Outcome("t-waybill", TEXTS["waybill"]["zh"], "zh")]
    result = align(outcomes("zh"), targets, k=1, backend=lexical)
    assert {sid: m[0].target for sid, m in result.items()} == {k: f"t-{k}" for k in TEXTS}


def test_no_targets_gives_every_source_an_empty_list(lexical):
    assert align(outcomes("en"), [], backend=lexical) == {k: [] for k in TEXTS}


def test_plain_dicts_are_accepted_as_outcomes(lexical):
    result = align([{"id": "s", "text": TEXTS["bp"]["en"], "lang": "en"}], outcomes("zh"), k=1, backend=lexical)
    assert result["s"][0].target == "bp"


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_k_must_be_a_positive_integer(lexical, k):
    with pytest.raises(AlignmentInputError, match="k must be a positive integer"):
        align(outcomes("en"), outcomes("ru"), k=k, backend=lexical)


def test_duplicate_target_ids_are_refused(lexical):
    dup = outcomes("ru") + [Outcome("weld", "другое", "ru")]
    with pytest.raises(AlignmentInputError, match="duplicate id 'weld'"):
        align(outcomes("en"), dup, backend=lexical)


def test_results_are_deterministic(lexical):
    a = align(outcomes("kk"), outcomes("zh"), k=4, backend=lexical)
    b = align(outcomes("kk"), outcomes("zh"), k=4, backend=lexical)
    assert a == b
