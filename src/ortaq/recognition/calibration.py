"""From the engine's module score to the probability that a coordinator accepts the proposal, learnt from the
coordinators' own decisions (AlignmentDecision).

The engine's score is already a calibrated probability that outcomes are equivalent, fitted on benchmark data
(docs/alignment.md); whether coordinators of a given college accept a proposal at a given score is a different
question, answered by their decisions. The fit is Platt scaling on the logit of the engine's score,

    P(accept) = 1 / (1 + exp(-(a * logit(score) + b)))

two parameters, so a few dozen decisions suffice and the order of proposals never changes (a > 0 is kept). It
is refitted by `ortaq manage alignment_refit` (MIN_DECISIONS at least) and judged by the expected calibration
error (ECE, 10 equal-width bins) on the decisions, before (the engine's score taken as the probability) and
after. Pure numpy: no Django here.

When the engine gives, with each proposal, the features of its module model (coverage, weakest home outcome, share
covered, use of the abroad outcomes, credit ratio) and offers `fit_from_labelled_pairs`, and every stored decision
carries those features, the refit uses the engine's model instead (ENGINE_METHOD): more to learn from than one
score, with the engine's guarantee that the probability never falls when a feature rises.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

MIN_DECISIONS = 30
PLATT_METHOD = "platt-logit"
ENGINE_METHOD = "engine-module"  # the engine's module model (calibration.fit_from_labelled_pairs) refitted here
BINS = 10
RIDGE = 0.01  # keeps a, b finite when every decision agrees (all accepted at high scores)
_EPS = 1e-4


def _logit(scores: Sequence[float]) -> np.ndarray:
    p = np.clip(np.asarray(scores, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def expected_calibration_error(probabilities: Sequence[float], labels: Sequence[bool], bins: int = BINS) -> float:
    """Sum over equal-width bins of |mean predicted - share accepted|, weighted by the bin's share of decisions."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if not len(p):
        return 0.0
    index = np.minimum((p * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            error += mask.mean() * abs(p[mask].mean() - y[mask].mean())
    return float(error)


def fit(scores: Sequence[float], labels: Sequence[bool]) -> dict[str, float]:
    """Platt scaling by Newton's method on the ridge-penalised log-loss: {"a", "b"}."""
    x = _logit(scores)
    y = np.asarray(labels, dtype=np.float64)
    a, b = 1.0, 0.0

    def loss(a: float, b: float) -> float:
        t = a * x + b
        return float(np.sum(np.logaddexp(0, t) - y * t) / len(x) + 0.5 * RIDGE * ((a - 1) ** 2 + b * b))

    current = loss(a, b)
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(a * x + b, -50, 50)))
        w = p * (1 - p) / len(x)
        g = np.array([np.sum((p - y) * x) / len(x) + RIDGE * (a - 1), np.sum(p - y) / len(x) + RIDGE * b])
        h = np.array([[np.sum(w * x * x) + RIDGE, np.sum(w * x)], [np.sum(w * x), np.sum(w) + RIDGE]])
        step = np.linalg.solve(h, g)
        length = 1.0
        while length > 1e-6 and loss(a - length * step[0], b - length * step[1]) > current:
            length /= 2
        a, b = a - length * step[0], b - length * step[1]
        new = loss(a, b)
        if current - new < 1e-12:
            break
        current = new
    # A negative slope would rank proposals upside down; with so few parameters it means the data say nothing.
    return {"a": max(float(a), 0.0), "b": float(b)}


def apply(parameters: dict[str, float], score: float) -> float:
    t = parameters["a"] * float(_logit([score])[0]) + parameters["b"]
    return 1 / (1 + math.exp(-max(-50.0, min(50.0, t))))


def engine_fit():
    """The engine's module-model fit, if this engine offers one (it arrived after this module; an older engine lacks it)."""
    from ortaq.engines.alignment import calibration as engine_calibration

    return getattr(engine_calibration, "fit_from_labelled_pairs", None)


def apply_engine_model(model: dict, features: dict) -> float:
    from ortaq.engines.alignment import calibration as engine_calibration

    return float(engine_calibration.module_probability(model, features))
