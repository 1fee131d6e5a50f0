"""Compiled (Numba) writer of the compact result JSON: the "matching" and "explanations" objects.

On a national call these two objects are 95 MB of JSON, four fifths of it explanations (every
placement an applicant ranked above the one she got). `Result.to_json` builds them in Python from
per-placement fragments in about a second; `render` writes the same bytes in one pass over the arrays.

Python prepares everything that involves strings: the applicant and placement ids JSON-encoded exactly
as `Result.to_json` encodes them, as UTF-8, concatenated into one uint8 buffer with offsets each
(`encoded_ids`); the applicant order (Python's `sorted` on the id strings, as `to_json` does); and the
small parts of the document (cutoffs, lottery seed, stats) around the two objects. A first pass finds
where every applicant's members start (so the exact size of the document), then two threads fill
their halves of one preallocated uint8 array: no reallocation, no per-item objects. Measured on the
national call: the two objects in about 0.1 s, `to_json` as a whole in 0.42 s instead of 1.4-1.8 s
(the rest is the cutoffs, the stats and the ids, in Python).

Importing this module imports Numba; `Result.to_json` imports it only for results solved by the compiled
kernels (`Result.compiled`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from numba.core import cgutils, types
from numba.extending import intrinsic

# JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode(s) -- what `Result.to_json` uses -- is
# exactly encode_basestring(s) for a str; calling it directly through map() saves a Python call per id.
_encode_string = json.encoder.encode_basestring

# the fixed pieces of an explanation item: '{"placement":' + placement id + one of the reasons
_PIECES = ['{"placement":', ',"reason":"not_acceptable"}', ',"reason":"no_capacity"}',
           ',"reason":"below_cutoff","rank":', "null"]
OPEN, NOT_ACCEPTABLE, NO_CAPACITY, BELOW_CUTOFF, NULL = range(len(_PIECES))


def _concatenated(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of the strings concatenated (uint8), and offsets: string i is buf[off[i]:off[i+1]].

    The strings must not contain NUL (ids cannot; JSON-encoded strings escape it): it separates them
    while they are joined and encoded in one call each.
    """
    joined = np.frombuffer(("\x00".join(strings) + "\x00").encode("utf-8", "surrogatepass"), dtype=np.uint8)
    ends = np.flatnonzero(joined == 0)
    off = np.zeros(len(strings) + 1, dtype=np.int64)
    off[1:] = ends - np.arange(len(strings), dtype=np.int64)  # the bytes before each NUL, NULs removed
    return joined[joined != 0], off


def encoded_ids(ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The ids JSON-encoded (quoted and escaped, non-ASCII kept) as `Result.to_json` writes them."""
    return _concatenated(list(map(_encode_string, ids)))


_PIECE_BUF, _PIECE_OFF = _concatenated(_PIECES)


@intrinsic
def _memcpy_intrinsic(typingctx, dst, dst_pos, src, src_pos, count):
    """dst[dst_pos:dst_pos + count] = src[src_pos:src_pos + count] for uint8 arrays, as one llvm.memcpy.

    The copies are short (an id, a reason) and many: a libc memcpy moves them in a few wide loads and
    stores where a byte loop takes a cycle per byte (measured: the whole document a third faster).
    """
    if not (isinstance(dst, types.Array) and isinstance(src, types.Array) and dst.dtype == types.uint8
            and src.dtype == types.uint8):
        return None
    sig = types.void(dst, dst_pos, src, src_pos, count)

    def codegen(context, builder, signature, args):
        d = context.make_array(signature.args[0])(context, builder, args[0])
        s = context.make_array(signature.args[2])(context, builder, args[2])
        dp = builder.gep(d.data, [context.cast(builder, args[1], signature.args[1], types.intp)])
        sp = builder.gep(s.data, [context.cast(builder, args[3], signature.args[3], types.intp)])
        cgutils.raw_memcpy(builder, dp, sp, context.cast(builder, args[4], signature.args[4], types.intp), 1)
        return context.get_dummy_value()

    return sig, codegen


# Jitted code calls an intrinsic without the typing context. numba's stubs type the call with it, and as never
# returning (called from Python it raises), which would leave the rest of each caller unchecked: mypy reads the
# signature the jitted callers use.
if TYPE_CHECKING:
    def _memcpy(dst: np.ndarray, dst_pos: int, src: np.ndarray, src_pos: int, count: int) -> None: ...
else:
    _memcpy = _memcpy_intrinsic

@njit(cache=True, nogil=True, inline="always")
def _put(out: np.ndarray, pos: int, src: np.ndarray, lo: int, hi: int) -> int:
    """Copy src[lo:hi] to out at pos; returns the position after it."""
    _memcpy(out, pos, src, lo, hi - lo)
    return pos + hi - lo


@njit(cache=True, nogil=True, inline="always")
def _digits(x: int | np.integer) -> int:
    d = 1
    while x >= 10:
        x //= 10
        d += 1
    return d


# Below this many applicants the document is written by one thread (starting a second costs more).
TWO_THREADS_FROM = 50_000


def render(
    head: bytes, mid: bytes, tail: bytes, a_ids: tuple[np.ndarray, np.ndarray], p_ids: tuple[np.ndarray, np.ndarray],
    order: np.ndarray, match: np.ndarray, match_entry: np.ndarray, app_ptr: np.ndarray, app_pref: np.ndarray,
    entry_rank: np.ndarray, capacity: np.ndarray, threads: int = 2,
) -> np.ndarray:
    """head + matching members + mid + explanations members + tail, as UTF-8 bytes (a uint8 array).

    Applicants appear in `order`; a_ids and p_ids come from `encoded_ids`. Applicant a's explanations
    list her entries app_ptr[a]:match_entry[a] (all of them when unplaced): not_acceptable when
    entry_rank < 0, no_capacity when the placement has no seats, else below_cutoff with rank
    entry_rank + 1 -- `Result.explanations`, as `Result.to_json` writes it. The first pass finds where
    every applicant's members start; then the two halves of the applicants are written by two threads
    (the kernels release the GIL) into one array allocated once.
    """
    def u8(b: bytes) -> np.ndarray:
        return np.frombuffer(b, dtype=np.uint8)

    head_u, mid_u, tail_u = u8(head), u8(mid), u8(tail)
    a_buf, a_off = a_ids
    p_buf, p_off = p_ids
    n = len(order)
    m_pos, x_pos, out = _positions(len(head_u), len(mid_u), len(tail_u), a_off, p_off, order, match, match_entry,
                                   app_ptr, app_pref, entry_rank, capacity, _PIECE_OFF)
    out[:len(head_u)] = head_u
    out[m_pos[n]:m_pos[n] + len(mid_u)] = mid_u
    out[x_pos[n]:] = tail_u
    args = (out, m_pos, x_pos, a_buf, a_off, p_buf, p_off, order, match, match_entry, app_ptr, app_pref, entry_rank,
            capacity, _PIECE_BUF, _PIECE_OFF)
    if threads > 1 and n >= TWO_THREADS_FROM:
        half = n // 2
        with ThreadPoolExecutor(max_workers=1) as pool:
            first = pool.submit(_fill, 0, half, *args)
            _fill(half, n, *args)
            first.result()
    else:
        _fill(0, n, *args)
    return out


@njit(cache=True, nogil=True)
def _positions(
    len_head: int, len_mid: int, len_tail: int, a_off: np.ndarray, p_off: np.ndarray, order: np.ndarray,
    match: np.ndarray, match_entry: np.ndarray, app_ptr: np.ndarray, app_pref: np.ndarray, entry_rank: np.ndarray,
    capacity: np.ndarray, piece_off: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the k-th applicant's member starts in matching (m_pos[k]) and in explanations (x_pos[k]),
    and the (uninitialised) array for the whole document.

    m_pos[n] is where matching ends (and `mid` starts), x_pos[n] where explanations end (`tail` starts).
    A member after the first starts with its comma. The document is allocated here, by Numba's
    allocator rather than numpy's: numpy asks for transparent huge pages on large arrays, and in a fresh
    process the kernel may stall to compact memory for them (measured: twice slower).
    """
    n = order.shape[0]
    len_open = piece_off[OPEN + 1] - piece_off[OPEN]
    len_na = piece_off[NOT_ACCEPTABLE + 1] - piece_off[NOT_ACCEPTABLE]
    len_nc = piece_off[NO_CAPACITY + 1] - piece_off[NO_CAPACITY]
    len_bc = piece_off[BELOW_CUTOFF + 1] - piece_off[BELOW_CUTOFF]
    len_null = piece_off[NULL + 1] - piece_off[NULL]
    m_pos = np.empty(n + 1, dtype=np.int64)
    x_pos = np.empty(n + 1, dtype=np.int64)
    pos = np.int64(len_head)
    for k in range(n):
        a = order[k]
        m_pos[k] = pos
        p = match[a]
        pos += (k > 0) + a_off[a + 1] - a_off[a] + 1  # [,]id:
        pos += (p_off[p + 1] - p_off[p]) if p >= 0 else len_null
    m_pos[n] = pos
    pos += len_mid
    for k in range(n):
        a = order[k]
        x_pos[k] = pos
        pos += (k > 0) + a_off[a + 1] - a_off[a] + 3  # [,]id:[]
        lo = app_ptr[a]
        hi = match_entry[a] if match_entry[a] >= 0 else app_ptr[a + 1]
        if hi > lo:
            pos += hi - lo - 1  # commas between items
        for e in range(lo, hi):
            q = app_pref[e]
            pos += len_open + p_off[q + 1] - p_off[q]
            r = entry_rank[e]
            if r < 0:
                pos += len_na
            elif capacity[q] == 0:
                pos += len_nc
            else:
                pos += len_bc + _digits(r + 1) + 1
    x_pos[n] = pos
    return m_pos, x_pos, np.empty(pos + len_tail, dtype=np.uint8)


@njit(cache=True, nogil=True, inline="always")
def _member_key(out, pos, k, a_buf, a_off, a):
    """Write the k-th member's start, `,"id":` (no comma before the first), at pos; returns the position after."""
    if k:
        out[pos] = 44  # ,
        pos += 1
    pos = _put(out, pos, a_buf, a_off[a], a_off[a + 1])
    out[pos] = 58  # :
    return pos + 1


@njit(cache=True, nogil=True)
def _fill(
    k_lo: int, k_hi: int, out: np.ndarray, m_pos: np.ndarray, x_pos: np.ndarray, a_buf: np.ndarray,
    a_off: np.ndarray, p_buf: np.ndarray, p_off: np.ndarray, order: np.ndarray, match: np.ndarray,
    match_entry: np.ndarray, app_ptr: np.ndarray, app_pref: np.ndarray, entry_rank: np.ndarray,
    capacity: np.ndarray, pieces: np.ndarray, piece_off: np.ndarray,
) -> None:
    """Write the members of applicants order[k_lo:k_hi] in both objects, at the positions of `_positions`."""
    for k in range(k_lo, k_hi):
        a = order[k]
        pos = _member_key(out, m_pos[k], k, a_buf, a_off, a)
        p = match[a]
        if p >= 0:
            _put(out, pos, p_buf, p_off[p], p_off[p + 1])
        else:
            _put(out, pos, pieces, piece_off[NULL], piece_off[NULL + 1])
    for k in range(k_lo, k_hi):
        a = order[k]
        pos = _member_key(out, x_pos[k], k, a_buf, a_off, a)
        out[pos] = 91  # [
        pos += 1
        lo = app_ptr[a]
        hi = match_entry[a] if match_entry[a] >= 0 else app_ptr[a + 1]
        for e in range(lo, hi):
            if e > lo:
                out[pos] = 44  # ,
                pos += 1
            q = app_pref[e]
            pos = _put(out, pos, pieces, piece_off[OPEN], piece_off[OPEN + 1])
            pos = _put(out, pos, p_buf, p_off[q], p_off[q + 1])
            r = entry_rank[e]
            if r < 0:
                pos = _put(out, pos, pieces, piece_off[NOT_ACCEPTABLE], piece_off[NOT_ACCEPTABLE + 1])
            elif capacity[q] == 0:
                pos = _put(out, pos, pieces, piece_off[NO_CAPACITY], piece_off[NO_CAPACITY + 1])
            else:
                pos = _put(out, pos, pieces, piece_off[BELOW_CUTOFF], piece_off[BELOW_CUTOFF + 1])
                x = np.int64(r) + 1
                d = _digits(x)
                for i in range(pos + d - 1, pos - 1, -1):
                    out[i] = 48 + x % 10  # the digits, last first
                    x //= 10
                out[pos + d] = 125  # }
                pos += d + 1
        out[pos] = 93  # ]
