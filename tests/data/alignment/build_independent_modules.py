"""Deterministic generator of independent_module_pairs.jsonl from independent.jsonl (seed 17).

    uv run python tests/data/alignment/build_independent_modules.py

Modules are sets of competences of one specialty, each side written in its own language by its own author
(independent.jsonl). Pairs never mix splits: held-out pairs use held-out competences only, fitting pairs
(split "calibration") use train and calibration competences only. Kinds and the acceptance label (would a
coordinator accept the abroad module for the home module?), a rule written before any score was computed:

* equivalent: the abroad module teaches every home competence (in another language), credits comparable -> 1
* extended: every home competence plus one more of the specialty -> 1
* most: 3 of the 4 home competences plus one other of the specialty -> 1 (75 % covered, one gap to note)
* half: 2 of 4 plus two others of the specialty -> 0 (half the module would be a substantial difference)
* short: every home competence but 40 % of the home credits -> 0 (credits too far apart)
* near-miss: competences of the neighbouring specialty (welding vs cutting, ...), the parallel ones where
  they lie in the same split -> 0
* unrelated: competences of a specialty that is neither this one nor its neighbour -> 0
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
LANGS = ("kk", "ru", "zh", "en")
KINDS = {"equivalent": 1, "extended": 1, "most": 1, "half": 0, "short": 0, "near-miss": 0, "unrelated": 0}
DRAWS = 2  # per specialty, language direction and kind


def main() -> None:
    items = [json.loads(x) for x in (HERE / "independent.jsonl").read_text("utf-8").splitlines()]
    comp: dict[str, dict] = {}
    for it in items:
        comp.setdefault(it["competence"], {"specialty": it["specialty"], "split": it["split"],
                                           "near_miss": it["near_miss"][0]})
    rng = random.Random(17)
    out = []
    for part, splits in (("heldout", {"heldout"}), ("calibration", {"train", "calibration"})):
        by_spec: dict[str, list[str]] = defaultdict(list)
        for cid, c in sorted(comp.items()):
            if c["split"] in splits:
                by_spec[c["specialty"]].append(cid)
        specs = sorted(by_spec)
        for spec in specs:
            pool = by_spec[spec]
            neighbour = comp[comp[pool[0]]["near_miss"]]["specialty"]
            others = [s for s in specs if s not in {spec, neighbour}]
            for home_lang in LANGS:
                for abroad_lang in LANGS:
                    if home_lang == abroad_lang:
                        continue
                    for kind, label in KINDS.items():
                        for _ in range(DRAWS):
                            home = rng.sample(pool, 4)
                            rest = [c for c in pool if c not in home]
                            ratio = 1.0
                            if kind in {"equivalent", "short"}:
                                abroad = list(home)
                                ratio = 0.4 if kind == "short" else rng.choice([0.8, 1.0, 1.2])
                            elif kind == "extended":
                                abroad = home + rng.sample(rest, 1)
                            elif kind == "most":
                                abroad = rng.sample(home, 3) + rng.sample(rest, 1)
                            elif kind == "half":
                                abroad = rng.sample(home, 2) + rng.sample(rest, 2)
                            elif kind == "near-miss":
                                # the parallel competences of the neighbouring specialty where they lie in this
                                # split, completed with others of that specialty
                                abroad = [comp[c]["near_miss"] for c in home if comp[comp[c]["near_miss"]]["split"] in splits]
                                spare = [c for c in by_spec[neighbour] if c not in abroad]
                                abroad += rng.sample(spare, 4 - len(abroad))
                            else:
                                abroad = rng.sample(by_spec[rng.choice(others)], 4)
                            rng.shuffle(abroad)
                            out.append({"id": f"{part}-{len(out):05d}", "split": part, "kind": kind, "specialty": spec,
                                        "home": {"lang": home_lang, "competences": home},
                                        "abroad": {"lang": abroad_lang, "competences": abroad},
                                        "credit_ratio": ratio, "accepted": label})
    (HERE / "independent_module_pairs.jsonl").write_text(
        "".join(json.dumps(p, ensure_ascii=False, separators=(",", ":")) + "\n" for p in out), "utf-8")
    print(len(out), "pairs")


if __name__ == "__main__":
    main()
