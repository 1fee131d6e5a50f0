"""Alignment operations: outcome-to-outcome matches and module-to-module proposals with evidence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from . import calibration as cal
from .backends import Backend, get_backend
from .lexical import shared_terms
from .model import (
    AlignmentInputError,
    Match,
    ModuleProposal,
    Outcome,
    OutcomePair,
    check_unique,
)
from .search import top_k_rows

# A home outcome is covered when its best abroad outcome (1) scores at least COVERED (a calibrated
# probability: the raw threshold it stands for differs per backend and language pair) and (2) has that home
# outcome as its own best match in the module (mutual best: a rank-based check). Chosen on the calibration
# specialties: the highest precision that kept recall at 1.0 there (docs/benchmarks.md).
COVERED = 0.7
HOME_WEIGHT = 0.8  # module score: 0.8 x coverage of the home module + 0.2 x use of the abroad outcomes
# ModuleProposal.explanation codes, from the calibrated probability of acceptance (the page words them).
EXPLANATIONS = {
    "likely": "a person is likely to accept this proposal (probability >= 0.7)",
    "possible": "a person may accept this proposal (probability 0.3-0.7): check the uncovered outcomes",
    "unlikely": "a person is unlikely to accept this proposal (probability < 0.3)",
    "no_outcomes": "one side has no outcomes to compare",
}
LIKELY, POSSIBLE = 0.7, 0.3
# Backends without a module model of their own (an operator's local model) use the default's: its features
# are calibrated probabilities, comparable across backends.
FALLBACK_MODULE_MODEL = "e5+lexical"


def _outcomes(items: Sequence[Outcome], what: str) -> list[Outcome]:
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise AlignmentInputError(f"{what} must be a list of outcomes")
    out = [o if isinstance(o, Outcome) else Outcome.from_dict(o, where=f"{what}[{i}]") for i, o in enumerate(items)]
    check_unique(out, what)
    return out


def align(sources: Sequence[Outcome], targets: Sequence[Outcome], k: int = 5,
          backend: str | Backend = "default", *, block: int = 2048, hubness_k: int = 0) -> dict[str, list[Match]]:
    """The k best targets for each source outcome, best first.

    Ranking uses the language-pair-normalised similarity (z), so a Chinese source is ranked fairly
    against a mixed kk/ru target list; ``Match.score`` is the calibrated probability of equivalence.
    """
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise AlignmentInputError(f"k must be a positive integer, got {k!r}")
    src = _outcomes(sources, "sources")
    tgt = _outcomes(targets, "targets")
    be = get_backend(backend)
    result: dict[str, list[Match]] = {o.id: [] for o in src}
    if not src or not tgt:
        return result
    # Process sources grouped by (effective) language: calibration is then one vector operation per run.
    langs = be.effective_langs(src)
    order = sorted(range(len(src)), key=lambda i: langs[i])
    src_sorted = [src[i] for i in order]
    calib = be.calibration() or be.calibration_for(src_sorted, tgt)
    tgt_ids = [o.id for o in tgt]
    hub = _hubs(be, src_sorted, tgt, block, calib, hubness_k) if hubness_k > 0 else None
    for start, _stop, z in be.calibrated_z(src_sorted, tgt, block, calib):
        ranked = z if hub is None else z - hub
        top = top_k_rows(ranked, k + 1)
        picked = np.take_along_axis(z, top, axis=1)
        on_scale = picked if hub is None else np.take_along_axis(ranked, top, axis=1)  # margins: the ranking's scale
        n = min(k, top.shape[1])
        probs = calib.prob(picked[:, :n]).tolist()
        nxt = np.concatenate([on_scale[:, 1:], on_scale[:, -1:]], axis=1)
        margins = (on_scale - nxt)[:, :n].tolist()
        zs = picked[:, :n].tolist()
        tops = top[:, :n].tolist()
        for r in range(z.shape[0]):
            pr, mr, zr, tr = probs[r], margins[r], zs[r], tops[r]
            result[src_sorted[start + r].id] = [
                Match(target=tgt_ids[tr[c]], score=pr[c], z=zr[c], margin=mr[c], rank=c + 1) for c in range(n)]
    return result


def _hubs(be: Backend, src: list[Outcome], tgt: list[Outcome], block: int, calib, k: int) -> np.ndarray:
    """Half of each target's mean z over its k best sources (one streaming pass: a k x targets buffer)."""
    best = np.full((0, len(tgt)), -np.inf, dtype=np.float32)
    for _, _, z in be.calibrated_z(src, tgt, block, calib):
        both = np.vstack([best, z])
        keep = min(k, both.shape[0])
        best = np.partition(both, both.shape[0] - keep, axis=0)[-keep:]
    return (0.5 * best.mean(axis=0))[None, :].astype(np.float32)


def module_model(backend: Backend) -> dict | None:
    key = backend.calibration_key or FALLBACK_MODULE_MODEL
    return cal.stored_module_model(key) or cal.stored_module_model(FALLBACK_MODULE_MODEL)


def _explain(probability: float | None, score: float) -> str:
    value = score if probability is None else probability
    return "likely" if value >= LIKELY else "possible" if value >= POSSIBLE else "unlikely"


def module_proposal(home_outcomes: Sequence[Outcome], abroad_outcomes: Sequence[Outcome],
                    backend: str | Backend = "default", *, credit_ratio: float | None = None,
                    module: str = "home") -> ModuleProposal:
    """One home module against one abroad module: the calibrated probability that a person accepts the
    proposal, the outcome pairs with their scores and shared terms, and the uncovered home outcomes (the
    candidates for "substantial differences"). ``credit_ratio``: abroad credits (or hours) / home credits."""
    ratios = None if credit_ratio is None else {module: credit_ratio}
    return compare_modules(abroad_outcomes, {module: home_outcomes}, backend, credit_ratio=ratios)[0]


def compare_modules(abroad: Sequence[Outcome], home: Mapping[str, Sequence[Outcome]],
                    backend: str | Backend = "default", *,
                    credit_ratio: Mapping[str, float] | None = None) -> list[ModuleProposal]:
    """Propose home modules for recognising an abroad module, best first, with outcome-level evidence.

    For each home module: every abroad outcome is paired with its best home outcome (score and margin
    over the module's next-best outcome, in z units; with a single outcome, over an average non-match),
    and every home outcome with its best abroad outcome (``home_best``, margin over the next-best abroad
    outcome). A home outcome is covered when that pair reaches the calibrated score ``COVERED`` and is a
    mutual best; an abroad outcome is unused when it covers nothing in the module. Every pair carries the
    terms its two outcomes share; every proposal its probability of acceptance (``module_model``), with
    ``credit_ratio`` {module id: abroad credits / home credits} as one of its features where known.
    """
    src = _outcomes(abroad, "abroad outcomes")
    if not isinstance(home, Mapping):
        raise AlignmentInputError("home must be a mapping {module id: [outcomes]}")
    modules: list[tuple[str, list[Outcome]]] = []
    for mid, items in home.items():
        modules.append((str(mid), _outcomes(items, f"home module {mid!r}")))
    be = get_backend(backend)
    flat = [o for _, items in modules for o in items]
    if not src or not flat:
        return [ModuleProposal(module=mid, score=0.0, coverage=0.0, uncovered=[o.id for o in items],
                               unused=[o.id for o in src], probability=0.0 if items or src else None,
                               explanation="no_outcomes") for mid, items in modules]
    model = module_model(be)
    terms: dict[tuple[int, int], tuple[tuple[str, ...], tuple[str, ...]]] = {}
    # Outcome ids need only be unique within a module: work by position.
    calib = be.calibration() or be.calibration_for(src, flat)
    z = np.vstack([blk for _, _, blk in be.calibrated_z(src, flat, calib=calib)])
    p = calib.prob(z)
    proposals = []
    col = 0
    for mid, items in modules:
        n = len(items)
        if n == 0:
            proposals.append(ModuleProposal(module=mid, score=0.0, coverage=0.0, unused=[o.id for o in src],
                                            probability=0.0, explanation="no_outcomes"))
            continue

        def shared(a: int, h: int, items: list[Outcome] = items, base: int = col) -> tuple[tuple[str, ...], ...]:
            key = (a, base + h)
            if key not in terms:
                left, right = shared_terms(src[a], items[h])
                terms[key] = (tuple(left), tuple(right))
            return terms[key]

        zm, pm = z[:, col : col + n], p[:, col : col + n]
        col += n
        best_h = zm.argmax(axis=1)
        pairs = []
        for a, h in enumerate(best_h):
            if n > 1:
                second = np.partition(zm[a], n - 2)[n - 2]
                margin = float(zm[a, h] - second)
            else:
                margin = float(zm[a, h])
            ss, st = shared(a, int(h))
            pairs.append(OutcomePair(source=src[a].id, target=items[h].id, score=float(pm[a, h]), margin=margin,
                                     shared_source=ss, shared_target=st))
        pairs.sort(key=lambda pr: -pr.score)
        best_a = pm.argmax(axis=0)
        best_p_home = pm.max(axis=0)
        home_best = {}
        for h in range(n):
            ranked = np.sort(zm[:, h])
            margin = float(ranked[-1] - ranked[-2]) if len(ranked) > 1 else float(ranked[-1])
            ss, st = shared(int(best_a[h]), h)
            home_best[items[h].id] = OutcomePair(source=src[best_a[h]].id, target=items[h].id,
                                                 score=float(best_p_home[h]), margin=margin,
                                                 shared_source=ss, shared_target=st)
        is_covered = [best_p_home[h] >= COVERED and best_h[best_a[h]] == h for h in range(n)]
        covered = {items[h].id: src[best_a[h]].id for h in range(n) if is_covered[h]}
        uncovered = [items[h].id for h in range(n) if not is_covered[h]]
        used = {best_a[h] for h in range(n) if is_covered[h]}
        unused = [src[a].id for a in range(len(src)) if a not in used]
        coverage = float(best_p_home.mean())
        use = float(pm.max(axis=1).mean())
        score = HOME_WEIGHT * coverage + (1 - HOME_WEIGHT) * use
        feats = cal.module_features(pm, len(covered), (credit_ratio or {}).get(mid))
        probability = float(cal.module_probability(model, feats)) if model else None
        proposals.append(ModuleProposal(module=mid, score=score, coverage=coverage, pairs=pairs, covered=covered,
                                        uncovered=uncovered, unused=unused, home_best=home_best,
                                        probability=probability, features=feats,
                                        explanation=_explain(probability, score)))
    proposals.sort(key=lambda m: (-m.score, m.module))
    return proposals


def recommend_offers(student: Sequence[Outcome], offers: Mapping[str, Sequence[Outcome]],
                     backend: str | Backend = "default") -> list[ModuleProposal]:
    """Rank internship offers by how well a student's outcomes cover each offer's tasks (same evidence
    as ``compare_modules``: which tasks the student is prepared for, which are new to them)."""
    return compare_modules(student, offers, backend)
