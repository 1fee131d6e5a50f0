"""Instances of the placement problem: validation, interning, and each placement's order after the lottery.

`load_instance` turns the JSON object described in docs/placement.md into an `Instance` of flat numpy
arrays (ids interned to ints once). Every problem with the input raises `InstanceError` whose message
names the offending entry, so the CLI can exit with status 2 and never show a traceback.

The hot loops are written for hundreds of thousands of applicants: per entry we only do C-level work
(`map` over dict lookups, `np.fromiter`), and the slow, precise error search runs only after the fast
path has failed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np

from .kernel import Kernel, use_compiled
from .lottery import lottery_digest, single_lottery_positions

# Instance text per preference entry on a national call (83 MB for 4 million applicant entries and as
# many on the placements' side); turns a file size into the entry count `use_compiled` expects.
BYTES_PER_ENTRY = 20

TIE_BREAKING = ("single", "multiple")
APPLICANT_KEYS = frozenset({"id", "preferences", "categories"})
PLACEMENT_KEYS = frozenset({"id", "capacity", "preferences", "priorities", "reserved"})
OPTION_KEYS = frozenset({"lottery_seed", "tie_breaking", "categories"})
TOP_KEYS = frozenset({"applicants", "placements", "options"})


class InstanceError(ValueError):
    """The instance is malformed; the message names the offending entry."""


@dataclass(eq=False)
class Instance:
    """A validated instance with ids interned to ints (applicants 0..n-1, placements 0..m-1, file order).

    Placement orders are complete and strict: `pl_app[pl_ptr[p]:pl_ptr[p+1]]` lists the applicants
    placement p accepts, best first, after the lottery has broken ties in priorities.
    """

    applicant_ids: list[str]
    placement_ids: list[str]
    # applicant side (CSR): app_pref[app_ptr[a]:app_ptr[a+1]] = her placements, best first
    app_ptr: np.ndarray
    app_pref: np.ndarray
    # rank (0 = best) of the applicant at the placement of the same entry, -1 if not acceptable there
    entry_rank: np.ndarray
    capacity: np.ndarray
    # placement side (CSR), best first; pl_priority is aligned with pl_app (0 for ranked lists)
    pl_ptr: np.ndarray
    pl_app: np.ndarray
    pl_priority: np.ndarray
    uses_priorities: np.ndarray  # bool per placement
    categories: list[str]
    # member[c, a] is True when applicant a belongs to category c
    member: np.ndarray
    # reserved[p] = [(category index, seats), ...] in the listed order (precedence after open seats)
    reserved: dict[int, list[tuple[int, int]]]
    lottery_seed: int | None
    tie_breaking: str
    _applicant_index: dict[str, int] | None = field(default=None, repr=False)
    _placement_index: dict[str, int] | None = field(default=None, repr=False)

    @property
    def n_applicants(self) -> int:
        return len(self.applicant_ids)

    @property
    def n_placements(self) -> int:
        return len(self.placement_ids)

    @property
    def applicant_index(self) -> dict[str, int]:
        if self._applicant_index is None:
            self._applicant_index = {x: i for i, x in enumerate(self.applicant_ids)}
        return self._applicant_index

    @property
    def placement_index(self) -> dict[str, int]:
        if self._placement_index is None:
            self._placement_index = {x: i for i, x in enumerate(self.placement_ids)}
        return self._placement_index

    def open_seats(self, p: int) -> int:
        return int(self.capacity[p]) - sum(s for _, s in self.reserved.get(p, ()))


# --------------------------------------------------------------------------- validation helpers


def _describe(kind: str, i: int, entry: Any) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        return f"{kind}[{i}] (id {entry['id']!r})"
    return f"{kind}[{i}]"


def _is_int(x: Any) -> bool:
    return type(x) is int  # bool is a subclass of int and is rejected on purpose


def _check_id(kind: str, i: int, entry: Any) -> str:
    if not isinstance(entry, dict):
        raise InstanceError(f"{kind}[{i}]: must be an object, got {type(entry).__name__}")
    x = entry.get("id")
    if not isinstance(x, str) or not x:
        raise InstanceError(f"{kind}[{i}]: 'id' must be a non-empty string")
    if "\x00" in x:
        raise InstanceError(f"{kind}[{i}] (id {x!r}): ids cannot contain NUL characters")
    return x


def _first_duplicate(ids: Sequence[Any]) -> tuple[int, Any]:
    seen: set[Any] = set()
    for j, x in enumerate(ids):
        if x in seen:
            return j, x
        seen.add(x)
    raise AssertionError("no duplicate")  # pragma: no cover - callers checked there is one


def _index_ids(kind: str, entries: list[Any]) -> tuple[list[str], dict[str, int]]:
    ids = [_check_id(kind, i, e) if type(e) is not dict or type(e.get("id")) is not str else e["id"]
           for i, e in enumerate(entries)]
    for i, x in enumerate(ids):  # the fast path above skipped the NUL/empty checks
        if not x or "\x00" in x:
            _check_id(kind, i, entries[i])
    # Key the index with fresh copies of the ids: they are allocated one after another, so the
    # millions of lookups that follow touch a compact block of memory instead of strings scattered
    # through the whole parsed document (measured: a quarter faster on a national call).
    index = dict(zip([x.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass") for x in ids],
                     range(len(ids))))
    if len(index) != len(ids):
        j, x = _first_duplicate(ids)
        first = ids.index(x)
        raise InstanceError(f"{kind}[{j}]: duplicate id {x!r} (already used by {kind}[{first}])")
    return ids, index


def _intern_lists(
    owner_kind: str, owners: list[Any], lists: list[list[Any]], field_name: str, index: dict[str, int],
    target_kind: str, positions: list[int] | None = None,
) -> np.ndarray:
    """Map every id in every list to its int; on failure find and name the first bad entry."""
    total = sum(map(len, lists))
    try:
        return np.fromiter(map(index.__getitem__, chain.from_iterable(lists)), dtype=np.int32, count=total)
    except (KeyError, TypeError):
        pass
    for i, lst in enumerate(lists):
        where = _describe(owner_kind, i if positions is None else positions[i], owners[i])
        for j, x in enumerate(lst):
            # a priorities object is named by its key, a list by the position in it
            item = f"{field_name}[{j}]" if positions is None else f"{field_name} key"
            if not isinstance(x, str):
                raise InstanceError(
                    f"{where}: {item} must be a {target_kind} id (a string), got {type(x).__name__}")
            if x not in index:
                raise InstanceError(f"{where}: {item} names unknown {target_kind} {x!r}")
    raise AssertionError("interning failed without a bad entry")  # pragma: no cover


def _check_no_duplicates(owner_kind: str, owners: list[Any], lists: list[list[Any]], field_name: str) -> None:
    for i, lst in enumerate(lists):
        if len(set(lst)) != len(lst):
            j, x = _first_duplicate(lst)
            raise InstanceError(
                f"{_describe(owner_kind, i, owners[i])}: {field_name}[{j}] repeats {x!r}")


def _unknown_keys(what: str, entry: dict[str, Any], allowed: frozenset[str]) -> None:
    extra = sorted(set(entry) - allowed)
    if extra:
        raise InstanceError(f"{what}: unknown key {extra[0]!r} (allowed: {', '.join(sorted(allowed))})")


def _radix_argsort(values: np.ndarray, bound: int) -> np.ndarray:
    """Stable argsort of non-negative ints < bound, by 16-bit digits (numpy radix-sorts uint16)."""
    order = np.argsort(values.astype(np.uint16, copy=False) if bound <= 1 << 16
                       else (values & 0xFFFF).astype(np.uint16), kind="stable")
    shift = 16
    while bound > 1 << shift:
        digit = ((values[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
        shift += 16
    return order


# --------------------------------------------------------------------------- load_instance


@dataclass(frozen=True)
class Options:
    lottery_seed: int | None
    tie_breaking: str
    declared_categories: list[str] | None


def check_options(options: Any) -> Options:
    """Validate the `options` object (absent means {})."""
    if not isinstance(options, dict):
        raise InstanceError("'options' must be an object")
    _unknown_keys("options", options, OPTION_KEYS)
    seed = options.get("lottery_seed")
    if seed is not None and (not _is_int(seed) or seed < 0):
        raise InstanceError("options.lottery_seed must be a non-negative integer")
    tie_breaking = options.get("tie_breaking", "single")
    if tie_breaking not in TIE_BREAKING:
        raise InstanceError(f"options.tie_breaking must be 'single' or 'multiple', got {tie_breaking!r}")
    declared = options.get("categories")
    if declared is not None and (not isinstance(declared, list) or not all(isinstance(c, str) for c in declared)):
        raise InstanceError("options.categories must be a list of strings")
    if declared is not None and "open" in declared:
        raise InstanceError("options.categories cannot declare 'open', which names the unreserved seats")
    return Options(lottery_seed=seed, tie_breaking=tie_breaking, declared_categories=declared)


def check_reserved(what: str, res: Any, cap: int) -> list[tuple[str, int]]:
    """Validate a placement's `reserved` list; returns [(category name, seats), ...] in order."""
    if type(res) is not list:
        raise InstanceError(f"{what}: 'reserved' must be a list of {{category, seats}} objects")
    seen: set[str] = set()
    blocks: list[tuple[str, int]] = []
    for k, r in enumerate(res):
        if (type(r) is not dict or set(r) != {"category", "seats"} or not isinstance(r["category"], str)
                or not _is_int(r["seats"])):
            raise InstanceError(f"{what}: reserved[{k}] must be {{\"category\": string, \"seats\": integer}}")
        if r["seats"] < 0:
            raise InstanceError(f"{what}: reserved[{k}] seats must not be negative")
        if r["category"] == "open":
            raise InstanceError(f"{what}: reserved[{k}] cannot use the category name 'open', "
                                f"which names the unreserved seats in cutoffs")
        if r["category"] in seen:
            raise InstanceError(f"{what}: reserved[{k}] repeats category {r['category']!r}")
        seen.add(r["category"])
        blocks.append((r["category"], r["seats"]))
    if sum(s for _, s in blocks) > cap:
        raise InstanceError(f"{what}: reserved seats ({sum(s for _, s in blocks)}) exceed capacity ({cap})")
    return blocks


def load_instance(obj: Any, *, kernel: Kernel | None = None) -> Instance:
    """Validate a decoded JSON instance and intern it. Raises `InstanceError` naming the bad entry.

    This is the reference reader: `load_instance_bytes` tries a compiled reader first on large files
    and falls back to this one, which alone words every error.
    """
    if not isinstance(obj, dict):
        raise InstanceError("the instance must be a JSON object with 'applicants' and 'placements'")
    _unknown_keys("the instance", obj, TOP_KEYS)
    applicants = obj.get("applicants")
    placements = obj.get("placements")
    if not isinstance(applicants, list):
        raise InstanceError("'applicants' must be a list")
    if not isinstance(placements, list):
        raise InstanceError("'placements' must be a list")
    opts = check_options(obj.get("options", {}))

    applicant_ids, aindex = _index_ids("applicants", applicants)
    placement_ids, pindex = _index_ids("placements", placements)
    n, m = len(applicant_ids), len(placement_ids)

    # ---- applicants
    # Comprehensions over C-level calls: this loop runs for every applicant of a national call.
    for i in [i for i, a in enumerate(applicants) if len(a) > 2 or "preferences" not in a]:
        _unknown_keys(_describe("applicants", i, applicants[i]), applicants[i], APPLICANT_KEYS)
    pref_lists: list[list[Any]] = [a.get("preferences") for a in applicants]
    if not set(map(type, pref_lists)) <= {list}:
        i = next(i for i, x in enumerate(pref_lists) if type(x) is not list)
        raise InstanceError(f"{_describe('applicants', i, applicants[i])}: 'preferences' must be a list of placement ids")
    cat_lists: list[tuple[int, list[Any]]] = [(i, a["categories"]) for i, a in enumerate(applicants) if "categories" in a]
    for i, cats in cat_lists:
        if type(cats) is not list or not all(isinstance(c, str) for c in cats):
            raise InstanceError(f"{_describe('applicants', i, applicants[i])}: 'categories' must be a list of strings")
    app_pref = _intern_lists("applicants", applicants, pref_lists, "preferences", pindex, "placement")
    _check_no_duplicates("applicants", applicants, pref_lists, "preferences")
    app_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, pref_lists), dtype=np.int64, count=n), out=app_ptr[1:])

    # ---- placements
    capacity = np.zeros(m, dtype=np.int64)
    uses_priorities = np.zeros(m, dtype=bool)
    rank_lists: list[list[Any]] = []
    prio_keys: list[list[Any]] = []
    prio_vals: list[Any] = []
    prio_owner: list[int] = []
    reserved_raw: dict[int, list[tuple[str, int]]] = {}
    for j, p in enumerate(placements):
        what = _describe("placements", j, p)
        if len(p) > 3 or "capacity" not in p:
            _unknown_keys(what, p, PLACEMENT_KEYS)
        cap = p.get("capacity")
        if not _is_int(cap):
            raise InstanceError(f"{what}: 'capacity' must be an integer")
        if cap < 0:
            raise InstanceError(f"{what}: 'capacity' must not be negative, got {cap}")
        capacity[j] = cap
        has_prefs, has_prios = "preferences" in p, "priorities" in p
        if has_prefs == has_prios:
            raise InstanceError(f"{what}: give exactly one of 'preferences' (a ranking) or 'priorities' (scores)")
        if has_prefs:
            lst = p["preferences"]
            if type(lst) is not list:
                raise InstanceError(f"{what}: 'preferences' must be a list of applicant ids")
            rank_lists.append(lst)
        else:
            d = p["priorities"]
            if type(d) is not dict:
                raise InstanceError(f"{what}: 'priorities' must be an object mapping applicant ids to integers")
            vals = list(d.values())
            if not set(map(type, vals)) <= {int}:  # bool is not int here, on purpose
                bad = next(k for k, v in d.items() if not _is_int(v))
                raise InstanceError(f"{what}: priorities[{bad!r}] must be an integer")
            uses_priorities[j] = True
            rank_lists.append([])
            prio_keys.append(list(d))
            prio_vals.append(vals)
            prio_owner.append(j)
        res = p.get("reserved")
        if res is not None:
            blocks = check_reserved(what, res, cap)
            if blocks:
                reserved_raw[j] = blocks

    # ---- placement orders, in file order (priorities are ordered by the lottery later)
    rank_owners = [placements[j] for j in range(m)]
    ranked = _intern_lists("placements", rank_owners, rank_lists, "preferences", aindex, "applicant")
    prio_owners = [placements[j] for j in prio_owner]
    prio_flat = _intern_lists("placements", prio_owners, prio_keys, "priorities", aindex, "applicant", prio_owner)
    pl_len = np.fromiter(map(len, rank_lists), dtype=np.int64, count=m)
    prio_len = np.fromiter(map(len, prio_keys), dtype=np.int64, count=len(prio_keys))
    owners = np.asarray(prio_owner, dtype=np.int64)
    pl_len[owners] = prio_len
    pl_start = np.cumsum(pl_len) - pl_len
    pl_flat = np.empty(int(pl_len.sum()), dtype=np.int32)
    pl_values = np.zeros(len(pl_flat), dtype=np.int64)
    is_ranked = ~uses_priorities
    pl_flat[_ranges(pl_start[is_ranked], pl_len[is_ranked])] = ranked
    if prio_owner:
        slots = _ranges(pl_start[owners], prio_len)
        pl_flat[slots] = prio_flat
        try:
            pl_values[slots] = np.fromiter(chain.from_iterable(prio_vals), dtype=np.int64, count=len(prio_flat))
        except OverflowError:
            raise InstanceError("priorities must be integers strictly between -2**53 and 2**53") from None

    inst, repeats = finish_instance(
        applicant_ids=applicant_ids, placement_ids=placement_ids, app_ptr=app_ptr, app_pref=app_pref,
        cat_lists=cat_lists, capacity=capacity, uses_priorities=uses_priorities, pl_len=pl_len,
        pl_flat=pl_flat, pl_values=pl_values, reserved_raw=reserved_raw, options=opts,
        compiled=use_compiled(kernel, len(app_pref)))
    if repeats:  # the join sorts (applicant, placement) pairs anyway; name the first repeat in file order
        _check_no_duplicates("placements", rank_owners, rank_lists, "preferences")
    inst._applicant_index, inst._placement_index = aindex, pindex
    return inst


def _name(kind: str, i: int, ids: list[str]) -> str:
    return f"{kind}[{i}] (id {ids[i]!r})"


def finish_instance(
    *, applicant_ids: list[str], placement_ids: list[str], app_ptr: np.ndarray, app_pref: np.ndarray,
    cat_lists: list[tuple[int, list[Any]]], capacity: np.ndarray, uses_priorities: np.ndarray,
    pl_len: np.ndarray, pl_flat: np.ndarray, pl_values: np.ndarray,
    reserved_raw: dict[int, list[tuple[str, int]]], options: Options, compiled: bool,
    lottery_positions: np.ndarray | None = None,
) -> tuple[Instance, bool]:
    """What both readers share once ids are ints: categories, the lottery, the rank join.

    pl_flat lists each placement's applicants in file order (pl_len per placement), pl_values their
    priorities (0 for ranked lists). Returns the instance and whether some placement lists an applicant
    twice (the caller names the entry). `lottery_positions`, when given, are the single lottery's
    positions of the applicants, already computed by the caller (the compiled reader overlaps them with
    interning).
    """
    n = len(applicant_ids)
    seed, tie_breaking, declared = options.lottery_seed, options.tie_breaking, options.declared_categories
    # ---- categories: declared in options, or else those some placement reserves seats for
    if declared is not None:
        categories = list(dict.fromkeys(declared))
        for j, blocks in reserved_raw.items():
            for k, (c, _) in enumerate(blocks):
                if c not in categories:
                    raise InstanceError(
                        f"{_name('placements', j, placement_ids)}: reserved[{k}] names unknown category {c!r} "
                        f"(not in options.categories)")
    else:
        categories = list(dict.fromkeys(c for blocks in reserved_raw.values() for c, _ in blocks))
    cindex = {c: k for k, c in enumerate(categories)}
    member = np.zeros((len(categories), n), dtype=bool)
    for i, cats in cat_lists:
        for k, c in enumerate(cats):
            ci = cindex.get(c)
            if ci is None:
                raise InstanceError(
                    f"{_name('applicants', i, applicant_ids)}: categories[{k}] names unknown category {c!r} "
                    f"(no placement reserves seats for it and options.categories does not declare it)")
            if member[ci, i]:
                raise InstanceError(f"{_name('applicants', i, applicant_ids)}: categories[{k}] repeats {c!r}")
            member[ci, i] = True
    reserved = {j: [(cindex[c], s) for c, s in blocks] for j, blocks in reserved_raw.items()}
    return order_instance(
        applicant_ids=applicant_ids, placement_ids=placement_ids, app_ptr=app_ptr, app_pref=app_pref, capacity=capacity,
        uses_priorities=uses_priorities, pl_len=pl_len, pl_flat=pl_flat, pl_values=pl_values, categories=categories,
        member=member, reserved=reserved, seed=seed, tie_breaking=tie_breaking, compiled=compiled,
        lottery_positions=lottery_positions)


def order_instance(
    *, applicant_ids: list[str], placement_ids: list[str], app_ptr: np.ndarray, app_pref: np.ndarray,
    capacity: np.ndarray, uses_priorities: np.ndarray, pl_len: np.ndarray, pl_flat: np.ndarray,
    pl_values: np.ndarray, categories: list[str], member: np.ndarray, reserved: dict[int, list[tuple[int, int]]],
    seed: int | None, tie_breaking: str, compiled: bool, lottery_positions: np.ndarray | None = None,
) -> tuple[Instance, bool]:
    """The last step of every way to build an instance: each placement's order, then the rank join.

    Ranked placements keep their lists as given; a priorities placement's list is sorted by priority,
    ties by the lottery. Returns the instance and whether some placement lists an applicant twice.
    """
    n, m = len(applicant_ids), len(placement_ids)
    prio_owner = np.flatnonzero(uses_priorities)
    if len(prio_owner) and seed is None:
        raise InstanceError(
            f"{_name('placements', int(prio_owner[0]), placement_ids)}: uses 'priorities', so "
            f"options.lottery_seed is required to break ties reproducibly")
    pl_ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(pl_len, out=pl_ptr[1:])
    pl_app = pl_flat.astype(np.int32, copy=True)
    pl_priority = np.zeros(int(pl_ptr[-1]), dtype=np.int64)
    if len(prio_owner) and compiled and tie_breaking == "single":
        from .compiled_orders import order_priority_lists
        if len(pl_values) and int(np.abs(pl_values).max()) >= 2**53:
            raise InstanceError("priorities must be integers strictly between -2**53 and 2**53")
        assert seed is not None  # priorities without a seed were rejected above
        position = (lottery_positions if lottery_positions is not None
                    else single_lottery_positions(seed, applicant_ids, kernel="numba"))
        pl_priority[:] = pl_values
        order_priority_lists(pl_ptr, prio_owner, pl_app, pl_priority, position)
    elif len(prio_owner):
        prio_len = pl_len[prio_owner]
        slots = _ranges(pl_ptr[:-1][prio_owner], prio_len)
        prio_flat = pl_flat[slots]
        order, prios = _order_priorities(
            applicant_ids, placement_ids, prio_owner, prio_len, prio_flat, pl_values[slots], seed, tie_breaking)
        pl_app[slots] = prio_flat[order]
        pl_priority[slots] = prios[order]

    if compiled:
        from .compiled_orders import join_ranks
        entry_rank, repeats = join_ranks(n, m, app_ptr, app_pref, pl_ptr, pl_app)
    else:
        entry_rank, repeats = _join_ranks(n, m, app_ptr, app_pref, pl_ptr, pl_app)
    inst = Instance(
        applicant_ids=applicant_ids, placement_ids=placement_ids, app_ptr=app_ptr, app_pref=app_pref,
        entry_rank=entry_rank, capacity=capacity, pl_ptr=pl_ptr, pl_app=pl_app, pl_priority=pl_priority,
        uses_priorities=uses_priorities, categories=categories, member=member, reserved=reserved,
        lottery_seed=seed, tie_breaking=tie_breaking)
    return inst, bool(repeats)


def load_instance_bytes(data: bytes, *, kernel: Kernel | None = None) -> Instance:
    """Read an instance from the bytes of its JSON file.

    Large files go through the compiled reader (`compiled_parse`); when it declines the text -- any
    shape it does not handle, valid or not -- or on smaller files, this is `load_instance(json.loads(data))`.
    Raises `InstanceError` for a malformed instance and the usual `ValueError`s of `json.loads`.
    """
    if use_compiled(kernel, len(data) // BYTES_PER_ENTRY):
        from .compiled_parse import parse_instance_bytes
        inst = parse_instance_bytes(data)
        if inst is not None:
            return inst
    return load_instance(json.loads(data), kernel=kernel)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s+l) for each (s, l), vectorised."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total, dtype=np.int64)


def _order_priorities(
    applicant_ids: list[str], placement_ids: list[str], owners: np.ndarray, lengths: np.ndarray,
    flat: np.ndarray, prios_i: np.ndarray, seed: int | None, tie_breaking: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Order each priorities placement: higher priority first, ties by smaller lottery number.

    Returns a permutation of the flat entries (grouped by placement, in owner order) and the priorities.
    """
    assert seed is not None
    if len(flat) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    group = np.repeat(np.arange(len(owners), dtype=np.int64), lengths)
    if len(prios_i) and int(np.abs(prios_i).max()) >= 2**53:
        raise InstanceError("priorities must be integers strictly between -2**53 and 2**53")
    if tie_breaking == "single":
        # one number per applicant: rank all applicants by it once; the rank is the lottery position
        lot = single_lottery_positions(seed, applicant_ids, kernel="numpy")[flat]
        lo, hi = int(prios_i.min()), int(prios_i.max())
        span = hi - lo + 1
        n = max(1, len(applicant_ids))
        if len(owners) * span * n < 2**62:
            key = (group * span + (hi - prios_i)) * n + lot
            return np.argsort(key, kind="stable"), prios_i
        return np.lexsort((lot, -prios_i, group)), prios_i
    # multiple: one number per (placement, applicant); compare whole digests, so sort in Python
    pid = np.repeat(owners, lengths).tolist()
    flat_l = flat.tolist()
    keys = [(g, -v, lottery_digest(seed, applicant_ids[a], placement_ids[p]))
            for g, v, p, a in zip(group.tolist(), prios_i.tolist(), pid, flat_l)]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return np.asarray(order, dtype=np.int64), prios_i


def _join_ranks(n: int, m: int, app_ptr: np.ndarray, app_pref: np.ndarray, pl_ptr: np.ndarray,
                pl_app: np.ndarray) -> tuple[np.ndarray, bool]:
    """For each applicant entry (a, p), the rank of a in p's order, or -1 if p does not accept a.

    Both sides are keyed by a*m + p. The placement side is radix-sorted by applicant (stable, so the
    keys come out sorted because placements are already in ascending order); the applicant side is
    already grouped by applicant, so searchsorted walks the sorted keys almost sequentially.
    """
    if len(pl_app) == 0:
        return np.full(len(app_pref), -1, dtype=np.int32), False
    pl_len = np.diff(pl_ptr)
    pl_of = np.repeat(np.arange(m, dtype=np.int64), pl_len)
    rank = np.arange(len(pl_app), dtype=np.int64) - np.repeat(pl_ptr[:-1], pl_len)
    order = _radix_argsort(pl_app.astype(np.int64), max(n, 1))
    sorted_keys = pl_app[order].astype(np.int64) * m + pl_of[order]
    sorted_rank = rank[order]
    a_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(app_ptr))
    keys = a_of * m + app_pref
    pos = np.searchsorted(sorted_keys, keys)
    np.minimum(pos, len(sorted_keys) - 1, out=pos)
    found = sorted_keys[pos] == keys
    repeats = bool(np.any(sorted_keys[1:] == sorted_keys[:-1]))  # an applicant twice in a placement's order
    return np.where(found, sorted_rank[pos], -1).astype(np.int32), repeats


def instance_from_parts(
    applicants: Sequence[Mapping[str, Any]], placements: Sequence[Mapping[str, Any]],
    options: Mapping[str, Any] | None = None,
) -> Instance:
    """Convenience for callers that already hold Python objects (e.g. the mobility app)."""
    obj: dict[str, Any] = {"applicants": list(applicants), "placements": list(placements)}
    if options is not None:
        obj["options"] = dict(options)
    return load_instance(obj)
