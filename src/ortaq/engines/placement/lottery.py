"""The published lottery (docs/placement.md, "Each placement's order and the lottery").

Every tie in priorities is broken by a lottery number, a SHA-256 digest of the seed and the ids:

    single:   decimal(seed) NUL applicant_id                 one number per applicant, used everywhere
    multiple: decimal(seed) NUL placement_id NUL applicant_id one number per (placement, applicant)

The smaller number (the digest read as a big-endian integer) wins. Ids cannot contain NUL, so the
encoding is unambiguous. Numbers depend only on the seed and the ids, so anybody can redraw them.

This module is the only place that draws the lottery: both instance readers, `instance_from_arrays`
and the applications built on the engine (the mobility rounds) go through it. The single lottery has
two implementations of the same function -- `hashlib` here, and a compiled SHA-256 in compiled_orders
for national calls, where hashing 200,000 ids one Python call at a time costs a quarter of a second
(the compiled reader runs the same kernels beside interning, from the file's bytes);
tests/engines/placement/test_placement_lottery.py checks that both give the same positions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from .kernel import Kernel, use_compiled


def lottery_message(seed: int, applicant_id: str, placement_id: str | None = None) -> bytes:
    """The bytes hashed for a lottery number."""
    if placement_id is None:
        return b"%d\x00%s" % (seed, applicant_id.encode("utf-8"))
    return b"%d\x00%s\x00%s" % (seed, placement_id.encode("utf-8"), applicant_id.encode("utf-8"))


def lottery_digest(seed: int, applicant_id: str, placement_id: str | None = None) -> bytes:
    """The lottery number as 32 bytes; bytes compare as the big-endian numbers do."""
    return hashlib.sha256(lottery_message(seed, applicant_id, placement_id)).digest()


def lottery_number(seed: int, applicant_id: str, placement_id: str | None = None) -> str:
    """The lottery number as 64 hex digits (as results print it); the smaller number wins a tie."""
    return lottery_digest(seed, applicant_id, placement_id).hex()


def single_lottery_positions(seed: int, applicant_ids: Sequence[str], *, kernel: Kernel | None = None) -> np.ndarray:
    """position[a] = applicant a's place in the single lottery (0 = the smallest number), int64.

    `kernel` picks the implementation as everywhere in the engine (kernel.py): the compiled SHA-256
    for large inputs under `auto`, `hashlib` otherwise. Both give the same positions.
    """
    n = len(applicant_ids)
    if use_compiled(kernel, n):
        from .compiled_orders import single_lottery_positions as compiled_positions

        return compiled_positions(seed, list(applicant_ids))
    prefix = b"%d\x00" % seed
    digests = [hashlib.sha256(prefix + x.encode("utf-8")).digest() for x in applicant_ids]
    position = np.empty(n, dtype=np.int64)
    position[np.asarray(sorted(range(n), key=digests.__getitem__), dtype=np.int64)] = np.arange(n, dtype=np.int64)
    return position
