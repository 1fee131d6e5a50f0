"""A dense model's vectors are centred per language with means fitted on fitting data only (issue 17)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from ortaq.engines.alignment import LANGS, E5Backend, EmbedCache, Outcome
from ortaq.engines.alignment import centring
from ortaq.engines.alignment.backends import DenseBackend

DATA = Path(__file__).resolve().parents[2] / "data" / "alignment"
# The benchmark's calibration specialties (bench/alignment.py CALIBRATION_SPECIALTIES); its other specialties are
# the test part of the translation benchmark and must not shape the means either.
CALIBRATION_SPECIALTIES = {"welding", "logistics", "software/IT", "construction"}


def _stored():
    return json.loads(resources.files("ortaq.engines.alignment").joinpath(centring.FILE).read_text("utf-8"))


def test_the_stored_means_were_fitted_without_a_single_held_out_competence_or_test_specialty():
    split = {}
    for line in (DATA / "independent.jsonl").read_text("utf-8").splitlines():
        item = json.loads(line)
        split[item["competence"]] = item["split"]
    models = _stored()["models"]
    assert models
    for version, entry in models.items():
        fitted = entry["fitted_on"]
        used = fitted["independent_competences"]
        assert used and all(split[c] in {"train", "calibration"} for c in used), version
        assert not {c for c in used if split[c] == "heldout"}
        assert set(fitted["benchmark_specialties"]) <= CALIBRATION_SPECIALTIES
        assert set(entry["means"]) == set(LANGS)
        assert all(n >= 20 for n in fitted["items_per_language"].values())


def test_the_bundled_model_has_means_for_both_prefixes_so_an_upgraded_model_cannot_run_on_stale_ones():
    for prefix in ("query", "passage"):
        backend = E5Backend(EmbedCache(), prefix=prefix)
        means = backend.language_means()
        assert means is not None and set(means) == set(LANGS)
        assert all(v.shape == (384,) and np.isfinite(v).all() for v in means.values())
        assert backend.describe()["language-centred"] is True
    plain = E5Backend(EmbedCache(), centred=False)
    assert plain.language_means() is None and plain.calibration_key == "e5-uncentred"
    assert plain.calibration() is not None  # the plain model is calibrated on its own scores


def test_centring_removes_what_all_sentences_of_a_language_share_and_keeps_unit_length():
    rng = np.random.default_rng(7)
    content = rng.normal(size=(6, 16))
    offset = {"kk": rng.normal(size=16) * 3, "zh": rng.normal(size=16) * 3}
    kk = content + offset["kk"]
    zh = content[::-1] + offset["zh"]  # zh row i says what kk row 5 - i says
    norm = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
    means = {"kk": kk.mean(axis=0), "zh": zh.mean(axis=0)}
    before = norm(kk) @ norm(zh).T
    out_kk = centring.centred(norm(kk).astype(np.float32), ["kk"] * 6, {k: norm(v[None])[0] for k, v in means.items()})
    out_zh = centring.centred(norm(zh).astype(np.float32), ["zh"] * 6, {k: norm(v[None])[0] for k, v in means.items()})
    after = out_kk @ out_zh.T
    assert np.allclose(np.linalg.norm(out_kk, axis=1), 1.0, atol=1e-5)
    right = np.arange(6)[::-1]
    # The shared language offsets drown the content before; after centring every sentence finds its equivalent.
    assert (before.argmax(axis=1) == right).sum() < 6
    assert (after.argmax(axis=1) == right).all()


def test_rows_of_a_language_without_a_mean_are_left_as_they_are():
    vecs = np.eye(3, dtype=np.float32)
    out = centring.centred(vecs, ["kk", "en", "kk"], {"kk": np.array([0, 0.5, 0], dtype=np.float32)})
    assert np.allclose(out[1], vecs[1])
    assert np.allclose(out[0], np.array([1, -0.5, 0]) / np.sqrt(1.25))
    assert np.allclose(out[2], np.array([0, -0.5, 1]) / np.sqrt(1.25))


def test_fitting_means_needs_every_language_and_enough_items_of_each():
    ok = {lang: np.ones((20, 4)) for lang in LANGS}
    means = centring.fit_means(ok)
    assert set(means) == set(LANGS) and means["kk"].dtype == np.float32
    with pytest.raises(ValueError, match="missing: zh"):
        centring.fit_means({k: v for k, v in ok.items() if k != "zh"})
    with pytest.raises(ValueError, match="kk has 3 items"):
        centring.fit_means({**ok, "kk": np.ones((3, 4))})


class _Stand(DenseBackend):
    """A dense backend whose version has no stored means (an operator's local model)."""

    name = "stand-in"
    version = "stand-in/1"

    def encode(self, texts):
        rng = np.random.default_rng(len(texts))
        v = rng.normal(size=(len(texts), 8)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_a_model_without_stored_means_is_used_as_it_is():
    cache = EmbedCache()
    backend = _Stand(cache)
    outcomes = [Outcome("a", "weld a seam", "en"), Outcome("b", "сварить шов", "ru")]
    assert backend.language_means() is None
    assert np.array_equal(backend.embed(outcomes), cache.embed(backend.version, ["weld a seam", "сварить шов"],
                                                               backend.encode))
    assert backend.describe()["language-centred"] is False


def test_the_engine_fingerprint_changes_with_its_calibration_or_language_means_and_not_otherwise(monkeypatch):
    from ortaq.engines.alignment import FusedBackend, get_backend

    before = get_backend("default", cache=EmbedCache()).fingerprint()
    assert before == get_backend("default", cache=EmbedCache()).fingerprint() and before.startswith("default@")
    assert FusedBackend(E5Backend(EmbedCache()), weight=0.5, name="default").fingerprint() != before
    stored = centring._stored()
    shifted = json.loads(json.dumps(stored))
    version = E5Backend(EmbedCache()).version
    shifted["models"][version]["means"]["kk"][0] += 0.01
    monkeypatch.setattr(centring, "_stored", lambda: shifted)
    assert get_backend("default", cache=EmbedCache()).fingerprint() != before
