"""The lexical channel: glossary terms bridge the scripts; character n-grams work within one."""

from __future__ import annotations

import numpy as np
from alignment_samples import TEXTS, outcomes

from ortaq.engines.alignment import Outcome
from ortaq.engines.alignment.lexical import lexical_similarity, load_glossary, ngrams


def test_the_glossary_finds_the_same_term_in_kazakh_russian_chinese_and_english():
    g = load_glossary()
    for lang in ("kk", "ru", "zh", "en"):
        assert "weld" in g.terms(lang, TEXTS["weld"][lang]), lang
        assert "blood pressure" in g.terms(lang, TEXTS["bp"][lang]), lang


def test_exact_stems_do_not_match_longer_words():
    g = load_glossary()
    # '=ток' (electric current) must not fire on 'токарный' (lathe)
    assert "current" not in g.terms("ru", "Изготавливать детали на токарном станке")
    assert "current" in g.terms("ru", "Настраивать сварочный ток")


def test_latin_terms_inside_chinese_text_are_found():
    assert "plc" in load_glossary().terms("zh", "使用梯形图对PLC进行编程")


def test_chinese_text_yields_character_unigrams_and_bigrams():
    assert {"焊", "焊接", "接"} <= set(ngrams("zh", "焊接"))


def test_every_translation_is_its_own_best_lexical_match_across_all_language_pairs():
    for s in ("kk", "ru", "zh", "en"):
        for t in ("kk", "ru", "zh", "en"):
            sim = lexical_similarity(outcomes(s), outcomes(t))
            assert (sim.argmax(axis=1) == np.arange(len(TEXTS))).all(), (s, t)


def test_a_russian_version_gives_a_kazakh_outcome_russian_ngrams():
    kk_only = Outcome("a", TEXTS["weld"]["kk"], "kk")
    kk_ru = Outcome("a", TEXTS["weld"]["kk"], "kk", alt={"ru": TEXTS["weld"]["ru"]})
    target = [Outcome("t", "Выполнять ручную дуговую сварку стальных труб и листов", "ru")]
    assert lexical_similarity([kk_ru], target)[0, 0] > lexical_similarity([kk_only], target)[0, 0]
