"""Per-backend score calibration.

Raw similarities are not comparable across backends or language pairs: the bundled e5 model scores any
two Russian sentences higher than a Russian sentence and its exact Chinese translation's nearest rival,
and the lexical channel scores cross-script pairs through glossary terms only. So for every backend and
every (source language, target language) pair we keep the mean and spread of the raw similarity of
NON-matching pairs (measured on the calibration specialties of the benchmark) and rank by

    z = (raw - mean[src, tgt]) / sd[src, tgt]

and report ``score = sigmoid(a * z + b)``, a probability that the pair is equivalent, fitted on the same
calibration specialties. A backend with no stored calibration (an operator's local model) is normalised
within the request: mean and sd are taken over the request's own score matrix, per language pair.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from .model import LANGS

_LANG_INDEX = {lang: i for i, lang in enumerate(LANGS)}
RIDGE = 0.001


@dataclass
class Calibration:
    key: str
    mean: np.ndarray  # (4, 4) by LANGS index: source language x target language
    sd: np.ndarray
    a: float = 1.0
    b: float = -4.0
    fitted: bool = True
    meta: dict[str, Any] = field(default_factory=dict)

    def z(self, raw: np.ndarray, src_langs: np.ndarray, tgt_langs: np.ndarray) -> np.ndarray:
        """raw: (n_src, n_tgt); *_langs: integer language indexes of each row / column."""
        out = np.empty(raw.shape, dtype=np.float32)
        # Runs of rows in the same source language (engine.align sorts sources by language): one
        # vectorised subtract-and-scale per run, on contiguous slices.
        bounds = np.flatnonzero(np.diff(src_langs)) + 1
        for a, b in zip(np.r_[0, bounds], np.r_[bounds, len(src_langs)], strict=True):
            lang = src_langs[a]
            mu = self.mean[lang, tgt_langs].astype(np.float32)
            inv_sd = (1.0 / self.sd[lang, tgt_langs]).astype(np.float32)
            np.subtract(raw[a:b], mu, out=out[a:b])
            out[a:b] *= inv_sd
        return out

    def prob(self, z: np.ndarray | float) -> np.ndarray:
        x = np.clip(self.a * np.asarray(z, dtype=np.float64) + self.b, -50.0, 50.0)
        return 1.0 / (1.0 + np.exp(-x))

    def to_json(self) -> dict[str, Any]:
        pairs = {f"{s}>{t}": [round(float(self.mean[i, j]), 6), round(float(self.sd[i, j]), 6)]
                 for s, i in _LANG_INDEX.items() for t, j in _LANG_INDEX.items()}
        return {"pairs": pairs, "a": round(self.a, 6), "b": round(self.b, 6), "meta": self.meta}

    @classmethod
    def from_json(cls, key: str, data: dict[str, Any]) -> Calibration:
        mean = np.zeros((len(LANGS), len(LANGS)))
        sd = np.ones((len(LANGS), len(LANGS)))
        for name, (mu, sigma) in data["pairs"].items():
            s, t = name.split(">")
            mean[_LANG_INDEX[s], _LANG_INDEX[t]] = mu
            sd[_LANG_INDEX[s], _LANG_INDEX[t]] = max(float(sigma), 1e-6)
        return cls(key=key, mean=mean, sd=sd, a=float(data["a"]), b=float(data["b"]), meta=data.get("meta", {}))


def lang_indexes(langs: list[str]) -> np.ndarray:
    return np.fromiter((_LANG_INDEX[lang] for lang in langs), dtype=np.intp, count=len(langs))


@lru_cache(maxsize=1)
def _stored() -> dict[str, Any]:
    try:
        return json.loads(resources.files(__package__).joinpath("calibration.json").read_text("utf-8"))
    except FileNotFoundError:
        return {}


def stored_calibration(key: str) -> Calibration | None:
    data = _stored().get("backends", {}).get(key)
    return Calibration.from_json(key, data) if data else None


def self_calibration(key: str, raw: np.ndarray, src: np.ndarray, tgt: np.ndarray) -> Calibration:
    """Normalise within the request (for backends without a stored calibration)."""
    mean = np.zeros((len(LANGS), len(LANGS)))
    sd = np.ones((len(LANGS), len(LANGS)))
    flat = raw.ravel()
    g_mu, g_sd = (float(flat.mean()), float(flat.std()) or 1.0) if flat.size else (0.0, 1.0)
    mean[:] = g_mu
    sd[:] = g_sd
    for i in np.unique(src):
        rows = raw[src == i]
        for j in np.unique(tgt):
            block = rows[:, tgt == j]
            if block.size >= 4:
                mean[i, j] = block.mean()
                sd[i, j] = block.std() or g_sd
    return Calibration(key=key, mean=mean, sd=sd, a=1.2, b=-3.0, fitted=False)


def fit(key: str, raw_by_pair: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]) -> Calibration:
    """Fit from {(src, tgt): (raw scores of matching pairs, raw scores of non-matching pairs)}."""
    mean = np.zeros((len(LANGS), len(LANGS)))
    sd = np.ones((len(LANGS), len(LANGS)))
    pooled_neg = np.concatenate([neg for _, neg in raw_by_pair.values()])
    mean[:] = pooled_neg.mean()
    sd[:] = pooled_neg.std() or 1.0
    zs, ys = [], []
    for (s, t), (pos, neg) in raw_by_pair.items():
        i, j = _LANG_INDEX[s], _LANG_INDEX[t]
        mean[i, j] = neg.mean()
        sd[i, j] = max(float(neg.std()), 1e-6)
        zs.append((pos - mean[i, j]) / sd[i, j])
        ys.append(np.ones(len(pos)))
        zs.append((neg - mean[i, j]) / sd[i, j])
        ys.append(np.zeros(len(neg)))
    z = np.concatenate(zs)
    y = np.concatenate(ys)
    # Balance the classes (there are ~n times more non-matching pairs), then a 2-parameter logistic fit.
    w = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))
    lam = RIDGE  # keeps the fit finite when the calibration data are (nearly) separable

    def loss(a: float, b: float) -> float:
        x = a * z + b
        return float(np.sum(w * (np.logaddexp(0, x) - y * x)) + 0.5 * lam * (a * a + b * b))

    a, b = 1.0, 0.0
    current = loss(a, b)
    for _ in range(200):  # damped Newton steps on the weighted, ridge-penalised log-loss
        p = 1 / (1 + np.exp(-np.clip(a * z + b, -50, 50)))
        g = np.array([np.sum(w * (p - y) * z) + lam * a, np.sum(w * (p - y)) + lam * b])
        h11 = np.sum(w * p * (1 - p) * z * z) + lam
        h12 = np.sum(w * p * (1 - p) * z)
        h22 = np.sum(w * p * (1 - p)) + lam
        det = h11 * h22 - h12 * h12
        step = np.array([h22 * g[0] - h12 * g[1], -h12 * g[0] + h11 * g[1]]) / det
        length = 1.0
        while length > 1e-6 and loss(a - length * step[0], b - length * step[1]) > current:
            length /= 2
        a, b = a - length * step[0], b - length * step[1]
        new = loss(a, b)
        if current - new < 1e-12:
            break
        current = new
    return Calibration(key=key, mean=mean, sd=sd, a=float(a), b=float(b),
                       meta={"positives": int(y.sum()), "negatives": int((1 - y).sum()), "ridge": lam,
                             "classes": "balanced: score 0.5 = match and non-match equally likely at even odds"})



# ------------------------------------------------------------------------------ module-level probability
# A proposal's probability that a person accepts it, from features of the module pair (each in 0..1, higher
# = more in favour). The fitted model is logistic with non-negative weights, so the probability never falls
# when a feature rises (a proposal that covers more cannot become less likely to be accepted).
MODULE_FEATURES: tuple[str, ...] = ("coverage", "min_home", "covered_share", "use", "credit_ratio")
MODULE_RIDGE = 1e-4


def module_features(p: np.ndarray, covered: int, credit_ratio: float | None = None) -> dict[str, float]:
    """Features of one module pair from its calibrated outcome-pair probabilities ``p`` (abroad x home),
    the number of covered home outcomes, and the abroad/home credit (or hours) ratio if known."""
    best_home = p.max(axis=0)
    ratio = 1.0 if credit_ratio is None or not np.isfinite(credit_ratio) else float(min(max(credit_ratio, 0.0), 1.0))
    return {"coverage": float(best_home.mean()), "min_home": float(best_home.min()),
            "covered_share": covered / p.shape[1], "use": float(p.max(axis=1).mean()), "credit_ratio": ratio}


def _row(features: Any) -> list[float]:
    source = features.get("features", features) if isinstance(features, dict) else features
    try:
        return [float(source[name]) for name in MODULE_FEATURES]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"a labelled pair needs the features {', '.join(MODULE_FEATURES)}: {exc}") from None


def fit_from_labelled_pairs(pairs: Any, *, require_split: bool = False) -> dict[str, Any]:
    """Fit the module-level probability from labelled module pairs; returns the model as plain JSON types.

    Each pair is a mapping with the features (``MODULE_FEATURES``, at top level or under ``"features"``) and
    ``"accepted"`` (bool or 0/1: did / would a person accept the proposal). Used by the benchmark (pairs built
    from the calibration split) and by the recognition app to refit from coordinators' decisions. A pair
    marked ``"split": "heldout"`` is refused (``splits.HeldOutLeak``); with ``require_split`` so is a pair
    without a split. Natural class frequencies (not balanced): the output is meant to read as a probability.
    """
    from .splits import HeldOutLeak, require_fitting

    pairs = list(pairs)
    if require_split:
        require_fitting(pairs, "module probability fit")
    elif any(isinstance(p, dict) and p.get("split") == "heldout" for p in pairs):
        raise HeldOutLeak("module probability fit: held-out pairs may not be fitted on")
    if not pairs:
        raise ValueError("no labelled pairs to fit on")
    x = np.array([_row(p) for p in pairs], dtype=np.float64)
    y = np.array([float(bool(p["accepted"])) for p in pairs])
    active = list(range(len(MODULE_FEATURES)))
    while True:  # active set: refit without any feature whose weight came out negative
        w, b = _logistic(x[:, active], y)
        if (w >= 0).all():
            break
        active = [f for f, wf in zip(active, w, strict=True) if wf >= 0]
    weights = [0.0] * len(MODULE_FEATURES)
    for f, wf in zip(active, w, strict=True):
        weights[f] = round(float(wf), 6)
    model = {"kind": "logistic, non-negative weights", "features": list(MODULE_FEATURES), "weights": weights,
             "bias": round(float(b), 6), "pairs": len(pairs), "accepted": int(y.sum()), "ridge": MODULE_RIDGE}
    probs = module_probability(model, x)
    model["ece_on_fitted_pairs"] = round(expected_calibration_error(probs, y), 4)
    return model


def _logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Ridge-penalised logistic regression by damped Newton steps (features are few; data up to ~1e5 rows)."""
    n, d = x.shape
    xa = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    lam = np.r_[np.full(d, MODULE_RIDGE), 1e-6]

    def loss(t: np.ndarray) -> float:
        s = xa @ t
        return float(np.mean(np.logaddexp(0, s) - y * s) + 0.5 * np.sum(lam * t * t))

    current = loss(theta)
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(xa @ theta, -50, 50)))
        grad = xa.T @ (p - y) / n + lam * theta
        hess = (xa * (p * (1 - p))[:, None]).T @ xa / n + np.diag(lam)
        step = np.linalg.solve(hess, grad)
        length = 1.0
        while length > 1e-8 and loss(theta - length * step) > current:
            length /= 2
        theta = theta - length * step
        new = loss(theta)
        if current - new < 1e-12:
            break
        current = new
    return theta[:d], float(theta[d])


def module_probability(model: dict[str, Any], features: Any) -> np.ndarray:
    """Probability of acceptance for one feature mapping (returns a 0-d array) or an (n, 5) feature matrix."""
    if isinstance(features, dict):
        x = np.array(_row(features), dtype=np.float64)
    else:
        x = np.asarray(features, dtype=np.float64)
    s = x @ np.asarray(model["weights"], dtype=np.float64) + float(model["bias"])
    return 1.0 / (1.0 + np.exp(-np.clip(s, -50, 50)))


def stored_module_model(key: str) -> dict[str, Any] | None:
    return _stored().get("modules", {}).get(key)


def reliability_table(probs: Any, labels: Any, bins: int = 10) -> list[dict[str, float]]:
    """Equal-width bins of predicted probability: count, mean predicted, observed acceptance rate."""
    p = np.asarray(probs, dtype=np.float64).ravel()
    y = np.asarray(labels, dtype=np.float64).ravel()
    idx = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        m = idx == b
        n = int(m.sum())
        rows.append({"low": b / bins, "high": (b + 1) / bins, "n": n,
                     "predicted": float(p[m].mean()) if n else float("nan"),
                     "observed": float(y[m].mean()) if n else float("nan")})
    return rows


def expected_calibration_error(probs: Any, labels: Any, bins: int = 10) -> float:
    """ECE: sum over equal-width bins of (share of items in the bin) x |mean predicted - observed rate|."""
    rows = reliability_table(probs, labels, bins)
    total = sum(r["n"] for r in rows)
    if not total:
        raise ValueError("no items to compute the calibration error on")
    return float(sum(r["n"] / total * abs(r["predicted"] - r["observed"]) for r in rows if r["n"]))
