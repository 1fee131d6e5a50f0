"""Applicant-proposing deferred acceptance with reserved seats, and the explained result.

Choice rule of a placement (docs/placement.md, "Reserved seats"): its seats form blocks processed in a
fixed precedence order -- first the open seats, then each reserved category in the order listed. The
open block takes the best applicants in the placement's order; a block reserved for category c takes
the best remaining members of c and, when members run out, the best remaining non-members (so reserved
seats left empty revert to open seats). This is the slot-specific-priorities rule of Kominers and
Sönmez (2016) with the "open first" precedence studied by Dur, Kominers, Pathak and Sönmez (2018); it
is substitutable and satisfies the law of aggregate demand, so applicant-proposing DA yields the
applicant-optimal stable matching and is strategy-proof for applicants.

Implementation: because an applicant rejected by block k of a placement can never again be chosen by
block k (the pool a block chooses from only grows), DA with this rule equals plain DA in which every
placement is split into its blocks and each applicant lists a placement's blocks consecutively in
precedence order. `_deferred_acceptance` runs that plain DA round by round with numpy: every free
applicant proposes at once, and each touched block keeps its best `capacity` by key (the round's
proposals are sorted and merged into the blocks' already sorted seats). On large instances `solve` runs
instead the compiled kernel of compiled_da.py (Numba; kernel.py decides which), one proposal at a time
on the same split market without building the expanded arrays; it returns exactly the same result.
`solve_reference` is the textbook one-proposal-at-a-time DA over the un-split choice rule; tests check
all of them agree.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from .kernel import Kernel, use_compiled
from .lottery import lottery_number
from .model import Instance, _ranges

OPEN = "open"


@dataclass(frozen=True)
class Blocks:
    """Seat blocks with at least one seat, grouped by placement in precedence order."""

    ptr: np.ndarray  # blocks of placement p: ptr[p]:ptr[p+1]
    placement: np.ndarray
    category: np.ndarray  # -1 for the open block
    cap: np.ndarray


def make_blocks(inst: Instance) -> Blocks:
    m = inst.n_placements
    counts = np.zeros(m, dtype=np.int64)
    open_seats = inst.capacity.copy()
    for p, blocks in inst.reserved.items():
        open_seats[p] -= sum(s for _, s in blocks)
    counts[:] = open_seats > 0
    for p, blocks in inst.reserved.items():
        counts[p] += sum(1 for _, s in blocks if s > 0)
    ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    total = int(ptr[-1])
    placement = np.repeat(np.arange(m, dtype=np.int64), counts)
    category = np.full(total, -1, dtype=np.int64)
    cap = np.zeros(total, dtype=np.int64)
    has_open = open_seats > 0
    cap[ptr[:-1][has_open]] = open_seats[has_open]
    for p, blocks in inst.reserved.items():
        k = int(ptr[p]) + int(has_open[p])
        for c, s in blocks:
            if s > 0:
                category[k] = c
                cap[k] = s
                k += 1
    return Blocks(ptr=ptr, placement=placement, category=category, cap=cap)


def _big(inst: Instance) -> int:
    """The key offset of a non-member in a category block: above every rank at any placement."""
    return int(max(1, len(inst.pl_app)) + 1)


def _expand(inst: Instance, blocks: Blocks) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Each acceptable entry (a, p) becomes one entry per block of p, in precedence order.

    Returns (x_ptr, x_code, csum, width, big): the applicant CSR of expanded entries, each packed as
    code = block * width + key (key: her rank, plus `big` for a non-member in a category block, so
    every member comes first; lower is better), and csum, where original entry e expands to
    csum[e]:csum[e+1]. Few, large arrays on purpose: on a national call the first touch of fresh memory
    costs as much as the arithmetic.
    """
    nb = np.diff(blocks.ptr)
    rank = inst.entry_rank
    p_of = inst.app_pref
    reps = nb[p_of]
    reps[rank < 0] = 0
    big = _big(inst)
    width = 2 * big + 1  # keys < 2 * big; the value 2 * big marks an empty seat
    csum = np.zeros(len(reps) + 1, dtype=np.int64)
    np.cumsum(reps, out=csum[1:])
    x_ptr = csum[inst.app_ptr]
    e1 = np.flatnonzero(reps)
    x_code = blocks.ptr[p_of[e1]] * width
    x_code += rank[e1]
    if not inst.reserved:  # exactly one block per acceptable entry
        return x_ptr, x_code, csum, width, big
    # Scatter: only entries at placements with reserved seats have more than one block, and only they
    # need the category test.
    first = csum[:-1]
    out = np.empty(int(csum[-1]), dtype=np.int64)
    out[first[e1]] = x_code
    del x_code
    has_reserve = np.zeros(inst.n_placements, dtype=bool)
    has_reserve[list(inst.reserved)] = True
    e_res = e1[has_reserve[p_of[e1]]]
    a_res = np.searchsorted(inst.app_ptr, e_res, side="right") - 1
    for j in range(int(reps[e_res].max()) if e_res.size else 0):
        sel = reps[e_res] > j
        ej, aj = e_res[sel], a_res[sel]
        b = blocks.ptr[p_of[ej]] + j
        cat = blocks.category[b]
        outsider = (cat >= 0) & ~inst.member[np.maximum(cat, 0), aj] if len(inst.categories) else np.zeros(len(ej), bool)
        out[first[ej] + j] = b * width + rank[ej] + big * outsider
    return x_ptr, out, csum, width, big


def _deferred_acceptance(
    n: int, x_ptr: np.ndarray, x_code: np.ndarray, width: int, cap: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Round-based applicant-proposing DA over blocks with responsive preferences given by keys.

    Returns (slot_app, slot_key, nxt, rounds). Slots of block b are seat_off[b]:seat_off[b]+cap[b],
    sorted best first (-1 / INF when empty); nxt[a]-1 is the entry a is held on, if she is held.

    Block and key travel packed as one int64 code, block * width + key: one random memory access
    per proposal instead of two (the kernel is bound by memory latency), and codes sort by block
    then key, so a block's seats and the proposals to it compare directly.
    """
    n_blocks = len(cap)
    seat_off = np.zeros(n_blocks + 1, dtype=np.int64)
    np.cumsum(cap, out=seat_off[1:])
    inf = width - 1  # keys are below width - 1, so this code marks an empty seat
    base = np.arange(n_blocks, dtype=np.int64) * width
    slot_block = np.repeat(np.arange(n_blocks, dtype=np.int64), cap)
    slot_app = np.full(int(seat_off[-1]), -1, dtype=np.int64)
    slot_code = slot_block * width + inf  # empty seats sort last within their block
    thresh = base + inf  # code of the worst holder of a full block, else the block's empty code
    nxt = x_ptr[:-1].copy()
    end = x_ptr[1:]
    free = np.flatnonzero(nxt < end)
    rounds = 0
    while free.size:
        rounds += 1
        # Every free applicant proposes to her next block. Proposals that cannot beat the worst holder
        # of a full block are rejected at once and the applicant tries her next block in this same
        # round (the DA outcome does not depend on the order of proposals).
        parts_a, parts_c = [], []
        trying = free
        while trying.size:
            e = nxt[trying]
            nxt[trying] = e + 1
            c = x_code[e]
            ok = c < thresh[c // width]
            if ok.all():
                parts_a.append(trying)
                parts_c.append(c)
                break
            parts_a.append(trying[ok])
            parts_c.append(c[ok])
            trying = trying[~ok]
            trying = trying[nxt[trying] < end[trying]]
        prop_a = np.concatenate(parts_a) if len(parts_a) > 1 else parts_a[0]
        if not prop_a.size:
            break
        pk = np.concatenate(parts_c) if len(parts_c) > 1 else parts_c[0]
        # proposals sorted by code; current holders of the touched blocks are already sorted that
        # way in the slot arrays, so a merge (two searchsorted) replaces a full sort
        porder = np.argsort(pk)
        pk = pk[porder]
        prop_a = prop_a[porder]
        per_block = np.bincount(pk // width, minlength=n_blocks)
        touched = np.flatnonzero(per_block)
        caps = cap[touched]
        starts = seat_off[touched]
        idx = _ranges(starts, caps)
        hk = slot_code[idx]
        h_pos = np.arange(len(hk), dtype=np.int64) + np.searchsorted(pk, hk, side="left")
        p_pos = np.arange(len(pk), dtype=np.int64) + np.searchsorted(hk, pk, side="right")
        total = len(hk) + len(pk)
        merged_a = np.empty(total, dtype=np.int64)
        merged_k = np.empty(total, dtype=np.int64)
        merged_a[h_pos] = slot_app[idx]
        merged_a[p_pos] = prop_a
        merged_k[h_pos] = hk
        merged_k[p_pos] = pk
        # each touched block keeps the first cap entries of its group (its cap slots plus proposals)
        group_size = caps + per_block[touched]
        keep_mask = np.zeros(total, dtype=bool)
        keep_mask[_ranges(np.cumsum(group_size) - group_size, caps)] = True
        slot_app[idx] = merged_a[keep_mask]
        slot_code[idx] = merged_k[keep_mask]
        thresh[touched] = slot_code[starts + caps - 1]
        out = merged_a[~keep_mask]
        free = out[out >= 0]
        free = free[nxt[free] < end[free]]
    slot_key = slot_code - slot_block * width
    return slot_app, slot_key, nxt, rounds


@dataclass(eq=False)
class Result:
    """The outcome of `solve`: `match[a]` is the placement index of applicant a, or -1."""

    instance: Instance
    match: np.ndarray
    # index of a's entry (in app_pref) she is placed by, -1 if unplaced
    match_entry: np.ndarray
    blocks: Blocks
    slot_app: np.ndarray
    slot_key: np.ndarray
    big: int
    seconds: float
    # rounds of the numpy path's round-based DA; 0 when the compiled kernel ran (it has no rounds: one
    # proposal at a time)
    rounds: int
    # solved by the compiled kernels (compiled_da.py); then to_json writes with compiled_output.py too
    compiled: bool = False

    @property
    def placed(self) -> int:
        return int((self.match >= 0).sum())

    def matching(self) -> dict[str, str | None]:
        ids = self.instance.placement_ids
        return {self.instance.applicant_ids[a]: (ids[p] if p >= 0 else None) for a, p in enumerate(self.match.tolist())}

    def proposals(self) -> int:
        """Applications made in DA: every acceptable placement at or above the one she got."""
        inst = self.instance
        n = inst.n_applicants
        a_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(inst.app_ptr))
        limit = np.where(self.match_entry >= 0, self.match_entry, inst.app_ptr[1:] - 1)
        e = np.arange(len(inst.app_pref), dtype=np.int64)
        return int(((inst.entry_rank >= 0) & (e <= limit[a_of])).sum())

    def as_dict(self, *, sort_keys: bool = True) -> dict[str, Any]:
        """The result object of docs/placement.md (keys sorted by id so it never depends on file order)."""
        inst = self.instance
        aids, pids = inst.applicant_ids, inst.placement_ids
        a_order = sorted(range(inst.n_applicants), key=aids.__getitem__) if sort_keys else range(inst.n_applicants)
        p_order = sorted(range(inst.n_placements), key=pids.__getitem__) if sort_keys else range(inst.n_placements)
        match = self.match.tolist()
        matching = {aids[a]: (pids[match[a]] if match[a] >= 0 else None) for a in a_order}
        cut = self.cutoffs()
        cutoffs = {pids[p]: cut[p] for p in p_order}
        expl = self.explanations()
        explanations = {aids[a]: expl[a] for a in a_order}
        return {
            "matching": matching,
            "cutoffs": cutoffs,
            "explanations": explanations,
            "lottery_seed": inst.lottery_seed,
            "stats": {
                "applicants": inst.n_applicants,
                "placed": self.placed,
                "seats": int(inst.capacity.sum()),
                "proposals": self.proposals(),
                "seconds": round(self.seconds, 6),
            },
        }

    def to_json(self, indent: int | None = None) -> str:
        """`as_dict()` as JSON text. Compact output is written directly, without building the dicts.

        json.dumps over a million small explanation dicts costs seconds on a national call; here each
        placement's JSON fragments are rendered once and reused, and only ranks are formatted per entry.
        A result solved by the compiled kernels (`compiled`) is written by compiled_output.py instead,
        which gives the same text. Tests check json.loads(to_json()) == as_dict(), and that both writers
        agree to the byte.
        """
        if indent is None and self.compiled:
            return str(self._compiled_json(), "utf-8", "surrogatepass")
        if indent is not None:
            return json.dumps(self.as_dict(), ensure_ascii=False, indent=indent)
        inst = self.instance
        enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        aids, pids = inst.applicant_ids, inst.placement_ids
        aj = [enc(x) for x in aids]
        pj = [enc(x) for x in pids]
        a_order = sorted(range(inst.n_applicants), key=aids.__getitem__)
        match = self.match.tolist()
        pj_or_null = pj + ["null"]  # index -1 -> null
        matching = ",".join([aj[a] + ":" + pj_or_null[match[a]] for a in a_order])
        cutoffs, tail = self._json_cutoffs_and_tail(enc, pj)
        # explanations: the entries strictly above her placement (all entries if unplaced)
        n = inst.n_applicants
        lengths = np.diff(inst.app_ptr)
        a_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        limit = np.where(self.match_entry >= 0, self.match_entry, inst.app_ptr[1:])
        inc = np.flatnonzero(np.arange(len(inst.app_pref), dtype=np.int64) < limit[a_of])
        p_inc = inst.app_pref[inc]
        r_inc = inst.entry_rank[inc].astype(np.int64)
        code = np.where(r_inc < 0, -1, np.where(inst.capacity[p_inc] == 0, -2, r_inc + 1)).tolist()
        na = ['{"placement":%s,"reason":"not_acceptable"}' % x for x in pj]
        nc = ['{"placement":%s,"reason":"no_capacity"}' % x for x in pj]
        bc = ['{"placement":%s,"reason":"below_cutoff","rank":' % x for x in pj]
        items = [na[p] if c == -1 else nc[p] if c == -2 else bc[p] + str(c) + "}"
                 for p, c in zip(p_inc.tolist(), code)]
        counts = np.bincount(a_of[inc], minlength=n) if n else np.zeros(0, np.int64)
        starts = (np.cumsum(counts) - counts).tolist()
        counts_l = counts.tolist()
        explanations = ",".join([aj[a] + ":[" + ",".join(items[starts[a]:starts[a] + counts_l[a]]) + "]"
                                 for a in a_order])
        return '{"matching":{%s},"cutoffs":{%s},"explanations":{%s},%s}' % (matching, cutoffs, explanations, tail)

    def to_json_bytes(self, indent: int | None = None) -> bytes:
        """`to_json(indent)` encoded as UTF-8 (lone surrogates in ids, which JSON input can carry, are
        passed through), without the detour through a str for compiled results."""
        if indent is None and self.compiled:
            return self._compiled_json().tobytes()
        return self.to_json(indent).encode("utf-8", "surrogatepass")

    def write_json(self, target: str | os.PathLike[str] | BinaryIO, indent: int | None = None) -> None:
        """Write `to_json(indent)` and a newline, as UTF-8, to a path or a binary file (like `ortaq match -o`).

        The cheapest way out for a national call: the compiled writer's buffer goes to the file as is.
        """
        data: Any = self._compiled_json() if indent is None and self.compiled else self.to_json_bytes(indent)
        if isinstance(target, (str, os.PathLike)):
            with open(target, "wb") as f:
                f.write(data)
                f.write(b"\n")
        else:
            target.write(data)
            target.write(b"\n")

    def _json_cutoffs_and_tail(self, enc: Any, pj: list[str]) -> tuple[str, str]:
        """The compact JSON of the cutoffs members, and of the members after the explanations."""
        inst = self.instance
        pids = inst.placement_ids
        p_order = sorted(range(inst.n_placements), key=pids.__getitem__)
        cut = self.cutoffs()
        cutoffs = ",".join([pj[p] + ":" + enc(cut[p]) for p in p_order])
        stats = {
            "applicants": inst.n_applicants,
            "placed": self.placed,
            "seats": int(inst.capacity.sum()),
            "proposals": self.proposals(),
            "seconds": round(self.seconds, 6),
        }
        return cutoffs, '"lottery_seed":%s,"stats":%s' % (enc(inst.lottery_seed), enc(stats))

    def _compiled_json(self) -> np.ndarray:
        """The compact document as a uint8 array, from compiled_output.py (imports Numba)."""
        from . import compiled_output

        inst = self.instance
        enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        aids = inst.applicant_ids
        p_ids = compiled_output.encoded_ids(inst.placement_ids)
        pj = [enc(x) for x in inst.placement_ids]
        cutoffs, tail = self._json_cutoffs_and_tail(enc, pj)
        order = np.asarray(sorted(range(inst.n_applicants), key=aids.__getitem__), dtype=np.int64)

        def utf8(text: str) -> bytes:
            return text.encode("utf-8", "surrogatepass")

        return compiled_output.render(
            b'{"matching":{', utf8('},"cutoffs":{%s},"explanations":{' % cutoffs), utf8("},%s}" % tail),
            compiled_output.encoded_ids(aids), p_ids, order, self.match, self.match_entry, inst.app_ptr,
            inst.app_pref, inst.entry_rank, inst.capacity)

    def cutoffs(self) -> list[dict[str, Any]]:
        """Per placement and block ("open", then each reserved category): the last admitted applicant.

        A block with `filled < seats` admits any acceptable applicant who applies; a full block admits
        an applicant only if she comes before `last` in the block's order (members of the category
        first, then everybody else, each by the placement's order).
        """
        inst, blk = self.instance, self.blocks
        seat_off = np.zeros(len(blk.cap) + 1, dtype=np.int64)
        np.cumsum(blk.cap, out=seat_off[1:])
        filled_counts = (np.add.reduceat((self.slot_app >= 0).astype(np.int64), seat_off[:-1]) if len(blk.cap)
                         else np.zeros(0, np.int64))
        filled = filled_counts.tolist()
        caps = blk.cap.tolist()
        slot_app = self.slot_app.tolist()
        slot_key = self.slot_key.tolist()
        starts = seat_off.tolist()
        bptr = blk.ptr.tolist()
        bcat = blk.category.tolist()
        aids = inst.applicant_ids
        out: list[dict[str, Any]] = []
        prio = inst.uses_priorities.tolist()
        cap_total = inst.capacity.tolist()
        for p in range(inst.n_placements):
            entry: dict[str, Any] = {}
            reserved = inst.reserved.get(p, ())
            open_seats = cap_total[p] - sum(s for _, s in reserved)
            names = {-1: (OPEN, open_seats)}
            for c, s in reserved:
                names[c] = (inst.categories[c], s)
            for c, (name, seats) in names.items():
                entry[name] = {"seats": seats, "filled": 0, "last": None, "rank": None}
            for b in range(bptr[p], bptr[p + 1]):
                name = OPEN if bcat[b] < 0 else inst.categories[bcat[b]]
                f = filled[b]
                d = entry[name]
                d["filled"] = f
                if f:
                    a = slot_app[starts[b] + f - 1]
                    key = slot_key[starts[b] + f - 1]
                    d["last"] = aids[a]
                    d["rank"] = (key - self.big if key >= self.big else key) + 1
                    if prio[p]:
                        d["priority"] = int(inst.pl_priority[inst.pl_ptr[p] + d["rank"] - 1])
                        d["lottery"] = lottery_number(
                            inst.lottery_seed or 0, aids[a],
                            inst.placement_ids[p] if inst.tie_breaking == "multiple" else None)
                    if bcat[b] >= 0:
                        keys = slot_key[starts[b]:starts[b] + f]
                        d["reverted"] = sum(1 for k in keys if k >= self.big)
            out.append(entry)
        return out

    def explanations(self) -> list[list[dict[str, Any]]]:
        """For each applicant, every placement she ranked above the one she got (all, if unplaced).

        Reasons: `not_acceptable` (the placement does not list her), `no_capacity` (it has no seats),
        `below_cutoff` (she applied and every block of the placement is full of applicants it prefers;
        `rank` is her position in the placement's order, comparable with the cutoffs).
        """
        inst = self.instance
        n = inst.n_applicants
        pids = inst.placement_ids
        ptr = inst.app_ptr.tolist()
        me = self.match_entry.tolist()
        pref = inst.app_pref
        rank = inst.entry_rank
        cap0 = (inst.capacity == 0)
        out: list[list[dict[str, Any]]] = []
        # Pre-render per entry the pieces we need, vectorised, then slice per applicant.
        pref_l = pref.tolist()
        rank_l = rank.tolist()
        cap0_l = cap0[pref].tolist() if len(pref) else []
        for a in range(n):
            lo = ptr[a]
            hi = me[a] if me[a] >= 0 else ptr[a + 1]
            items = []
            for e in range(lo, hi):
                r = rank_l[e]
                if r < 0:
                    items.append({"placement": pids[pref_l[e]], "reason": "not_acceptable"})
                elif cap0_l[e]:
                    items.append({"placement": pids[pref_l[e]], "reason": "no_capacity"})
                else:
                    items.append({"placement": pids[pref_l[e]], "reason": "below_cutoff", "rank": r + 1})
            out.append(items)
        return out


def solve(inst: Instance, kernel: Kernel | None = None) -> Result:
    """The applicant-optimal stable matching of `inst` (strict orders after the lottery).

    `kernel` picks the implementation ("auto" when None: the compiled kernel for large instances, see
    kernel.py); every choice gives the same result.
    """
    t0 = time.perf_counter()
    blocks = make_blocks(inst)
    big = _big(inst)
    if use_compiled(kernel, len(inst.app_pref)):
        from . import compiled_da  # imports Numba: only when the kernel runs

        # (an instance beyond the kernel's packed 31-bit fields -- a billion entries -- takes the numpy path)
        if compiled_da.fits(inst.n_applicants, len(inst.app_pref), big):
            slot_app, slot_key, match, match_entry = compiled_da.deferred_acceptance(
                inst.app_ptr, inst.app_pref, inst.entry_rank, blocks.ptr, blocks.cap, blocks.category, inst.member,
                big)
            return Result(instance=inst, match=match, match_entry=match_entry, blocks=blocks, slot_app=slot_app,
                          slot_key=slot_key, big=big, seconds=time.perf_counter() - t0, rounds=0, compiled=True)
    x_ptr, x_code, csum, width, big = _expand(inst, blocks)
    slot_app, slot_key, nxt, rounds = _deferred_acceptance(inst.n_applicants, x_ptr, x_code, width, blocks.cap)
    n = inst.n_applicants
    match = np.full(n, -1, dtype=np.int64)
    match_entry = np.full(n, -1, dtype=np.int64)
    held = slot_app[slot_app >= 0]
    xe = nxt[held] - 1
    match_entry[held] = np.searchsorted(csum, xe, side="right") - 1
    match[held] = blocks.placement[x_code[xe] // width]
    seconds = time.perf_counter() - t0
    return Result(instance=inst, match=match, match_entry=match_entry, blocks=blocks, slot_app=slot_app,
                  slot_key=slot_key, big=big, seconds=seconds, rounds=rounds)


# --------------------------------------------------------------------------- reference implementation


def rank_tables(inst: Instance) -> list[dict[int, int]]:
    """rank_tables(inst)[p][a] = rank of a at p (0 = best); absent when p does not accept a."""
    ptr = inst.pl_ptr.tolist()
    apps = inst.pl_app.tolist()
    return [{a: r for r, a in enumerate(apps[ptr[p]:ptr[p + 1]])} for p in range(inst.n_placements)]


def choose(inst: Instance, p: int, pool: set[int] | list[int], ranks: dict[int, int]) -> list[list[int]]:
    """The choice rule of placement p applied to `pool` (all acceptable to p).

    Returns the chosen applicants per block in precedence order: [open, reserved...], each best first
    in the block's order (a reserved block lists members before non-members).
    """
    remaining = sorted(pool, key=ranks.__getitem__)
    open_seats = inst.open_seats(p)
    chosen = [remaining[:open_seats]]
    remaining = remaining[open_seats:]
    for c, seats in inst.reserved.get(p, ()):
        mem = inst.member[c]
        order = sorted(remaining, key=lambda a: (not mem[a], ranks[a]))
        chosen.append(order[:seats])
        taken = set(order[:seats])
        remaining = [a for a in remaining if a not in taken]
    return chosen


def solve_reference(inst: Instance) -> list[int]:
    """Textbook applicant-proposing DA, one proposal at a time, over the un-split choice rule."""
    ranks = rank_tables(inst)
    ptr = inst.app_ptr.tolist()
    pref = inst.app_pref.tolist()
    nxt = ptr[:-1]
    held: list[set[int]] = [set() for _ in range(inst.n_placements)]
    match = [-1] * inst.n_applicants
    queue = deque(range(inst.n_applicants))
    while queue:
        a = queue.popleft()
        while nxt[a] < ptr[a + 1]:
            p = pref[nxt[a]]
            nxt[a] += 1
            if a not in ranks[p]:
                continue
            pool = held[p] | {a}
            chosen = {x for blk in choose(inst, p, pool, ranks[p]) for x in blk}
            for x in pool - chosen:
                match[x] = -1
                if x != a:
                    queue.append(x)
            held[p] = chosen
            if a in chosen:
                match[a] = p
                break
    return match
