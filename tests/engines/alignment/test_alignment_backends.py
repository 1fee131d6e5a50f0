"""Backends: names, the embedding cache, calibration per language pair, and the local-model loader."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from alignment_samples import TEXTS, outcomes

from ortaq.engines.alignment import (
    BackendUnavailable,
    DenseBackend,
    EmbedCache,
    LexicalBackend,
    LocalModelBackend,
    Outcome,
    align,
    get_backend,
)
from ortaq.engines.alignment.calibration import (
    Calibration,
    lang_indexes,
    stored_calibration,
)


class CountingBackend(DenseBackend):
    """A fake dense model: a bag of glossary-free character codes, counting what it encodes."""

    name = "counting"
    version = "counting-1"

    def __init__(self, cache=None):
        super().__init__(cache or EmbedCache())
        self.encoded: list[str] = []

    def encode(self, texts):
        self.encoded.extend(texts)
        vecs = np.zeros((len(texts), 64), dtype=np.float32)
        for i, t in enumerate(texts):
            for ch in t:
                vecs[i, ord(ch) % 64] += 1
        return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def test_unknown_backend_names_are_refused_with_the_list_of_names():
    with pytest.raises(ValueError, match="unknown backend 'bert'.*lexical"):
        get_backend("bert")


def test_a_backend_object_is_used_as_given():
    be = LexicalBackend()
    assert get_backend(be) is be


def test_texts_are_embedded_once_and_then_served_from_the_cache():
    be = CountingBackend()
    align(outcomes("en"), outcomes("ru"), backend=be)
    align(outcomes("en"), outcomes("ru"), backend=be)
    assert len(be.encoded) == 2 * len(TEXTS)
    assert be.cache.hits >= 2 * len(TEXTS)


def test_the_cache_key_includes_the_model_version():
    cache = EmbedCache()
    cache.put("model-a", "weld", np.ones(3, dtype=np.float32))
    assert cache.get("model-b", "weld") is None
    assert cache.get("model-a", "weld").tolist() == [1.0, 1.0, 1.0]


def test_a_cache_directory_serves_vectors_to_a_new_process(tmp_path):
    EmbedCache(directory=tmp_path).put("model-a", "焊接", np.arange(4, dtype=np.float32))
    fresh = EmbedCache(directory=tmp_path)
    assert fresh.get("model-a", "焊接").tolist() == [0.0, 1.0, 2.0, 3.0]
    assert fresh.get("model-b", "焊接") is None


def test_the_cache_forgets_the_least_recently_used_vectors_beyond_its_size():
    cache = EmbedCache(max_items=2)
    for text in ("a", "b", "c"):
        cache.put("v", text, np.zeros(2, dtype=np.float32))
    assert cache.get("v", "a") is None and cache.get("v", "c") is not None


def test_a_dense_backend_reads_a_kazakh_outcome_through_its_russian_version():
    be = CountingBackend()
    kk = Outcome("o", TEXTS["weld"]["kk"], "kk", alt={"ru": TEXTS["weld"]["ru"]})
    be.embed([kk])
    assert be.encoded == [TEXTS["weld"]["ru"]]
    assert be.effective_langs([kk]) == ["ru"]


def test_an_uncalibrated_backend_still_ranks_and_scores_between_zero_and_one():
    result = align(outcomes("en"), outcomes("en", prefix="t-"), k=2, backend=CountingBackend())
    assert all(r[0].target == f"t-{sid}" for sid, r in result.items())
    assert all(0 <= m.score <= 1 for r in result.values() for m in r)


def test_calibration_normalises_each_language_pair_separately():
    mean = np.zeros((4, 4))
    sd = np.ones((4, 4))
    mean[1, 2], sd[1, 2] = 0.8, 0.02  # ru -> zh: raw scores crowd near 0.8
    mean[3, 3], sd[3, 3] = 0.2, 0.2  # en -> en: spread out
    c = Calibration("test", mean, sd, a=1.0, b=-2.0)
    z_ru_zh = c.z(np.array([[0.84]]), lang_indexes(["ru"]), lang_indexes(["zh"]))
    z_en_en = c.z(np.array([[0.84]]), lang_indexes(["en"]), lang_indexes(["en"]))
    assert z_ru_zh[0, 0] == pytest.approx(2.0) and z_en_en[0, 0] == pytest.approx(3.2)
    assert c.prob(3.2) > c.prob(2.0) == pytest.approx(0.5)


def test_the_shipped_calibration_covers_every_builtin_backend_and_language_pair():
    for key in ("lexical", "e5", "e5+lexical", "e5+lexical-rrf"):
        c = stored_calibration(key)
        assert c is not None, key
        assert (c.sd > 0).all() and c.a > 0, key


def test_a_missing_local_model_directory_is_a_clear_error(tmp_path):
    with pytest.raises(BackendUnavailable, match="does not exist"):
        get_backend(f"local:{tmp_path / 'nothing'}")


def test_a_local_model_without_sentence_transformers_installed_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # makes the import fail
    be = get_backend(f"local:{tmp_path}")
    with pytest.raises(BackendUnavailable, match="needs 'sentence-transformers'"):
        align(outcomes("en"), outcomes("ru"), backend=be)


def test_an_onnx_model_without_onnxruntime_installed_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "model.onnx").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    be = LocalModelBackend(tmp_path)
    assert be.kind == "onnx"
    with pytest.raises(BackendUnavailable, match="needs 'onnxruntime' and 'tokenizers'"):
        be.encode(["x"])


def test_a_local_sentence_transformers_model_is_loaded_offline_from_its_directory(tmp_path, monkeypatch):
    loaded = {}

    class FakeModel:
        def __init__(self, path, device):
            import os

            loaded.update(path=path, device=device, offline=os.environ.get("HF_HUB_OFFLINE"),
                          transformers_offline=os.environ.get("TRANSFORMERS_OFFLINE"))

        def encode(self, texts, **kwargs):
            assert kwargs["normalize_embeddings"] is True
            return np.eye(len(texts), 8, dtype=np.float32)

    monkeypatch.setitem(sys.modules, "sentence_transformers", types.SimpleNamespace(SentenceTransformer=FakeModel))
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "ortaq-alignment.json").write_text('{"prefix": "query: "}')
    be = get_backend(f"local:{tmp_path}", cache=EmbedCache())
    vecs = be.embed([Outcome("a", "weld", "en"), Outcome("b", "сварка", "ru")])
    assert vecs.shape == (2, 8)
    assert loaded == {"path": str(tmp_path), "device": "cpu", "offline": "1", "transformers_offline": "1"}
    assert be.version.startswith("local:sentence-transformers:") and be.version.endswith("query: ")


def test_a_dense_backend_folds_calibration_into_the_matmul_without_changing_the_z_scores():
    rng = np.random.default_rng(5)
    calib = Calibration("test", rng.uniform(0.1, 0.8, (4, 4)), rng.uniform(0.05, 0.3, (4, 4)))
    be = CountingBackend()
    langs = ["kk", "ru", "zh", "en"]
    src = sorted((Outcome(f"s{i}", f"text {i} {'x' * i}", langs[i % 4]) for i in range(12)), key=lambda o: o.lang)
    tgt = [Outcome(f"t{i}", f"target {i} {'y' * i}", langs[(i * 3) % 4]) for i in range(9)]
    folded = np.vstack([z for _, _, z in be.calibrated_z(src, tgt, block=5, calib=calib)])
    raw = be.similarity(src, tgt)
    direct = calib.z(raw, lang_indexes(be.effective_langs(src)), lang_indexes(be.effective_langs(tgt)))
    assert np.allclose(folded, direct, atol=1e-4)
