"""Which implementation runs the hot loops: compiled (Numba) kernels or the numpy path.

Both paths give identical results (tests run every property on both). The compiled kernels pay a fixed
cost on first use in a process -- importing Numba and loading the cached machine code, about 0.5 s on
our benchmark machine, plus about 20 s of compilation the very first time on a machine -- so
`auto` uses them only for instances large enough to win that back (docs/placement.md, "Kernels").

`ORTAQ_PLACEMENT_KERNEL=numpy` forces the numpy path everywhere (for example where Numba cannot be
installed); `=numba` forces the kernels, whatever the size.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Literal

Kernel = Literal["auto", "numba", "numpy"]

# Entries (applicant preference list items) from which `auto` picks the compiled kernels. Below this
# the numpy path finishes before Numba has even loaded (bench/placement.py measures both).
COMPILED_MIN_ENTRIES = 1_000_000

_available: bool | None = None


def numba_available() -> bool:
    global _available
    if _available is None:
        _available = importlib.util.find_spec("numba") is not None
    return _available


def use_compiled(kernel: Kernel | None, entries: int) -> bool:
    """True when the compiled kernels should run for an instance with `entries` preference items."""
    forced = os.environ.get("ORTAQ_PLACEMENT_KERNEL", "").strip().lower()
    if forced == "numpy":
        return False
    choice = kernel or "auto"
    if forced == "numba" and choice == "auto":
        choice = "numba"
    if choice == "numpy":
        return False
    if choice == "numba":
        if not numba_available():
            raise RuntimeError("the numba kernels were requested but numba is not installed")
        return True
    return numba_available() and entries >= COMPILED_MIN_ENTRIES
