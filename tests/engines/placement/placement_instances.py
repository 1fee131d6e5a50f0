"""Instance builders shared by the placement tests (plain module: tests import it by path)."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st


def random_instance(rng: random.Random, n: int, m: int, *, k: int | None = None, priorities: float = 0.5,
                    reserves: float = 0.3, levels: int = 3, categories: tuple[str, ...] = ("inclusion", "rural"),
                    accept: float = 0.9, max_cap: int = 3, tie_breaking: str = "single",
                    seed: int = 20260901) -> dict[str, Any]:
    """A random instance: applicants list up to k placements; placements accept most who list them."""
    k = m if k is None else k
    applicants = []
    listed: list[list[str]] = [[] for _ in range(m)]
    for i in range(n):
        prefs = rng.sample(range(m), rng.randint(0, min(k, m)))
        a: dict[str, Any] = {"id": f"a{i}", "preferences": [f"p{j}" for j in prefs]}
        cats = [c for c in categories if rng.random() < 0.3]
        if cats:
            a["categories"] = cats
        applicants.append(a)
        for j in prefs:
            listed[j].append(f"a{i}")
    placements = []
    for j in range(m):
        cap = rng.randint(0, max_cap)
        pool = [x for x in listed[j] if rng.random() < accept]
        # sometimes also rank applicants who did not list the placement (harmless, must be ignored)
        pool += [f"a{i}" for i in range(n) if rng.random() < 0.05 and f"a{i}" not in pool]
        rng.shuffle(pool)
        p: dict[str, Any] = {"id": f"p{j}", "capacity": cap}
        if rng.random() < priorities:
            p["priorities"] = {x: rng.randint(0, levels - 1) for x in pool}
        else:
            p["preferences"] = pool
        if cap and rng.random() < reserves:
            chosen = [c for c in categories if rng.random() < 0.6]
            blocks, left = [], cap
            for c in chosen:
                s = rng.randint(0, left)
                left -= s
                blocks.append({"category": c, "seats": s})
            if blocks:
                p["reserved"] = blocks
        placements.append(p)
    return {"applicants": applicants, "placements": placements,
            "options": {"lottery_seed": seed, "tie_breaking": tie_breaking, "categories": list(categories)}}


@st.composite
def instances(draw: Any, max_applicants: int = 5, max_placements: int = 3, **kwargs: Any) -> dict[str, Any]:
    n = draw(st.integers(0, max_applicants))
    m = draw(st.integers(1, max_placements))
    seed = draw(st.integers(0, 2**32))
    tie = draw(st.sampled_from(["single", "multiple"]))
    return random_instance(random.Random(seed), n, m, tie_breaking=tie, seed=seed % 1000, **kwargs)


def strict_only(obj: dict[str, Any]) -> dict[str, Any]:
    """Replace priorities by the equivalent strict rankings so results cannot depend on ids."""
    from ortaq.engines.placement import load_instance

    inst = load_instance(obj)
    out = {"applicants": obj["applicants"], "placements": [], "options": obj["options"]}
    for p, src in enumerate(obj["placements"]):
        q = {k: v for k, v in src.items() if k not in ("preferences", "priorities")}
        q["preferences"] = [inst.applicant_ids[a] for a in inst.pl_app[inst.pl_ptr[p]:inst.pl_ptr[p + 1]].tolist()]
        out["placements"].append(q)
    return out
