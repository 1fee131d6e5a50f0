"""Compiled placement orders: the single lottery, each priorities list's order, and the rank join.

The lottery (docs/placement.md, "Lottery") gives applicant x the number SHA-256(decimal(seed) NUL x);
the smaller number wins a tie. Hashing 200,000 short messages through `hashlib` one Python call at a
time costs about 0.25 s, most of it interpreter overhead; here one compiled loop does it. SHA-256 is
written from FIPS 180-4 (Secure Hash Standard, section 6.2); the tests compare every digest with
`hashlib.sha256`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes
_K = np.array([
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
    0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
    0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
    0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
    0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
    0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
    0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
], dtype=np.uint32)
# FIPS 180-4, 5.3.3: the initial hash value
_H0 = np.array([0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19], dtype=np.uint32)


_M32 = np.uint64(0xFFFFFFFF)


@njit(cache=True, nogil=True, inline="always")
def _rotr(x, n):  # pragma: no cover - compiled
    # words travel as uint64 holding 32 bits: Numba widens uint32 arithmetic, so mask instead
    return ((x >> np.uint64(n)) | (x << np.uint64(32 - n))) & _M32


@njit(cache=True, nogil=True)
def _sha256_words(msg, length, out, w, h):  # pragma: no cover - compiled
    """SHA-256 of msg[:length] (msg has room for the padding); the digest as 8 words in out."""
    total = ((length + 9 + 63) // 64) * 64
    msg[length] = 0x80
    for q in range(length + 1, total - 8):
        msg[q] = 0
    bits = np.uint64(length) * np.uint64(8)
    for q in range(8):
        msg[total - 1 - q] = np.uint8((bits >> np.uint64(8 * q)) & np.uint64(0xFF))
    for q in range(8):
        h[q] = np.uint64(_H0[q])
    for block in range(0, total, 64):
        for t in range(16):
            o = block + 4 * t
            w[t] = ((np.uint64(msg[o]) << np.uint64(24)) | (np.uint64(msg[o + 1]) << np.uint64(16))
                    | (np.uint64(msg[o + 2]) << np.uint64(8)) | np.uint64(msg[o + 3]))
        for t in range(16, 64):
            x = w[t - 15]
            y = w[t - 2]
            s0 = _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> np.uint64(3))
            s1 = _rotr(y, 17) ^ _rotr(y, 19) ^ (y >> np.uint64(10))
            w[t] = (w[t - 16] + s0 + w[t - 7] + s1) & _M32
        a, b, c, d, e, f, g, hh = h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
        for t in range(64):
            s1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
            ch = (e & f) ^ ((e ^ _M32) & g)
            t1 = (hh + s1 + ch + np.uint64(_K[t]) + w[t]) & _M32
            s0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
            maj = (a & b) ^ (a & c) ^ (b & c)
            t2 = (s0 + maj) & _M32
            hh = g
            g = f
            f = e
            e = (d + t1) & _M32
            d = c
            c = b
            b = a
            a = (t1 + t2) & _M32
        h[0] = (h[0] + a) & _M32
        h[1] = (h[1] + b) & _M32
        h[2] = (h[2] + c) & _M32
        h[3] = (h[3] + d) & _M32
        h[4] = (h[4] + e) & _M32
        h[5] = (h[5] + f) & _M32
        h[6] = (h[6] + g) & _M32
        h[7] = (h[7] + hh) & _M32
    for q in range(8):
        out[q] = np.uint32(h[q])


@njit(cache=True, nogil=True)
def digests(prefix, blob, starts, ends):  # pragma: no cover - compiled
    """SHA-256(prefix + blob[starts[i]:ends[i]]) for each i, as rows of 8 words (big-endian byte order)."""
    count = len(starts)
    out = np.empty((count, 8), dtype=np.uint32)
    longest = 0
    for i in range(count):
        longest = max(longest, ends[i] - starts[i])
    msg = np.empty(len(prefix) + longest + 72, dtype=np.uint8)
    msg[:len(prefix)] = prefix
    w = np.empty(64, dtype=np.uint64)
    h = np.empty(8, dtype=np.uint64)
    for i in range(count):
        lo = starts[i]
        n = ends[i] - lo
        for q in range(n):
            msg[len(prefix) + q] = blob[lo + q]
        _sha256_words(msg, len(prefix) + n, out[i], w, h)
    return out


@njit(cache=True, nogil=True)
def order_priority_lists(pl_ptr, owners, pl_app, pl_priority, position):  # pragma: no cover - compiled
    """Sort each priorities placement's list in place: higher priority first, then smaller lottery position.

    One sort of a combined key (priority step, then position) when it fits in 63 bits, which it does for
    any realistic range of priorities; otherwise two exact stable sorts (by position, then by priority).
    """
    n = len(position)
    keys = np.empty(pl_ptr[-1] - pl_ptr[0], dtype=np.int64)
    for p in owners:
        lo = pl_ptr[p]
        hi = pl_ptr[p + 1]
        size = hi - lo
        if size < 2:
            continue
        top = pl_priority[lo]
        bottom = top
        for q in range(lo, hi):
            top = max(top, pl_priority[q])
            bottom = min(bottom, pl_priority[q])
        if (top - bottom + 1) < (2**62) // max(n, 1):
            k = keys[:size]
            for q in range(size):
                k[q] = (top - pl_priority[lo + q]) * n + position[pl_app[lo + q]]
            order = np.argsort(k)  # keys are distinct: positions are, within one list
        else:
            by_lottery = np.argsort(position[pl_app[lo:hi]], kind="mergesort")
            by_priority = np.argsort(-pl_priority[lo:hi][by_lottery], kind="mergesort")
            order = by_lottery[by_priority]
        apps = pl_app[lo:hi].copy()
        prios = pl_priority[lo:hi].copy()
        for q in range(size):
            pl_app[lo + q] = apps[order[q]]
            pl_priority[lo + q] = prios[order[q]]


def sha256_many(prefix: bytes, items: list[bytes]) -> np.ndarray:
    """Digests of prefix + item for every item, rows of 8 uint32 words (big-endian order of the bytes)."""
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    blob = np.frombuffer(b"".join(items), dtype=np.uint8)
    return digests(np.frombuffer(prefix, dtype=np.uint8), blob, offsets[:-1], offsets[1:])


def lottery_prefix(seed: int) -> np.ndarray:
    """The bytes before the applicant id in a single-lottery message: decimal(seed) NUL."""
    return np.frombuffer(b"%d\x00" % seed, dtype=np.uint8)


def positions(words: np.ndarray) -> np.ndarray:
    """position[i] = rank of digest i among all (0 = smallest), from the rows `digests` returns."""
    # lexicographic order of the digests' bytes = order of their big-endian words, first word first;
    # the first 64 bits decide unless two digests share them, then all 256 bits are compared
    head = (words[:, 0].astype(np.uint64) << np.uint64(32)) | words[:, 1]
    order = np.argsort(head, kind="stable")
    if len(order) > 1 and np.any(head[order[1:]] == head[order[:-1]]):
        order = np.lexsort(tuple(words[:, q] for q in range(7, -1, -1)))
    position = np.empty(len(words), dtype=np.int64)
    position[order] = np.arange(len(words), dtype=np.int64)
    return position


def single_lottery_positions(seed: int, applicant_ids: list[str]) -> np.ndarray:
    """position[a] = a's place in the single lottery (0 = smallest number), as `lottery.single_lottery_positions`
    computes it with hashlib (the public entry point; it calls this one for large inputs)."""
    return positions(sha256_many(b"%d\x00" % seed, [x.encode("utf-8") for x in applicant_ids]))


@njit(cache=True, nogil=True)
def join_ranks(n, m, app_ptr, app_pref, pl_ptr, pl_app):  # pragma: no cover - compiled
    """`model._join_ranks` compiled: a counting sort of the placement side by applicant, then per
    applicant a lookup in a placement-indexed scratch array (20 random accesses into 80 KB, not 4M)."""
    start = np.zeros(n + 1, dtype=np.int64)
    for x in pl_app:
        start[x + 1] += 1
    for a in range(n):
        start[a + 1] += start[a]
    fill = start[:-1].copy()
    by_p = np.empty(len(pl_app), dtype=np.int32)
    by_r = np.empty(len(pl_app), dtype=np.int32)
    for p in range(m):
        lo = pl_ptr[p]
        for k in range(lo, pl_ptr[p + 1]):
            a = pl_app[k]
            q = fill[a]
            by_p[q] = p
            by_r[q] = k - lo
            fill[a] = q + 1
    owner = np.full(m, -1, dtype=np.int32)
    rank_at = np.zeros(m, dtype=np.int32)
    entry_rank = np.full(len(app_pref), -1, dtype=np.int32)
    repeats = False
    for a in range(n):
        for q in range(start[a], start[a + 1]):
            p = by_p[q]
            if owner[p] == a:
                repeats = True  # the first (best) rank stays, as in the numpy join
            else:
                owner[p] = a
                rank_at[p] = by_r[q]
        for e in range(app_ptr[a], app_ptr[a + 1]):
            p = app_pref[e]
            if owner[p] == a:
                entry_rank[e] = rank_at[p]
    return entry_rank, repeats
