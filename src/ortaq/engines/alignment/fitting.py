"""Fitting steps that learn from labelled alignment data; each takes the items with their split and refuses
held-out ones (``splits.require_fitting``), so a held-out figure never measures what it was tuned on.

* ``mine_lexicon``: cross-language term pairs mined from competences written in several languages (train
  split only): a word stem (kk/ru/en, first 5 letters) or a Han bigram (zh) that co-occurs with one in another
  language across at least ``min_count`` competences, with Dice coefficient >= ``min_dice``. The lexical
  channel uses them like glossary terms (``LexicalBackend(lexicon=...)``).
* ``choose_fusion_weights``: the z-mix weights of the channels that maximise mean reciprocal rank of the
  right competence over the given queries (grid of step 0.1).
* Module probability: ``calibration.fit_from_labelled_pairs``.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .splits import require_fitting

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
STEM = 5


def lexicon_features(lang: str, text: str) -> set[str]:
    """Stems (first 5 letters of words of >= 3 letters, or Latin words of 2) and Han character bigrams."""
    norm = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    out: set[str] = set()
    for run in _HAN.findall(norm):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    for word in _WORD.findall(_HAN.sub(" ", norm)):
        if len(word) >= 3 or (word.isascii() and len(word) >= 2):
            out.add(word[:STEM])
    return out


def mine_lexicon(items: Iterable[Mapping[str, Any]], *, min_count: int = 2, min_dice: float = 0.6,
                 allowed: Iterable[str] = ("train",)) -> dict[str, Any]:
    """Items: {"competence", "lang", "text", "split"}. Returns {"terms": {"lang:feature": [term ids]}, ...}."""
    rows = require_fitting(items, "lexicon mining", allowed)
    feats: dict[tuple[str, str], set[str]] = defaultdict(set)
    for it in rows:
        feats[(it["competence"], it["lang"])] |= lexicon_features(it["lang"], it["text"])
    langs = sorted({lang for _, lang in feats})
    comps = sorted({c for c, _ in feats})
    terms: dict[str, set[str]] = defaultdict(set)
    for a, b in itertools.combinations(langs, 2):
        occ_a: dict[str, set[str]] = defaultdict(set)
        occ_b: dict[str, set[str]] = defaultdict(set)
        for c in comps:
            for f in feats.get((c, a), ()):
                occ_a[f].add(c)
            for f in feats.get((c, b), ()):
                occ_b[f].add(c)
        for fa, ca in occ_a.items():
            for fb, cb in occ_b.items():
                co = len(ca & cb)
                if co >= min_count and 2 * co / (len(ca) + len(cb)) >= min_dice:
                    tid = f"{a}:{fa}|{b}:{fb}"
                    terms[f"{a}:{fa}"].add(tid)
                    terms[f"{b}:{fb}"].add(tid)
    return {"terms": {k: sorted(v) for k, v in sorted(terms.items())}, "competences": len(comps),
            "min_count": min_count, "min_dice": min_dice, "pairs": sum(len(v) for v in terms.values()) // 2}


def choose_fusion_weights(channels: Mapping[str, Sequence[np.ndarray]], queries: Sequence[Mapping[str, Any]],
                          gold: Sequence[Sequence[int]], step: float = 0.1) -> dict[str, float]:
    """channels: {name: [z matrix per direction (queries x candidates)]}; queries: the query items (each with
    its "split"), the same rows in every matrix; gold: per direction, the right candidate's column per query.
    Returns the weights (summing to 1) with the best mean reciprocal rank."""
    require_fitting(queries, "fusion weights")
    names = list(channels)
    grid = np.round(np.arange(0, 1 + 1e-9, step), 6)
    best: tuple[float, tuple[float, ...]] = (-1.0, ())
    for combo in itertools.product(grid, repeat=len(names) - 1):
        last = 1.0 - sum(combo)
        if last < -1e-9:
            continue
        weights = (*combo, max(last, 0.0))
        mrr = []
        for d, cols in enumerate(gold):
            z = sum(w * channels[n][d] for n, w in zip(names, weights, strict=True))
            right = z[np.arange(len(cols)), cols]
            rank = pessimistic_rank(z, right)
            mrr.append(float(np.mean(1.0 / (rank + 1))))
        score = float(np.mean(mrr))
        if score > best[0] + 1e-12:
            best = (score, weights)
    return {n: round(float(w), 3) for n, w in zip(names, best[1], strict=True)}


def pessimistic_rank(z: np.ndarray, right: np.ndarray) -> np.ndarray:
    """0-based rank of each row's right candidate, ties counted against it (a tie is not a hit)."""
    return (z > right[:, None]).sum(axis=1) + (z == right[:, None]).sum(axis=1) - 1


def hubness_corrected(z: np.ndarray, k: int = 5) -> np.ndarray:
    """CSLS-style correction of a (queries x candidates) score matrix: subtract half of each candidate's mean
    score over its k best queries, so a candidate close to everything (a "hub") stops winning every query.
    Needs the request's queries together (it is a property of the whole matrix)."""
    if z.shape[0] == 0 or z.shape[1] == 0:
        return z
    k = min(k, z.shape[0])
    hub = np.sort(z, axis=0)[-k:].mean(axis=0)
    return z - 0.5 * hub[None, :]
