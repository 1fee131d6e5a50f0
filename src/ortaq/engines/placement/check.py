"""Independent verification of a result: every applicant named, acceptability, capacity, stability.

A matching is stable when no applicant a and placement p form a blocking pair: a ranks p above what
she got (or is unplaced), p accepts a, and p's choice rule applied to its admitted applicants plus a
would choose a. For the block rule of solver.py that happens exactly when some block of p (open,
then each reserved category) has a free seat or holds, as its last admitted applicant, someone who
comes after a in that block's order (docs/placement.md, "Stability"). This module does not reuse the
solver: it recomputes each placement's blocks from the matching alone.

Work is linear in the total length of the preference lists, plus sorting each placement's admitted
applicants for placements with reserved seats.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .model import Instance
from .solver import OPEN, Result, choose

MAX_REPORTED = 50


def check(inst: Instance, result: Mapping[str, Any] | Result) -> list[str]:
    """Problems with `result` for `inst`; an empty list means the matching is valid and stable."""
    if isinstance(result, Result):
        result = {"matching": result.matching(), "lottery_seed": result.instance.lottery_seed}
    if not isinstance(result, Mapping) or not isinstance(result.get("matching"), Mapping):
        return ["the result must be an object with a 'matching' object"]
    problems: list[str] = []
    if "lottery_seed" in result and result["lottery_seed"] != inst.lottery_seed:
        problems.append(
            f"lottery_seed {result['lottery_seed']!r} differs from the instance's {inst.lottery_seed!r}")
    n = inst.n_applicants
    aindex, pindex = inst.applicant_index, inst.placement_index
    match = np.full(n, -1, dtype=np.int64)
    seen = np.zeros(n, dtype=bool)
    for aid, pid in result["matching"].items():
        a = aindex.get(aid)
        if a is None:
            problems.append(f"matching names unknown applicant {aid!r}")
            continue
        seen[a] = True
        if pid is None:
            continue
        p = pindex.get(pid) if isinstance(pid, str) else None
        if p is None:
            problems.append(f"{aid!r} is placed at unknown placement {pid!r}")
            continue
        match[a] = p
    for a in np.flatnonzero(~seen)[:MAX_REPORTED].tolist():
        problems.append(f"matching does not name applicant {inst.applicant_ids[a]!r}")

    # the entry of her list each applicant is placed by
    a_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(inst.app_ptr))
    hit = np.flatnonzero(inst.app_pref == match[a_of])
    match_entry = np.full(n, -1, dtype=np.int64)
    match_entry[a_of[hit]] = hit
    for a in np.flatnonzero((match >= 0) & (match_entry < 0))[:MAX_REPORTED].tolist():
        problems.append(f"{inst.applicant_ids[a]!r} is placed at {inst.placement_ids[match[a]]!r}, "
                        f"which she did not list")
    placed = np.flatnonzero(match_entry >= 0)
    bad = placed[inst.entry_rank[match_entry[placed]] < 0]
    for a in bad[:MAX_REPORTED].tolist():
        problems.append(f"{inst.applicant_ids[a]!r} is placed at {inst.placement_ids[match[a]]!r}, "
                        f"which does not accept her")
    counts = np.bincount(match[match >= 0], minlength=inst.n_placements)
    for p in np.flatnonzero(counts > inst.capacity)[:MAX_REPORTED].tolist():
        problems.append(f"{inst.placement_ids[p]!r} holds {counts[p]} applicants but has capacity "
                        f"{inst.capacity[p]}")
    if problems:
        return problems
    return _blocking_pairs(inst, match, match_entry, counts)


def _blocking_pairs(inst: Instance, match: np.ndarray, match_entry: np.ndarray, counts: np.ndarray) -> list[str]:
    n, m = inst.n_applicants, inst.n_placements
    aids, pids = inst.applicant_ids, inst.placement_ids
    holder_rank = np.full(n, -1, dtype=np.int64)
    placed = np.flatnonzero(match >= 0)
    holder_rank[placed] = inst.entry_rank[match_entry[placed]]
    worst = np.full(m, -1, dtype=np.int64)
    np.maximum.at(worst, match[placed], holder_rank[placed])

    # candidate pairs: entries strictly above her placement (all, if unplaced) that accept her
    a_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(inst.app_ptr))
    limit = np.where(match_entry >= 0, match_entry, inst.app_ptr[1:])
    e = np.flatnonzero((np.arange(len(inst.app_pref)) < limit[a_of]) & (inst.entry_rank >= 0))
    p = inst.app_pref[e]
    has_reserve = np.zeros(m, dtype=bool)
    has_reserve[list(inst.reserved)] = True
    plain = ~has_reserve[p]
    cap = inst.capacity[p]
    r = inst.entry_rank[e]
    free_seat = counts[p] < cap
    blocking = plain & (cap > 0) & (free_seat | (r < worst[p]))
    problems: list[str] = []
    for k in np.flatnonzero(blocking)[:MAX_REPORTED].tolist():
        a, q = int(a_of[e[k]]), int(p[k])
        why = ("it has a free seat" if free_seat[k] else
               f"she ranks {r[k] + 1} there, above its last admitted applicant (rank {worst[q] + 1})")
        problems.append(f"blocking pair: {aids[a]!r} prefers {pids[q]!r} to {_got(inst, match, a)} and {why}")

    # placements with reserved seats: rebuild their blocks from the matching with the choice rule
    special = np.flatnonzero(~plain)
    if special.size:
        holders: dict[int, list[int]] = {}
        for a in placed[has_reserve[match[placed]]].tolist():
            holders.setdefault(int(match[a]), []).append(a)
        state: dict[int, list[tuple[str, int, tuple[int, tuple[bool, int]] | None, int]]] = {}
        for k in special.tolist():
            a, q, rk = int(a_of[e[k]]), int(p[k]), int(r[k])
            if q not in state:
                state[q] = _block_state(inst, q, holders.get(q, []), holder_rank)
            for name, seats, last, c in state[q]:
                if seats == 0:
                    continue
                key = (c >= 0 and not inst.member[c, a], rk)
                if last is None or key < last[1]:
                    why = ("its block '%s' has a free seat" % name if last is None else
                           f"she comes before {aids[last[0]]!r}, the last admitted to its block '{name}'")
                    problems.append(
                        f"blocking pair: {aids[a]!r} prefers {pids[q]!r} to {_got(inst, match, a)} and {why}")
                    break
    if len(problems) > MAX_REPORTED:
        problems = problems[:MAX_REPORTED] + [f"... and {len(problems) - MAX_REPORTED} more blocking pairs"]
    return problems


def _block_state(inst: Instance, p: int, held: list[int], holder_rank: np.ndarray,
                 ) -> list[tuple[str, int, tuple[int, tuple[bool, int]] | None, int]]:
    """(name, seats, (last admitted, her key in the block), category) per block; None = free seat."""
    ranks = {a: int(holder_rank[a]) for a in held}
    chosen = choose(inst, p, held, ranks)
    specs = [(OPEN, inst.open_seats(p), -1)] + [(inst.categories[c], s, c) for c, s in inst.reserved[p]]
    out: list[tuple[str, int, tuple[int, tuple[bool, int]] | None, int]] = []
    for (name, seats, c), got in zip(specs, chosen):
        if len(got) < seats or not got:  # not got: a block of no seats, which the caller skips
            out.append((name, seats, None, c))
        else:
            last = got[-1]
            out.append((name, seats, (last, (c >= 0 and not inst.member[c, last], ranks[last])), c))
    return out


def _got(inst: Instance, match: np.ndarray, a: int) -> str:
    return f"her placement {inst.placement_ids[match[a]]!r}" if match[a] >= 0 else "being unplaced"
