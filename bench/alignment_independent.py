"""Held-out figures on independently written outcomes (issue 17), used by bench/alignment.py.

Data: tests/data/alignment/independent.jsonl (150 competences x kk/ru/zh/en, each language by its own author,
split train / calibration / held-out by competence) and independent_module_pairs.jsonl (labelled module pairs,
held-out pairs built from held-out competences only). Every fitting step gets its items with their split and
refuses held-out ones (ortaq.engines.alignment.splits); every figure here is on the held-out part.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ortaq.engines.alignment import LANGS, EmbedCache, Outcome, get_backend, module_proposal
from ortaq.engines.alignment import calibration as cal
from ortaq.engines.alignment.backends import E5Backend, FusedBackend, LexicalBackend
from ortaq.engines.alignment.fitting import choose_fusion_weights, hubness_corrected, mine_lexicon, pessimistic_rank
from ortaq.engines.alignment.metrics import wilson

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "alignment"
DIRECTIONS = [(s, t) for s in LANGS for t in LANGS if s != t]
# Embeddings of the benchmark texts survive between runs here (git-ignored): the cold embedding of 600 texts
# takes minutes on a busy 2-core machine.
CACHE = EmbedCache(directory=ROOT / "var" / "embed-cache")


def load_items() -> tuple[list[dict], dict[tuple[str, str], dict], list[str], dict[str, str]]:
    items = [json.loads(x) for x in (DATA / "independent.jsonl").read_text("utf-8").splitlines()]
    by = {(it["competence"], it["lang"]): it for it in items}
    comps = sorted({it["competence"] for it in items})
    split = {it["competence"]: it["split"] for it in items}
    return items, by, comps, split


def load_module_pairs() -> list[dict]:
    return [json.loads(x) for x in (DATA / "independent_module_pairs.jsonl").read_text("utf-8").splitlines()]


def z_matrices(backend, by, comps) -> dict[tuple[str, str], np.ndarray]:
    """Per direction: z of every competence in the source language against every competence (the pool: all 150,
    near-miss neighbours included) in the target language."""
    out = {}
    for s, t in DIRECTIONS:
        src = [Outcome(c, by[(c, s)]["text"], s) for c in comps]
        tgt = [Outcome(c, by[(c, t)]["text"], t) for c in comps]
        out[(s, t)] = np.vstack([blk for _, _, blk in backend.calibrated_z(src, tgt)])
    return out


def recall(z: np.ndarray, rows: np.ndarray) -> tuple[int, int, int]:
    """(hits@1, hits@5, queries) for the given query rows; the right candidate of row i is column i."""
    rank = pessimistic_rank(z, np.diag(z))[rows]
    return int((rank < 1).sum()), int((rank < 5).sum()), int(rows.sum())


def evaluate(zs: dict[tuple[str, str], np.ndarray], rows: np.ndarray,
             transform: Callable[[np.ndarray], np.ndarray] | None = None) -> dict[str, dict]:
    out = {}
    for (s, t), z in zs.items():
        if transform is not None:
            z = transform(z)
        h1, h5, n = recall(z, rows)
        out[f"{s}>{t}"] = {"R@1": h1 / n, "R@5": h5 / n, "R@1 CI": wilson(h1, n), "R@5 CI": wilson(h5, n), "n": n}
    return out


def systems(comps, by, split, *, quick: bool, log=print) -> dict[str, dict]:
    """Every system and candidate, measured on the same held-out queries; fitting on train / calibration only."""
    held = np.array([split[c] == "heldout" for c in comps])
    calib_rows = np.array([split[c] == "calibration" for c in comps])
    train_rows = np.array([split[c] == "train" for c in comps])
    results: dict[str, dict] = {}
    t0 = time.perf_counter()
    z_lex = z_matrices(LexicalBackend(), by, comps)
    results["lexical"] = evaluate(z_lex, held)
    log(f"lexical: {time.perf_counter() - t0:.1f}s")
    if quick:
        return results
    results["e5 plain (model's vectors, not centred)"] = evaluate(
        z_matrices(E5Backend(CACHE, centred=False), by, comps), held)
    z_q = z_matrices(E5Backend(CACHE), by, comps)
    results["e5"] = evaluate(z_q, held)
    results["default"] = evaluate(z_matrices(get_backend("default", cache=CACHE), by, comps), held)
    z_p = z_matrices(E5Backend(CACHE, prefix="passage"), by, comps)
    results["e5 passage: prefix"] = evaluate(z_p, held)
    log(f"dense: {time.perf_counter() - t0:.1f}s")
    # Candidates. Mined lexicon: train items only; its threshold chosen on the calibration queries.
    items = [by[(c, lang)] for c in comps for lang in LANGS]
    train_items = [it for it in items if it["split"] == "train"]
    best_lex = None
    for dice in (0.5, 0.6, 0.7, 0.8):
        lexicon = mine_lexicon(train_items, min_dice=dice)
        z = z_matrices(LexicalBackend(lexicon=lexicon["terms"]), by, comps)
        mrr = np.mean([np.mean(1 / (1 + pessimistic_rank(zz, np.diag(zz))[calib_rows])) for zz in z.values()])
        log(f"mined lexicon dice {dice}: {lexicon['pairs']} pairs, calibration MRR {mrr:.4f}")
        if best_lex is None or mrr > best_lex[0]:
            best_lex = (mrr, dice, lexicon, z)
    assert best_lex is not None
    _, dice, lexicon, z_lexm = best_lex
    results[f"lexical + mined train lexicon (dice {dice})"] = evaluate(z_lexm, held)
    # Fusion weights: chosen on the train and calibration queries (MRR).
    fit_queries = [{"id": c, "split": split[c]} for c in comps if split[c] != "heldout"]
    fit_rows = train_rows | calib_rows
    gold = [np.flatnonzero(fit_rows)] * len(DIRECTIONS)

    def fit_channels(chans):
        return {n: [z[d][fit_rows] for d in DIRECTIONS] for n, z in chans.items()}

    chans = {"e5 query": z_q, "e5 passage": z_p, "lexical+mined": z_lexm}
    weights = choose_fusion_weights(fit_channels(chans), fit_queries, gold)
    log(f"fusion weights (train + calibration queries): {weights}")
    fused = {d: sum(w * chans[n][d] for n, w in weights.items()) for d in DIRECTIONS}
    label = "fused " + " + ".join(f"{w:g} {n}" for n, w in weights.items() if w)
    results[label] = evaluate(fused, held)
    results[label + ", hubness-corrected (k=5)"] = evaluate(fused, held, lambda z: hubness_corrected(z, 5))
    results["default, hubness-corrected (k=5)"] = evaluate(
        z_matrices(get_backend("default", cache=CACHE), by, comps), held, lambda z: hubness_corrected(z, 5))
    return results


def summary(per_dir: dict[str, dict]) -> dict[str, float]:
    r1 = [m["R@1"] for m in per_dir.values()]
    r5 = [m["R@5"] for m in per_dir.values()]
    return {"min R@1": min(r1), "mean R@1": float(np.mean(r1)), "min R@5": min(r5), "mean R@5": float(np.mean(r5))}


# ------------------------------------------------------------------------------------- module probability
def module_rows(backend, pairs: list[dict], by) -> tuple[list[dict], float]:
    """Features of every labelled module pair, from the engine's own module_proposal (what the dossier runs)."""
    rows = []
    t0 = time.perf_counter()
    for p in pairs:
        hl, al = p["home"]["lang"], p["abroad"]["lang"]
        home = [Outcome(f"h-{c}", by[(c, hl)]["text"], hl) for c in p["home"]["competences"]]
        abroad = [Outcome(f"a-{c}", by[(c, al)]["text"], al) for c in p["abroad"]["competences"]]
        prop = module_proposal(home, abroad, backend, credit_ratio=p["credit_ratio"])
        rows.append({"id": p["id"], "split": p["split"], "kind": p["kind"], "accepted": p["accepted"],
                     "features": prop.features, "direction": f"{al}>{hl}"})
    return rows, (time.perf_counter() - t0) / max(len(pairs), 1)


def module_calibration(backend_name: str, pairs: list[dict], by) -> dict:
    """Fit on the calibration pairs, report ECE and the reliability table on the held-out pairs."""
    be = get_backend(backend_name, cache=CACHE)
    rows, per_pair = module_rows(be, pairs, by)
    fit_rows = [r for r in rows if r["split"] != "heldout"]
    held_rows = [r for r in rows if r["split"] == "heldout"]
    model = cal.fit_from_labelled_pairs(fit_rows, require_split=True)
    x = np.array([[r["features"][f] for f in cal.MODULE_FEATURES] for r in held_rows])
    y = np.array([r["accepted"] for r in held_rows], dtype=float)
    probs = cal.module_probability(model, x)
    by_kind = {}
    for kind in sorted({r["kind"] for r in held_rows}):
        m = np.array([r["kind"] == kind for r in held_rows])
        by_kind[kind] = {"n": int(m.sum()), "mean probability": float(probs[m].mean()), "accepted": float(y[m].mean())}
    return {"backend": be.name, "key": be.calibration_key, "model": model, "fit pairs": len(fit_rows),
            "held-out pairs": len(held_rows), "ECE": cal.expected_calibration_error(probs, y, 10),
            "reliability": cal.reliability_table(probs, y, 10), "by kind": by_kind,
            "ms per proposal": per_pair * 1000}


def reliability_svg(rel: list[dict], title: str) -> str:
    """A small reliability diagram: predicted probability (x) vs observed acceptance (y), bin counts as labels."""
    w, h, pad = 320, 320, 40
    sx = lambda v: pad + v * (w - 2 * pad)  # noqa: E731
    sy = lambda v: h - pad - v * (h - 2 * pad)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="10">',
             f'<text x="{w / 2}" y="14" text-anchor="middle">{title}</text>',
             f'<rect x="{pad}" y="{pad}" width="{w - 2 * pad}" height="{h - 2 * pad}" fill="none" stroke="#999"/>',
             f'<line x1="{sx(0)}" y1="{sy(0)}" x2="{sx(1)}" y2="{sy(1)}" stroke="#bbb" stroke-dasharray="4 3"/>',
             f'<text x="{w / 2}" y="{h - 8}" text-anchor="middle">predicted probability of acceptance</text>',
             f'<text x="10" y="{h / 2}" transform="rotate(-90 10 {h / 2})" text-anchor="middle">observed acceptance rate</text>']
    pts = [(r["predicted"], r["observed"], r["n"]) for r in rel if r["n"]]
    if pts:
        parts.append('<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="'
                     + " ".join(f"{sx(p):.1f},{sy(o):.1f}" for p, o, _ in pts) + '"/>')
        for p, o, n in pts:
            parts.append(f'<circle cx="{sx(p):.1f}" cy="{sy(o):.1f}" r="3" fill="#1f6feb"/>'
                         f'<text x="{sx(p) + 4:.1f}" y="{sy(o) - 4:.1f}">{n}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
