"""Module proposals carry a calibrated probability of acceptance, explained by outcome pairs and shared terms."""

from __future__ import annotations

import numpy as np
import pytest
from alignment_samples import TEXTS

from ortaq.engines.alignment import EXPLANATIONS, Outcome, module_proposal
from ortaq.engines.alignment import calibration as cal
from ortaq.engines.alignment.lexical import shared_terms
from ortaq.engines.alignment.metrics import wilson


def _pairs(n: int, seed: int = 0) -> list[dict]:
    """Synthetic decisions: acceptance drawn with a known probability rising with coverage and credit ratio."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(n, len(cal.MODULE_FEATURES)))
    true_p = 1 / (1 + np.exp(-(6 * x[:, 0] + 3 * x[:, 4] - 5)))
    y = rng.uniform(size=n) < true_p
    return [{"features": dict(zip(cal.MODULE_FEATURES, row, strict=True)), "accepted": bool(a)} for row, a in zip(x, y, strict=True)]


def test_the_expected_calibration_error_is_the_count_weighted_gap_between_predicted_and_observed():
    assert cal.expected_calibration_error([0.1] * 10, [1] + [0] * 9) == pytest.approx(0.0)
    assert cal.expected_calibration_error([0.9] * 10, [1] * 5 + [0] * 5) == pytest.approx(0.4)
    # two bins, half the items each: |0.25 - 0| and |0.75 - 1| -> 0.5 x 0.25 + 0.5 x 0.25
    assert cal.expected_calibration_error([0.25, 0.25, 0.75, 0.75], [0, 0, 1, 1]) == pytest.approx(0.25)
    table = cal.reliability_table([0.05, 0.95], [0, 1], bins=10)
    assert [r["n"] for r in table] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]


def test_a_probability_refitted_from_decisions_is_calibrated_on_fresh_decisions():
    model = cal.fit_from_labelled_pairs(_pairs(4000))
    fresh = _pairs(4000, seed=1)
    x = np.array([[p["features"][f] for f in cal.MODULE_FEATURES] for p in fresh])
    y = np.array([p["accepted"] for p in fresh])
    assert cal.expected_calibration_error(cal.module_probability(model, x), y) < 0.05
    assert model["pairs"] == 4000 and set(model) >= {"weights", "bias", "features"}


def test_the_refitted_probability_never_falls_when_a_feature_rises():
    pairs = _pairs(500, seed=2)
    for p in pairs:  # make one feature anti-correlated with acceptance: its weight must be held at 0, not < 0
        p["features"]["use"] = 1.0 - float(p["accepted"]) * 0.5
    model = cal.fit_from_labelled_pairs(pairs)
    assert all(w >= 0 for w in model["weights"])
    base = dict.fromkeys(cal.MODULE_FEATURES, 0.5)
    for f in cal.MODULE_FEATURES:
        values = [float(cal.module_probability(model, {**base, f: v})) for v in np.linspace(0, 1, 11)]
        assert values == sorted(values), f


def test_a_fit_needs_labelled_pairs_with_every_feature():
    with pytest.raises(ValueError):
        cal.fit_from_labelled_pairs([])
    with pytest.raises(ValueError, match="features"):
        cal.fit_from_labelled_pairs([{"features": {"coverage": 1.0}, "accepted": True}])


def _o(key: str, lang: str, prefix: str) -> Outcome:
    return Outcome(f"{prefix}{key}", TEXTS[key][lang], lang)


def test_an_equivalent_module_is_likely_accepted_and_an_unrelated_one_is_not(lexical):
    abroad = [_o("weld", "zh", "a-"), _o("plc", "zh", "a-")]
    same = module_proposal([_o("weld", "kk", "h-"), _o("plc", "kk", "h-")], abroad, lexical)
    other = module_proposal([_o("bp", "kk", "h-")], abroad, lexical)
    assert same.probability is not None and other.probability is not None
    assert same.probability > 0.7 > 0.3 > other.probability
    assert same.explanation == "likely" and other.explanation == "unlikely"
    assert set(EXPLANATIONS) >= {same.explanation, other.explanation}
    assert other.uncovered_home == ["h-bp"]


def test_too_few_credits_abroad_lowers_the_probability(lexical):
    abroad = [_o("weld", "zh", "a-"), _o("plc", "zh", "a-")]
    home = [_o("weld", "kk", "h-"), _o("plc", "kk", "h-")]
    full = module_proposal(home, abroad, lexical, credit_ratio=1.0)
    short = module_proposal(home, abroad, lexical, credit_ratio=0.3)
    assert short.probability < full.probability
    assert short.features["credit_ratio"] == 0.3


def test_each_pair_names_the_terms_both_outcomes_share_as_written_in_each_language(lexical):
    abroad = [Outcome("a1", "使用梯形图对PLC进行编程", "zh")]
    home = [Outcome("h1", "Программировать ПЛК на языке релейной логики", "ru")]
    prop = module_proposal(home, abroad, lexical)
    pair = prop.home_best["h1"]
    assert "ПЛК" in pair.shared_target and "PLC" in pair.shared_source
    assert all(t in "使用梯形图对PLC进行编程" for t in pair.shared_source)
    assert prop.to_dict()["home_best"]["h1"]["shared_target"] == list(pair.shared_target)


def test_shared_terms_include_equal_words_within_a_script():
    left, right = shared_terms(Outcome("a", "Writes G-code for a CNC milling machine", "en"),
                               Outcome("b", "Writes G-code programs for a CNC lathe", "en"))
    assert {"CNC", "Writes", "code"} <= set(left) & set(right) and "for" not in left


def test_wilson_intervals_contain_the_observed_rate_and_narrow_with_more_queries():
    low, high = wilson(66, 70)
    assert low < 66 / 70 < high <= 1.0
    assert wilson(660, 700)[1] - wilson(660, 700)[0] < high - low
    assert wilson(0, 0) == (0.0, 1.0)


def test_hubness_correction_stops_a_target_close_to_everything_from_winning_every_query(lexical):
    from ortaq.engines.alignment import align

    sources = [_o(key, "ru", "s-") for key in ("weld", "plc", "bp")]
    targets = [_o(key, "kk", "t-") for key in ("weld", "plc", "bp")]
    plain = align(sources, targets, k=3, backend=lexical)
    corrected = align(sources, targets, k=3, backend=lexical, hubness_k=2)
    assert {s: m[0].target for s, m in corrected.items()} == {"s-weld": "t-weld", "s-plc": "t-plc", "s-bp": "t-bp"}
    for s in plain:  # the pair's own score is unchanged; only the order may change
        assert {m.target: m.score for m in plain[s]} == {m.target: m.score for m in corrected[s]}
        assert all(m.margin >= 0 for m in corrected[s])
