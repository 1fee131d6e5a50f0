"""Language centring of a dense model's embeddings (issue 17).

A multilingual sentence model puts every sentence of one language a little to the same side: the mean vector of
a language's outcomes carries "this is Kazakh" more than "this is about welding". Cosine similarity then rewards
sharing a language, which is why two unrelated Russian outcomes can outscore a Russian outcome and its Chinese
equivalent. Subtracting each language's mean vector (then L2-normalising again) removes that shared part and
leaves the content. On the independently written held-out outcomes it lifts the bundled model's mean R@1 from
0.56 to 0.66 and its weakest direction from 0.29 to 0.49 (docs/alignment.md), for one subtraction per vector.

The means belong to a model *version* (model file and prefix), are fitted by ``bench/alignment.py calibrate`` on
fitting data only (the benchmark's calibration specialties and the train / calibration part of the independent
set; never held-out items) and are stored in ``language_means.json``. A model without stored means (an
operator's local model) is used as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from .model import LANGS

FILE = "language_means.json"


@lru_cache(maxsize=1)
def _stored() -> dict[str, Any]:
    try:
        return json.loads(resources.files(__package__).joinpath(FILE).read_text("utf-8"))
    except FileNotFoundError:
        return {}


def stored_means(version: str) -> dict[str, np.ndarray] | None:
    """The fitted mean vector per language for a model version, or None if there is none for it."""
    data = _stored().get("models", {}).get(version)
    if not data:
        return None
    return {lang: np.asarray(vec, dtype=np.float32) for lang, vec in data["means"].items()}


def fit_means(vectors: Mapping[str, np.ndarray], *, min_items: int = 20) -> dict[str, np.ndarray]:
    """{language: (n, d) embeddings of fitting items} -> {language: mean vector}.

    Every language of the engine is needed (a missing one would stay uncentred and so rank differently from the
    others), each from enough items that the mean is a property of the language, not of a few sentences.
    """
    missing = [lang for lang in LANGS if lang not in vectors]
    if missing:
        raise ValueError(f"language means need items in every language; missing: {', '.join(missing)}")
    out = {}
    for lang in LANGS:
        vecs = np.asarray(vectors[lang], dtype=np.float64)
        if vecs.ndim != 2 or len(vecs) < min_items:
            raise ValueError(f"language means: {lang} has {len(vecs)} items, at least {min_items} are needed")
        out[lang] = vecs.mean(axis=0).astype(np.float32)
    return out


def centred(vectors: np.ndarray, langs: Sequence[str], means: Mapping[str, np.ndarray]) -> np.ndarray:
    """Subtract each row's language mean and L2-normalise again (rows of a language without a mean keep theirs)."""
    if not len(vectors):
        return vectors
    lang_of_row = np.asarray(langs)
    out = vectors.astype(np.float32, copy=True)
    for lang in set(langs):
        if lang in means:
            out[lang_of_row == lang] -= means[lang]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    out /= norms
    return out


def to_json(means: Mapping[str, np.ndarray]) -> dict[str, list[float]]:
    return {lang: [round(float(x), 7) for x in means[lang]] for lang in LANGS}
