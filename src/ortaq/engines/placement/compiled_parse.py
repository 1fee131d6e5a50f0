"""Compiled (Numba) reading of an instance file straight from its bytes into interned int arrays.

Why: on a national call the JSON text holds 8 million id strings. `json.loads` makes a Python string of
each and interning them through a dict is a random memory access per id; together that is 5 s on our
benchmark machine, above the 3 s the whole `ortaq match` run may take. Here one pass over the bytes
records each string's span and hash, and open-addressing tables map the spans to ints.

Scope, on purpose narrow: this reader accepts only the common shape of an instance (strings without
escapes, integers without fraction or exponent, no duplicate keys, every key known, no repeated ids)
and *bails out* -- returns None -- on anything else, valid or not. The caller then runs the reference
path, `json.loads` + `model.load_instance`, which either accepts the instance with the same result or
raises the precise, entry-naming error. So error messages have one source, and the tests check that
both paths build identical instances.

Small sub-values (`options`, each `reserved` list) are located here and decoded by `json.loads`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from . import model
from .compiled_orders import digests, lottery_prefix, positions

_U64 = np.uint64
_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)

K_ID = np.frombuffer(b"id", dtype=np.uint8)
K_PREFERENCES = np.frombuffer(b"preferences", dtype=np.uint8)
K_CATEGORIES = np.frombuffer(b"categories", dtype=np.uint8)
K_CAPACITY = np.frombuffer(b"capacity", dtype=np.uint8)
K_PRIORITIES = np.frombuffer(b"priorities", dtype=np.uint8)
K_RESERVED = np.frombuffer(b"reserved", dtype=np.uint8)
K_APPLICANTS = np.frombuffer(b"applicants", dtype=np.uint8)
K_PLACEMENTS = np.frombuffer(b"placements", dtype=np.uint8)
K_OPTIONS = np.frombuffer(b"options", dtype=np.uint8)

BAIL = -1
MAX_INT_DIGITS = 15  # |value| < 10**15 < 2**53; longer numbers go to the reference path


@njit(cache=True, nogil=True)
def _count(buf):  # pragma: no cover - compiled
    """Upper bounds for preallocation: quotes (2 per string) and '{' (1 per object).

    Branch-free so that LLVM vectorises the loop (a quarter of the time of the branching version).
    """
    quotes = 0
    braces = 0
    for c in buf:
        quotes += c == 34
        braces += c == 123
    return quotes, braces


@njit(cache=True, nogil=True, inline="always")
def _ws(buf, i, n):  # pragma: no cover - compiled
    while i < n:
        c = buf[i]
        if c == 32 or c == 10 or c == 13 or c == 9:
            i += 1
        else:
            break
    return i


@njit(cache=True, nogil=True)
def _string(buf, i, n):  # pragma: no cover - compiled
    """At an opening quote: the index of the closing quote, or -1."""
    if i >= n or buf[i] != 34:
        return BAIL
    i += 1
    while i < n:
        c = buf[i]
        if c == 34:
            return i
        if c == 92 or c < 32:  # escapes and raw control characters: the reference path decides
            return BAIL
        i += 1
    return BAIL


@njit(cache=True, nogil=True)
def _is_key(buf, s, e, lit):  # pragma: no cover - compiled
    if e - s != len(lit):
        return False
    for k in range(len(lit)):
        if buf[s + k] != lit[k]:
            return False
    return True


@njit(cache=True, nogil=True)
def _int(buf, i, n):  # pragma: no cover - compiled
    """A JSON integer at i: (index after it, value), or (-1, 0) for anything else."""
    neg = False
    if i < n and buf[i] == 45:
        neg = True
        i += 1
    if i >= n or buf[i] < 48 or buf[i] > 57:
        return BAIL, 0
    if buf[i] == 48 and i + 1 < n and 48 <= buf[i + 1] <= 57:
        return BAIL, 0
    v = 0
    digits = 0
    while i < n and 48 <= buf[i] <= 57:
        v = v * 10 + (buf[i] - 48)
        digits += 1
        i += 1
    if digits > MAX_INT_DIGITS:
        return BAIL, 0
    if i < n and (buf[i] == 46 or buf[i] == 101 or buf[i] == 69):
        return BAIL, 0
    return i, -v if neg else v


@njit(cache=True, nogil=True)
def _skip_value(buf, i, n):  # pragma: no cover - compiled
    """Index just after the object or array starting at i (json.loads validates the slice later)."""
    depth = 0
    while i < n:
        c = buf[i]
        if c == 34:
            i += 1
            while i < n and buf[i] != 34:
                i += 2 if buf[i] == 92 else 1
        elif c == 123 or c == 91:
            depth += 1
        elif c == 125 or c == 93:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return BAIL


@njit(cache=True, nogil=True)
def _open(buf, i, n, opening, closing):  # pragma: no cover - compiled
    """At a container: (index of its first item, False), (index after it, True) when empty, or BAIL."""
    if i < 0 or i >= n or buf[i] != opening:
        return BAIL, False
    i = _ws(buf, i + 1, n)
    if i < n and buf[i] == closing:
        return i + 1, True
    return i, False


@njit(cache=True, nogil=True)
def _after(buf, i, n, closing):  # pragma: no cover - compiled
    """After an item of a container: (index of the next item, True), (index after the container, False),
    or BAIL."""
    if i < 0:
        return BAIL, False
    i = _ws(buf, i, n)
    if i >= n:
        return BAIL, False
    if buf[i] == 44:
        return _ws(buf, i + 1, n), True
    if buf[i] == closing:
        return i + 1, False
    return BAIL, False


@njit(cache=True, nogil=True)
def _key(buf, i, n):  # pragma: no cover - compiled
    """At an object member: (key start, key end, index of its value), or BAIL first."""
    ke = _string(buf, i, n)
    if ke < 0:
        return BAIL, 0, 0
    j = _ws(buf, ke + 1, n)
    if j >= n or buf[j] != 58:
        return BAIL, 0, 0
    return i + 1, ke, _ws(buf, j + 1, n)


@njit(cache=True, nogil=True)
def _id(buf, i, n, str_s, str_e, ns):  # pragma: no cover - compiled
    """An id at i, stored as string ns: the index after it, or BAIL (an empty id is an error, which the
    reference path names)."""
    e = _string(buf, i, n)
    if e < 0 or e == i + 1:
        return BAIL
    str_s[ns] = i + 1
    str_e[ns] = e
    return e + 1


@njit(cache=True, nogil=True)
def _string_list(buf, i, n, str_s, str_e, ns):  # pragma: no cover - compiled
    """A list of strings at i, appended to the string table: (index after it, new table size)."""
    i, done = _open(buf, i, n, 91, 93)
    while i >= 0 and not done:
        e = _string(buf, i, n)
        if e < 0:
            return BAIL, ns
        str_s[ns] = i + 1
        str_e[ns] = e
        ns += 1
        i, more = _after(buf, e + 1, n, 93)
        done = not more
    return i, ns


@njit(cache=True, nogil=True)
def _priorities(buf, i, n, str_s, str_e, val, ns):  # pragma: no cover - compiled
    """A priorities object at i: keys appended to the string table, values beside them in val."""
    i, done = _open(buf, i, n, 123, 125)
    while i >= 0 and not done:
        ks, ke, i = _key(buf, i, n)
        if ks < 0:
            return BAIL, ns
        i, v = _int(buf, i, n)
        if i < 0:
            return BAIL, ns
        str_s[ns] = ks
        str_e[ns] = ke
        val[ns] = v
        ns += 1
        i, more = _after(buf, i, n, 125)
        done = not more
    return i, ns


@njit(cache=True, nogil=True)
def _applicant(buf, i, n, str_s, str_e, ns, k, a_id, a_lo, a_hi, a_clo, a_chi):  # pragma: no cover - compiled
    """Applicant k's object at i: (index after it, new string table size), or BAIL."""
    i, done = _open(buf, i, n, 123, 125)
    has_id = False
    has_pref = False
    has_cat = False
    a_clo[k] = 0  # no categories unless listed
    a_chi[k] = 0
    while i >= 0 and not done:
        ks, ke, i = _key(buf, i, n)
        if ks < 0:
            return BAIL, ns
        if _is_key(buf, ks, ke, K_ID) and not has_id:
            has_id = True
            a_id[k] = ns
            i = _id(buf, i, n, str_s, str_e, ns)
            ns += 1
        elif _is_key(buf, ks, ke, K_PREFERENCES) and not has_pref:
            has_pref = True
            a_lo[k] = ns
            i, ns = _string_list(buf, i, n, str_s, str_e, ns)
            a_hi[k] = ns
        elif _is_key(buf, ks, ke, K_CATEGORIES) and not has_cat:
            has_cat = True
            a_clo[k] = ns
            i, ns = _string_list(buf, i, n, str_s, str_e, ns)
            a_chi[k] = ns
        else:
            return BAIL, ns
        i, more = _after(buf, i, n, 125)
        done = not more
    if i < 0 or not (has_id and has_pref):
        return BAIL, ns
    return i, ns


@njit(cache=True, nogil=True)
def _placement(buf, i, n, str_s, str_e, val, ns, k, p_id, p_cap, p_prio, p_lo, p_hi, p_rs,
               p_re):  # pragma: no cover - compiled
    """Placement k's object at i: (index after it, new string table size), or BAIL."""
    i, done = _open(buf, i, n, 123, 125)
    has_id = False
    has_cap = False
    has_list = False
    p_rs[k] = -1
    p_re[k] = -1
    while i >= 0 and not done:
        ks, ke, i = _key(buf, i, n)
        if ks < 0:
            return BAIL, ns
        if _is_key(buf, ks, ke, K_ID) and not has_id:
            has_id = True
            p_id[k] = ns
            i = _id(buf, i, n, str_s, str_e, ns)
            ns += 1
        elif _is_key(buf, ks, ke, K_CAPACITY) and not has_cap:
            has_cap = True
            i, v = _int(buf, i, n)
            if v < 0:
                return BAIL, ns
            p_cap[k] = v
        elif _is_key(buf, ks, ke, K_PREFERENCES) and not has_list:
            has_list = True
            p_prio[k] = False
            p_lo[k] = ns
            i, ns = _string_list(buf, i, n, str_s, str_e, ns)
            p_hi[k] = ns
        elif _is_key(buf, ks, ke, K_PRIORITIES) and not has_list:
            has_list = True
            p_prio[k] = True
            p_lo[k] = ns
            i, ns = _priorities(buf, i, n, str_s, str_e, val, ns)
            p_hi[k] = ns
        elif _is_key(buf, ks, ke, K_RESERVED) and p_rs[k] < 0:
            if i >= n or buf[i] != 91:
                return BAIL, ns
            p_rs[k] = i
            i = _skip_value(buf, i, n)
            p_re[k] = i
        else:
            return BAIL, ns
        i, more = _after(buf, i, n, 125)
        done = not more
    if i < 0 or not (has_id and has_cap and has_list):
        return BAIL, ns
    return i, ns


@njit(cache=True, nogil=True)
def _parse(buf, str_s, str_e, val, a_id, a_lo, a_hi, a_clo, a_chi,
           p_id, p_cap, p_prio, p_lo, p_hi, p_rs, p_re, out):  # pragma: no cover - compiled
    """Record the instance's structure; out = [strings, applicants, placements, options start, end].

    Returns 0, or BAIL as soon as the text leaves the shape this reader handles.
    """
    n = len(buf)
    ns = 0
    na = 0
    npl = 0
    opt_s = -1
    opt_e = -1
    seen_a = False
    seen_p = False
    i, done = _open(buf, _ws(buf, 0, n), n, 123, 125)
    if done:  # {} has neither applicants nor placements
        return BAIL
    while i >= 0 and not done:
        ks, ke, i = _key(buf, i, n)
        if ks < 0:
            return BAIL
        if _is_key(buf, ks, ke, K_APPLICANTS) and not seen_a:
            seen_a = True
            i, empty = _open(buf, i, n, 91, 93)
            while i >= 0 and not empty:
                i, ns = _applicant(buf, i, n, str_s, str_e, ns, na, a_id, a_lo, a_hi, a_clo, a_chi)
                na += 1
                i, more = _after(buf, i, n, 93)
                empty = not more
        elif _is_key(buf, ks, ke, K_PLACEMENTS) and not seen_p:
            seen_p = True
            i, empty = _open(buf, i, n, 91, 93)
            while i >= 0 and not empty:
                i, ns = _placement(buf, i, n, str_s, str_e, val, ns, npl, p_id, p_cap, p_prio, p_lo, p_hi, p_rs, p_re)
                npl += 1
                i, more = _after(buf, i, n, 93)
                empty = not more
        elif _is_key(buf, ks, ke, K_OPTIONS) and opt_s < 0:
            if i >= n or buf[i] != 123:
                return BAIL
            opt_s = i
            i = _skip_value(buf, i, n)
            opt_e = i
        else:
            return BAIL
        i, more = _after(buf, i, n, 125)
        done = not more
    if i < 0 or _ws(buf, i, n) != n or not (seen_a and seen_p):
        return BAIL
    out[0] = ns
    out[1] = na
    out[2] = npl
    out[3] = opt_s
    out[4] = opt_e
    return 0


@njit(cache=True, nogil=True, inline="always")
def _hash(buf, s, e):  # pragma: no cover - compiled
    """FNV-1a over buf[s:e], then MurmurHash3's 64-bit finaliser (FNV-1a alone leaves the low bits of
    "s1", "s2", ... poorly mixed, and the table indexes by the low bits)."""
    h = _FNV_OFFSET
    for q in range(s, e):
        h = (h ^ _U64(buf[q])) * _FNV_PRIME
    h ^= h >> _U64(33)
    h *= _U64(0xFF51AFD7ED558CCD)
    h ^= h >> _U64(33)
    return h


@njit(cache=True, nogil=True, inline="always")
def _head(buf, s, e):  # pragma: no cover - compiled
    """The first 8 bytes of buf[s:e] packed little-endian (zero-padded), stored in the table's slots."""
    v = _U64(0)
    for q in range(min(8, e - s)):
        v |= _U64(buf[s + q]) << _U64(8 * q)
    return v


@njit(cache=True, nogil=True)
def _table(buf, str_s, str_e, ids):  # pragma: no cover - compiled
    """An open-addressing table of the strings `ids` (string table indices).

    Returns (slots, arena, arena_off, ok); not ok on a repeated id. Slot j occupies slots[2j] (the id's
    first 8 bytes) and slots[2j+1] (length << 32 | index + 1, 0 when free), one cache line: a lookup of
    an id of up to 8 bytes is one random memory access. Longer ids are confirmed against a compact arena
    of the ids' bytes, a few MB that stay in cache, instead of a random place in the whole file.
    """
    size = 2
    while 4 * size < 5 * len(ids) + 4:  # load factor at most 0.8: a smaller table stays in cache
        size *= 2
    slots = np.zeros(2 * size, dtype=np.uint64)
    arena_off = np.zeros(len(ids) + 1, dtype=np.int64)
    for k in range(len(ids)):
        arena_off[k + 1] = arena_off[k] + (str_e[ids[k]] - str_s[ids[k]])
    arena = np.empty(arena_off[-1], dtype=np.uint8)
    mask = _U64(size - 1)
    for k in range(len(ids)):
        t = ids[k]
        s0 = str_s[t]
        e0 = str_e[t]
        o0 = arena_off[k]
        for q in range(e0 - s0):
            arena[o0 + q] = buf[s0 + q]
        if _lookup(buf, s0, e0, slots, arena, arena_off) >= 0:
            return slots, arena, arena_off, False
        j = _hash(buf, s0, e0) & mask
        while slots[2 * j + 1] != 0:
            j = (j + _U64(1)) & mask
        slots[2 * j] = _head(buf, s0, e0)
        slots[2 * j + 1] = (_U64(e0 - s0) << _U64(32)) | _U64(k + 1)
    return slots, arena, arena_off, True


@njit(cache=True, nogil=True, inline="always")
def _lookup(buf, s, e, slots, arena, arena_off):  # pragma: no cover - compiled
    """Index of the id spelled buf[s:e], or -1."""
    mask = _U64(len(slots) // 2 - 1)
    n = e - s
    head = _head(buf, s, e)
    meta_len = _U64(n) << _U64(32)
    low = _U64(0xFFFFFFFF)
    j = _hash(buf, s, e) & mask
    while True:
        meta = slots[2 * j + 1]
        if meta == 0:
            return -1
        if slots[2 * j] == head and (meta & ~low) == meta_len:
            o = np.int64(meta & low) - 1
            if n <= 8:
                return o
            lo = arena_off[o] + 8
            same = True
            for q in range(8, n):
                if buf[s + q] != arena[lo + q - 8]:
                    same = False
                    break
            if same:
                return o
        j = (j + _U64(1)) & mask


@njit(cache=True, nogil=True)
def _intern_lists(buf, str_s, str_e, lo, hi, target_ids, forbid_repeats):  # pragma: no cover - compiled
    """Map the lists lo[j]:hi[j] of the string table to indices of `target_ids`.

    Returns (ptr, flat, ok); not ok (so: bail) on a repeated target id, an unknown id, or, with
    forbid_repeats, an id repeated within one list. (Applicants listed twice by a placement are caught
    by the rank join instead, which meets them anyway.)
    """
    slots, arena, arena_off, ok = _table(buf, str_s, str_e, target_ids)
    ptr = np.zeros(len(lo) + 1, dtype=np.int64)
    if not ok:
        return ptr, np.zeros(0, dtype=np.int32), False
    for j in range(len(lo)):
        ptr[j + 1] = ptr[j] + (hi[j] - lo[j])
    flat = np.empty(ptr[-1], dtype=np.int32)
    last = np.full(len(target_ids) if forbid_repeats else 0, -1, dtype=np.int32)
    for j in range(len(lo)):
        base = ptr[j] - lo[j]
        for t in range(lo[j], hi[j]):
            x = _lookup(buf, str_s[t], str_e[t], slots, arena, arena_off)
            if x < 0:
                return ptr, flat, False
            if forbid_repeats:
                if last[x] == j:
                    return ptr, flat, False
                last[x] = j
            flat[base + t] = x
    return ptr, flat, True


@njit(cache=True, nogil=True)
def _joined(buf, str_s, str_e, idx):  # pragma: no cover - compiled
    """The strings idx, newline-separated (a raw newline cannot occur inside a string the reader kept)."""
    total = len(idx)
    for t in idx:
        total += str_e[t] - str_s[t]
    out = np.empty(max(total - 1, 0), dtype=np.uint8)
    k = 0
    for r in range(len(idx)):
        t = idx[r]
        if r:
            out[k] = 10
            k += 1
        for q in range(str_s[t], str_e[t]):
            out[k] = buf[q]
            k += 1
    return out


def _strings(buf: np.ndarray, str_s: np.ndarray, str_e: np.ndarray, idx: np.ndarray) -> list[str]:
    """Decode many strings with one `bytes.decode` instead of one per string."""
    if len(idx) == 0:
        return []
    return _joined(buf, str_s, str_e, idx).tobytes().decode("utf-8").split("\n")


@dataclass(frozen=True)
class Tokens:
    """What `tokenise` found: the string table (spans in the file) and each entry's place in it."""

    str_s: np.ndarray  # string t is buf[str_s[t]:str_e[t]]
    str_e: np.ndarray
    val: np.ndarray  # a priority's value, beside its applicant id's string
    a_id: np.ndarray  # per applicant: her id's string; her preferences are strings a_lo:a_hi, categories a_clo:a_chi
    a_lo: np.ndarray
    a_hi: np.ndarray
    a_clo: np.ndarray
    a_chi: np.ndarray
    p_id: np.ndarray  # per placement: its id's string, capacity, priorities or not, list p_lo:p_hi,
    p_cap: np.ndarray  # and the byte span of its `reserved` value (-1 without one)
    p_prio: np.ndarray
    p_lo: np.ndarray
    p_hi: np.ndarray
    p_rs: np.ndarray
    p_re: np.ndarray
    options: tuple[int, int]  # byte span of the `options` object, (-1, -1) without one


def tokenise(buf: np.ndarray) -> Tokens | None:
    """One pass over the file's bytes; None when the text leaves the shape this reader handles."""
    quotes, braces = _count(buf)
    cap_s = quotes // 2 + 1
    cap_o = braces + 1
    str_s = np.empty(cap_s, dtype=np.int32)
    str_e = np.empty(cap_s, dtype=np.int32)
    val = np.zeros(cap_s, dtype=np.int64)
    a_id, a_lo, a_hi, a_clo, a_chi = (np.empty(cap_o, dtype=np.int32) for _ in range(5))
    p_id, p_lo, p_hi, p_rs, p_re = (np.empty(cap_o, dtype=np.int32) for _ in range(5))
    p_cap = np.empty(cap_o, dtype=np.int64)
    p_prio = np.empty(cap_o, dtype=np.bool_)
    out = np.zeros(5, dtype=np.int64)
    if _parse(buf, str_s, str_e, val, a_id, a_lo, a_hi, a_clo, a_chi,
              p_id, p_cap, p_prio, p_lo, p_hi, p_rs, p_re, out) != 0:
        return None
    _, na, npl, opt_s, opt_e = (int(x) for x in out)
    return Tokens(str_s=str_s, str_e=str_e, val=val, a_id=a_id[:na], a_lo=a_lo[:na], a_hi=a_hi[:na],
                  a_clo=a_clo[:na], a_chi=a_chi[:na], p_id=p_id[:npl], p_cap=p_cap[:npl], p_prio=p_prio[:npl],
                  p_lo=p_lo[:npl], p_hi=p_hi[:npl], p_rs=p_rs[:npl], p_re=p_re[:npl], options=(opt_s, opt_e))


def intern_both(buf: np.ndarray, tok: Tokens, beside: Callable[[], Any] | None = None):
    """Both sides' lists as ints: (app_ptr, app_pref, pl_ptr, pl_flat, what `beside` returned), or None.

    The two sides are independent and the kernels release the GIL, so they run on two cores; `beside`
    (if given) runs on this thread after the lighter, applicants' side.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        placements_side = pool.submit(_intern_lists, buf, tok.str_s, tok.str_e, tok.p_lo, tok.p_hi, tok.a_id, False)
        app_ptr, app_pref, a_ok = _intern_lists(buf, tok.str_s, tok.str_e, tok.a_lo, tok.a_hi, tok.p_id, True)
        extra = beside() if beside is not None and a_ok else None
        pl_ptr, pl_flat, p_ok = placements_side.result()
    if not (a_ok and p_ok):
        return None
    return app_ptr, app_pref, pl_ptr, pl_flat, extra


def parse_instance_bytes(data: bytes) -> model.Instance | None:
    """The instance in `data`, or None when this reader does not handle the text (see module docstring)."""
    if len(data) >= 2**31 - 1:
        return None
    buf = np.frombuffer(data, dtype=np.uint8)
    if len(buf) and buf.max() >= 0x80:
        try:  # the reader compares ids as bytes, which matches comparing strings only for valid UTF-8
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    tok = tokenise(buf)
    if tok is None:
        return None
    str_s, str_e, val = tok.str_s, tok.str_e, tok.val
    a_id, a_clo, a_chi = tok.a_id, tok.a_clo, tok.a_chi
    p_id, p_cap, p_prio, p_lo = tok.p_id, tok.p_cap, tok.p_prio, tok.p_lo
    opt_s, opt_e = tok.options
    try:
        options: Any = json.loads(data[opt_s:opt_e]) if opt_s >= 0 else {}
        reserved_json = {j: json.loads(data[s:e]) for j, (s, e) in enumerate(zip(tok.p_rs.tolist(), tok.p_re.tolist()))
                         if s >= 0}
        opts = model.check_options(options)
    except (ValueError, RecursionError):  # InstanceError is a ValueError
        return None
    # the single lottery (SHA-256 per applicant, from the ids' bytes) is drawn beside the interning
    seed = opts.lottery_seed
    lottery: Callable[[], Any] | None = None
    if opts.tie_breaking == "single" and seed is not None and p_prio.any():
        def draw() -> Any:
            return digests(lottery_prefix(seed), buf, str_s[a_id], str_e[a_id])
        lottery = draw
    interned = intern_both(buf, tok, lottery)
    if interned is None:
        return None
    app_ptr, app_pref, pl_ptr, pl_flat, words = interned
    pl_len = np.diff(pl_ptr)

    applicant_ids = _strings(buf, str_s, str_e, a_id)
    placement_ids = _strings(buf, str_s, str_e, p_id)
    with_cats = np.flatnonzero(a_chi > a_clo)
    cat_names = iter(_strings(buf, str_s, str_e, model._ranges(a_clo[with_cats].astype(np.int64),
                                                               (a_chi - a_clo)[with_cats].astype(np.int64))))
    cat_lists = [(i, [next(cat_names) for _ in range(int(a_chi[i] - a_clo[i]))]) for i in with_cats.tolist()]
    pl_values = np.zeros(len(pl_flat), dtype=np.int64)
    if p_prio.any():
        pl_values = val[model._ranges(p_lo.astype(np.int64), pl_len)]
        pl_values[~np.repeat(p_prio, pl_len)] = 0
    try:
        reserved_raw = {j: model.check_reserved(f"placements[{j}] (id {placement_ids[j]!r})", res, int(p_cap[j]))
                        for j, res in reserved_json.items()}
        inst, repeats = model.finish_instance(
            applicant_ids=applicant_ids, placement_ids=placement_ids, app_ptr=app_ptr, app_pref=app_pref,
            cat_lists=cat_lists, capacity=p_cap.copy(), uses_priorities=p_prio.copy(), pl_len=pl_len,
            pl_flat=pl_flat, pl_values=pl_values, reserved_raw=reserved_raw, options=opts, compiled=True,
            lottery_positions=None if words is None else positions(words))
    except model.InstanceError:
        return None  # the reference path names the entry
    if repeats:  # a placement lists an applicant twice (or a priorities object repeats a key)
        return None
    return inst
