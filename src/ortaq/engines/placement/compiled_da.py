"""Compiled (Numba) deferred acceptance: one proposal at a time, on the instance's own arrays.

The numpy path (`solver._deferred_acceptance`) first expands every acceptable entry into one entry per
seat block of its placement (4.4 million packed codes on a national call) and then runs DA round by
round. Here the expansion is implicit: a free applicant's state is (e, j) -- her entry index in
`app_pref` and the offset j of the block she tries among her placement's blocks -- and her key at block
b is computed when she proposes: her rank at the placement, plus `big` when b is reserved for a category
she is not a member of (so every member comes first). Lower keys are better.

Each block keeps its holders in its own seat range seat_off[b]:seat_off[b] + cap[b] and a threshold:
the code of its worst seat (an empty seat is worse than any holder). A proposal that does not beat the
threshold is rejected at once and the applicant tries the next block of the same placement (j + 1),
then her next entry; a proposal that beats it takes the seat of the worst holder, who resumes at her
(e, j + 1). The applicant-optimal stable matching does not depend on the order of proposals, so the
result -- down to which block holds whom -- is the numpy path's.

Measured on the national call of bench/placement.py (1.8 million proposals, half a million of which
take a seat, 0.3 million displacing someone): the time goes to memory latency and mispredicted
branches, not arithmetic. Hence:

- a holder is packed as key << 32 | applicant in one int64 (keys within a block are distinct, being
  ranks at one placement), so one comparison orders holders and one access yields both; beside it the
  seat keeps the entry index she holds it by, so a displaced applicant resumes without a lookup;
- empty seats hold the largest int64, so a free seat and a full block's worst holder are handled alike:
  no fill counters, and the per-block record is 16 bytes (threshold; category and first seat): a
  rejected proposal touches one cache line;
- seats of blocks with at most SORTED_MAX_CAP seats are kept sorted best first (insertion: one short,
  predictable loop, and nothing left to sort at the end); larger blocks are a max-heap whose top is
  the worst seat, so a programme with thousands of seats stays O(log seats) per proposal, and are
  heap-sorted at the end;
- displaced applicants wait in a FIFO queue, and their remaining preference list is prefetched when
  they are queued: by the time they propose again (QUEUE_DELAY applicants later) it has arrived from
  memory. (A LIFO stack, proposing at once, ran about a third slower.)

`solver.solve` only calls `deferred_acceptance` when keys fit in 31 bits and applicant and entry indices
in 31 (see `fits`). Importing this module imports Numba; `solver.solve` imports it only when the
compiled kernels run (`kernel.use_compiled`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from llvmlite import ir
from numba import njit
from numba.core import cgutils, types
from numba.extending import intrinsic

# blocks with at most this many seats keep them sorted by insertion; larger ones use a heap
SORTED_MAX_CAP = 64
# how many displaced applicants wait (their preference lists being prefetched) before the oldest proposes
QUEUE_DELAY = 32

_LOW = np.int64(0xFFFFFFFF)
_EMPTY = np.int64(0x7FFFFFFFFFFFFFFF)  # an empty seat: worse than every holder
_CAT1 = np.int64(1) << 32  # (category + 1) << 32 of the first category
_LIMIT = 2**31


def fits(n_applicants: int, n_entries: int, big: int) -> bool:
    """Whether the packed codes (key << 32 | applicant, int32 entry indices) can represent the instance."""
    return 2 * big < _LIMIT and n_applicants < _LIMIT and n_entries < _LIMIT


@intrinsic
def _prefetch_intrinsic(typingctx, arr, idx):
    """Hint the CPU to fetch arr.flat[idx] into the cache (llvm.prefetch: no effect on results)."""
    if not isinstance(arr, types.Array) or not isinstance(idx, types.Integer):
        return None
    sig = types.void(arr, idx)

    def codegen(context, builder, signature, args):
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        i = context.cast(builder, args[1], idxty, types.intp)
        ptr = builder.bitcast(builder.gep(ary.data, [i]), ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [ptr, i32(0), i32(3), i32(1)])  # read, keep in all cache levels, data
        return context.get_dummy_value()

    return sig, codegen


# Jitted code calls an intrinsic without the typing context. numba's stubs type the call with it, and as never
# returning (called from Python it raises), which would leave the rest of each caller unchecked: mypy reads the
# signature the jitted callers use.
if TYPE_CHECKING:
    def _prefetch(arr: np.ndarray, idx: int | np.integer) -> None: ...
else:
    _prefetch = _prefetch_intrinsic

@njit(cache=True, nogil=True)
def _sift_down(heap: np.ndarray, aux: np.ndarray, s: int, size: int) -> None:
    """Restore the max-heap heap[s:s+size] (aux moving alongside) after its top was replaced."""
    x = heap[s]
    xa = aux[s]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        y = heap[s + c]
        if c + 1 < size:
            z = heap[s + c + 1]
            if z > y:
                c += 1
                y = z
        if y <= x:
            break
        heap[s + i] = y
        aux[s + i] = aux[s + c]
        i = c
    heap[s + i] = x
    aux[s + i] = xa


@njit(cache=True, nogil=True, inline="always")
def _propose(a, j, e, end, app_pref, entry_rank, block_ptr, blk, seats, aux, member, big, sorted_max_cap):
    """Applicant a proposes from her state (e, j) on until a block takes her or her list ends.

    Returns the applicant she displaced as (j + 1 << 32 | applicant, entry index), or (-1, 0).
    """
    while e < end:
        r = entry_rank[e]
        if r >= 0:
            p = app_pref[e]
            b0 = block_ptr[p]
            nb = block_ptr[p + 1] - b0
            while j < nb:
                b = b0 + j
                key = np.int64(r)
                cs = blk[b, 1]
                if cs >= _CAT1 and not member[(cs >> 32) - 1, a]:
                    key += big
                code = (key << 32) | a
                if code < blk[b, 0]:
                    s = cs & _LOW
                    cap = (blk[b + 1, 1] & _LOW) - s
                    if cap <= sorted_max_cap:
                        # sorted best first: drop the last seat (the worst holder, or empty), shift the
                        # worse holders up one seat and insert
                        i = s + cap - 1
                        out = seats[i]
                        out_e = aux[i]
                        while i > s:
                            y = seats[i - 1]
                            if y < code:
                                break
                            seats[i] = y
                            aux[i] = aux[i - 1]
                            i -= 1
                        seats[i] = code
                        aux[i] = e
                        blk[b, 0] = seats[s + cap - 1]
                    else:
                        # max-heap: replace the top (the worst holder, or empty) and sift down
                        out = seats[s]
                        out_e = aux[s]
                        seats[s] = code
                        aux[s] = e
                        _sift_down(seats, aux, s, cap)
                        blk[b, 0] = seats[s]
                    if out == _EMPTY:
                        return np.int64(-1), np.int64(0)
                    return (out & _LOW) | ((j + 1) << 32), np.int64(out_e)
                j += 1
        e += 1
        j = 0
    return np.int64(-1), np.int64(0)


@njit(cache=True, nogil=True)
def deferred_acceptance(
    app_ptr: np.ndarray, app_pref: np.ndarray, entry_rank: np.ndarray, block_ptr: np.ndarray,
    block_cap: np.ndarray, block_category: np.ndarray, member: np.ndarray, big: int,
    sorted_max_cap: int = SORTED_MAX_CAP, queue_delay: int = QUEUE_DELAY,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Applicant-proposing DA over seat blocks; returns (slot_app, slot_key, match, match_entry).

    block_ptr[p]:block_ptr[p+1] are the blocks of placement p in precedence order (solver.Blocks), with
    block_cap seats and category block_category (-1 for the open block); member[c, a] tells whether
    applicant a belongs to category c. The outputs are the numpy path's: the seats of block b are
    seat_off[b]:seat_off[b] + cap[b] (seat_off = cumulative cap), best first, with slot_app -1 and
    slot_key 2 * big when empty; match[a] is her placement and match_entry[a] the index in app_pref of
    the entry she is placed by (both -1 when unplaced). `sorted_max_cap` and `queue_delay` change only
    the speed (tests vary them).
    """
    n = app_ptr.shape[0] - 1
    n_blocks = block_cap.shape[0]
    # per block, 16 bytes: threshold (the worst seat's code: _EMPTY while a seat is free),
    # (category + 1) << 32 | first seat; one more row marks where the last block's seats end
    blk = np.empty((n_blocks + 1, 2), dtype=np.int64)
    s = 0
    for b in range(n_blocks):
        blk[b, 0] = _EMPTY
        blk[b, 1] = ((block_category[b] + 1) << 32) | s
        s += block_cap[b]
    blk[n_blocks, 0] = _EMPTY
    blk[n_blocks, 1] = s
    n_seats = s
    seats = np.full(n_seats, _EMPTY, dtype=np.int64)  # key << 32 | applicant, or _EMPTY
    aux = np.zeros(n_seats, dtype=np.int32)  # the entry index she holds the seat by
    # FIFO ring of displaced applicants (each is in it at most once): j << 32 | applicant, entry index
    size = 1
    while size < n + 1:
        size *= 2
    mask = size - 1
    q_code = np.empty(size, dtype=np.int64)
    q_e = np.empty(size, dtype=np.int64)
    head = 0
    tail = 0
    a0 = 0  # applicants make their first proposals in index order, their entries read in memory order
    while True:
        if a0 < n and tail - head <= queue_delay:
            a = np.int64(a0)
            j = np.int64(0)
            e = app_ptr[a0]
            end = app_ptr[a0 + 1]
            a0 += 1
        elif tail > head:
            x = q_code[head & mask]
            e = q_e[head & mask]
            head += 1
            a = x & _LOW
            j = x >> 32
            end = app_ptr[a + 1]
        else:
            break
        out_code, out_e = _propose(a, j, e, end, app_pref, entry_rank, block_ptr, blk, seats, aux, member, big,
                                   sorted_max_cap)
        if out_code >= 0:
            _prefetch(entry_rank, out_e)
            _prefetch(app_pref, out_e)
            _prefetch(app_ptr, (out_code & _LOW) + 1)
            q_code[tail & mask] = out_code
            q_e[tail & mask] = out_e
            tail += 1

    slot_app = np.empty(n_seats, dtype=np.int64)
    slot_key = np.empty(n_seats, dtype=np.int64)
    match = np.full(n, -1, dtype=np.int64)
    match_entry = np.full(n, -1, dtype=np.int64)
    empty_key = 2 * big
    for b in range(n_blocks):
        s = blk[b, 1] & _LOW
        cap = (blk[b + 1, 1] & _LOW) - s
        if cap > sorted_max_cap:
            # heap-sort in place: the max-heap yields its seats in ascending order, best first
            for k in range(cap - 1, 0, -1):
                x = seats[s]
                seats[s] = seats[s + k]
                seats[s + k] = x
                y = aux[s]
                aux[s] = aux[s + k]
                aux[s + k] = y
                _sift_down(seats, aux, s, k)
        for k in range(s, s + cap):
            code = seats[k]
            if code == _EMPTY:
                slot_app[k] = -1
                slot_key[k] = empty_key
            else:
                a = code & _LOW
                slot_app[k] = a
                slot_key[k] = code >> 32
                e = aux[k]
                match_entry[a] = e
                match[a] = app_pref[e]
    return slot_app, slot_key, match, match_entry
