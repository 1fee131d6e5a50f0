"""An instance built from arrays an application already holds, without writing it out as JSON first.

A platform that keeps applicants and placements in a database (the mobility rounds) reads them as
integer columns. Turning 4 million choices into JSON-like dicts only for `load_instance` to intern them
back into these very arrays costs seconds, so `instance_from_arrays` takes the arrays directly, checks
them as strictly as the JSON reader checks a file (cheaply, with vectorised tests), and finishes the
instance the same way: the lottery orders priorities, the rank join links both sides. The result is
the instance `load_instance` gives for the equivalent JSON (tests/mobility/test_round_oracle.py checks
it against the database's reference builder).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .kernel import Kernel, use_compiled
from .model import TIE_BREAKING, Instance, InstanceError, order_instance


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise InstanceError(message)


def _csr(name: str, ptr: np.ndarray, items: np.ndarray, owners: int, bound: int, kind: str) -> None:
    """ptr has owners + 1 non-decreasing offsets from 0 to len(items); every item is in [0, bound)."""
    _require(ptr.ndim == 1 and len(ptr) == owners + 1, f"{name}: expected {owners + 1} offsets, got {len(ptr)}")
    _require(int(ptr[0]) == 0 and int(ptr[-1]) == len(items) and bool(np.all(ptr[1:] >= ptr[:-1])),
             f"{name}: offsets must rise from 0 to the number of entries ({len(items)})")
    if len(items):
        _require(int(items.min()) >= 0 and int(items.max()) < bound, f"{name}: an entry names no {kind}")


def instance_from_arrays(
    *,
    applicant_ids: Sequence[str],
    placement_ids: Sequence[str],
    app_ptr: np.ndarray,
    app_pref: np.ndarray,
    capacity: np.ndarray,
    pl_ptr: np.ndarray,
    pl_app: np.ndarray,
    pl_priority: np.ndarray | None = None,
    uses_priorities: np.ndarray | None = None,
    categories: Sequence[str] = (),
    member: np.ndarray | None = None,
    reserved: Mapping[int, Sequence[tuple[int, int]]] | None = None,
    lottery_seed: int | None = None,
    tie_breaking: str = "single",
    kernel: Kernel | None = None,
) -> Instance:
    """The instance with applicants 0..n-1 and placements 0..m-1 named by the two id lists.

    - `app_pref[app_ptr[a]:app_ptr[a+1]]`: applicant a's placements, best first (the JSON `preferences`).
    - `pl_app[pl_ptr[p]:pl_ptr[p+1]]`: the applicants placement p accepts. For a placement that uses
      priorities (`uses_priorities[p]`; by default every placement when `pl_priority` is given, none
      otherwise), `pl_priority` holds each one's priority, aligned with `pl_app`, and the order within
      the list does not matter: the engine sorts it, higher priority first, ties by the lottery. For a
      ranked placement the list is its order, best first (the JSON `preferences` of a placement).
    - `capacity[p]`: seats; `reserved[p]`: [(category index, seats), ...] in precedence order.
    - `member[c, a]`: applicant a belongs to `categories[c]`.

    Raises `InstanceError` when the arrays do not describe a valid instance. The arrays are not copied
    where the instance can keep them (`app_ptr`, `app_pref` as int32, `capacity`), so do not change them.
    """
    applicant_ids, placement_ids = list(applicant_ids), list(placement_ids)
    n, m = len(applicant_ids), len(placement_ids)
    for kind, ids in (("applicants", applicant_ids), ("placements", placement_ids)):
        _require(len(set(ids)) == len(ids), f"{kind}: ids must be distinct")
        _require(all(ids) and not any("\x00" in x for x in ids), f"{kind}: ids must be non-empty and without NUL")
    _require(tie_breaking in TIE_BREAKING, f"options.tie_breaking must be 'single' or 'multiple', got {tie_breaking!r}")
    _require(lottery_seed is None or (type(lottery_seed) is int and lottery_seed >= 0),
             "options.lottery_seed must be a non-negative integer")

    app_ptr = np.asarray(app_ptr, dtype=np.int64)
    app_pref = np.asarray(app_pref).astype(np.int32, copy=False)
    _csr("applicants' preferences", app_ptr, app_pref, n, m, "placement")
    if len(app_pref):  # an applicant names each placement once (as `_check_no_duplicates` in the JSON reader)
        lengths = np.diff(app_ptr)
        keys = np.sort(np.repeat(np.arange(n, dtype=np.int64), lengths) * max(m, 1) + app_pref)
        twice = np.flatnonzero(keys[1:] == keys[:-1])
        if len(twice):
            a, p = divmod(int(keys[twice[0]]), max(m, 1))
            raise InstanceError(f"applicants[{a}] (id {applicant_ids[a]!r}): preferences repeats {placement_ids[p]!r}")

    capacity = np.asarray(capacity, dtype=np.int64)
    _require(capacity.shape == (m,), f"capacity: expected {m} values")
    if m and int(capacity.min()) < 0:
        j = int(np.argmin(capacity))
        raise InstanceError(f"placements[{j}] (id {placement_ids[j]!r}): 'capacity' must not be negative, got {int(capacity[j])}")

    pl_ptr = np.asarray(pl_ptr, dtype=np.int64)
    pl_app = np.asarray(pl_app).astype(np.int32, copy=False)
    _csr("placements' lists", pl_ptr, pl_app, m, n, "applicant")
    if uses_priorities is None:
        uses_priorities = np.full(m, pl_priority is not None, dtype=bool)
    uses_priorities = np.asarray(uses_priorities, dtype=bool)
    _require(uses_priorities.shape == (m,), f"uses_priorities: expected {m} values")
    if pl_priority is None:
        _require(not uses_priorities.any(), "placements that use priorities need pl_priority")
        pl_values = np.zeros(len(pl_app), dtype=np.int64)
    else:
        pl_values = np.asarray(pl_priority, dtype=np.int64)
        _require(pl_values.shape == pl_app.shape, "pl_priority must be aligned with pl_app")
        pl_values = np.where(np.repeat(uses_priorities, np.diff(pl_ptr)), pl_values, 0)

    categories = list(dict.fromkeys(categories))
    _require("open" not in categories, "options.categories cannot declare 'open', which names the unreserved seats")
    member = np.zeros((len(categories), n), dtype=bool) if member is None else np.asarray(member, dtype=bool)
    _require(member.shape == (len(categories), n), f"member: expected shape ({len(categories)}, {n})")
    blocks: dict[int, list[tuple[int, int]]] = {}
    for j, entries in (reserved or {}).items():
        what = f"placements[{j}] (id {placement_ids[j]!r})" if 0 <= j < m else f"reserved: no placement {j}"
        _require(0 <= j < m, what)
        seen: set[int] = set()
        for k, (c, seats) in enumerate(entries):
            _require(0 <= c < len(categories), f"{what}: reserved[{k}] names no category")
            _require(c not in seen, f"{what}: reserved[{k}] repeats category {categories[c]!r}")
            _require(seats >= 0, f"{what}: reserved[{k}] seats must not be negative")
            seen.add(c)
        total = sum(s for _, s in entries)
        _require(total <= capacity[j], f"{what}: reserved seats ({total}) exceed capacity ({int(capacity[j])})")
        if entries:
            blocks[j] = [(int(c), int(s)) for c, s in entries]

    inst, repeats = order_instance(
        applicant_ids=applicant_ids, placement_ids=placement_ids, app_ptr=app_ptr, app_pref=app_pref,
        capacity=capacity, uses_priorities=uses_priorities, pl_len=np.diff(pl_ptr), pl_flat=pl_app,
        pl_values=pl_values, categories=categories, member=member, reserved=blocks, seed=lottery_seed,
        tie_breaking=tie_breaking, compiled=use_compiled(kernel, len(app_pref)))
    if repeats:
        for p in range(m):
            listed = pl_app[pl_ptr[p]:pl_ptr[p + 1]]
            if len(np.unique(listed)) != len(listed):
                raise InstanceError(f"placements[{p}] (id {placement_ids[p]!r}): lists an applicant twice")
    return inst
