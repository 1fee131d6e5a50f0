"""`ortaq warmup`: compile the placement engine's Numba kernels (or load them from Numba's cache) ahead of use.

The compiled kernels (docs/decisions/0005) are compiled the first time they run on a machine and cached on disk
(`cache=True`: next to the sources, or under NUMBA_CACHE_DIR). Without a warm-up that first time is a
coordinator's first national round, which then waits about 20 s more. `ortaq warmup` runs every kernel once on a
small instance that takes the same code paths as a national call (JSON bytes read by the compiled reader,
preference and priority placements, reserved seats, the single lottery, arrays from a round, the result
writer), so each kernel is compiled for the argument types production uses and written to the cache.
`ortaq serve` starts it in a separate process in the background (see `start_in_background`), and an operator
can run it at install time. `ortaq warmup --check` runs the same path and fails if anything had to be compiled,
i.e. if the cache is missing or stale (tests/test_warmup.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

KERNEL_MODULES = ("compiled_parse", "compiled_orders", "compiled_da", "compiled_output")


@dataclass(frozen=True)
class KernelReport:
    seconds: float
    kernels: int  # compiled dispatchers used by the warm-up path
    compiled: list[str]  # those that had to be compiled (a cache miss) in this process
    loaded: int  # signatures loaded from the on-disk cache

    @property
    def cache_valid(self) -> bool:
        return self.kernels > 0 and not self.compiled


def _instance(n: int = 400, m: int = 40, k: int = 6) -> dict[str, Any]:
    """A small deterministic instance with everything a national call has: both kinds of placement lists,
    applicants in a reserved category, a few unacceptable applications."""
    applicants = []
    listed: list[list[int]] = [[] for _ in range(m)]
    for i in range(n):
        prefs = list(dict.fromkeys((i * 7 + j * j * 3 + j) % m for j in range(3 * k)))[:k]
        applicant: dict[str, Any] = {"id": f"s{i}", "preferences": [f"p{j}" for j in prefs]}
        if i % 7 == 0:
            applicant["categories"] = ["inclusion"]
        applicants.append(applicant)
        for j in prefs:
            listed[j].append(i)
    placements = []
    for j in range(m):
        pool = [x for x in listed[j] if (x + j) % 31]  # a few applications not acceptable
        placement: dict[str, Any] = {"id": f"p{j}", "capacity": 1 + (j % 9)}
        if j % 2 == 0:
            placement["preferences"] = [f"s{x}" for x in reversed(pool)]
        else:
            placement["priorities"] = {f"s{x}": (x * 13 + j) % 5 for x in pool}
        if j % 5 == 0 and placement["capacity"] >= 2:
            placement["reserved"] = [{"category": "inclusion", "seats": 1}]
        placements.append(placement)
    return {"applicants": applicants, "placements": placements, "options": {"lottery_seed": 20260901, "tie_breaking": "single"}}


def _dispatchers() -> dict[str, Any]:
    import importlib

    from numba.core.registry import CPUDispatcher

    found = {}
    for name in KERNEL_MODULES:
        module = importlib.import_module(f"ortaq.engines.placement.{name}")
        for attr, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.__module__ == module.__name__:
                found[f"{name}.{attr}"] = value
    return found


def warm_placement_kernels() -> KernelReport:
    """Run every compiled kernel once, the way `ortaq match` and a platform round do; report what was compiled."""
    from ortaq.engines.placement import instance_from_arrays, load_instance_bytes, solve

    started = time.perf_counter()
    data = json.dumps(_instance(), separators=(",", ":")).encode()
    instance = load_instance_bytes(data, kernel="numba")
    result = solve(instance, kernel="numba")
    result.to_json_bytes()
    # A round builds its instance from database arrays (ortaq.mobility.round_input), not from JSON: int64 arrays
    # and integer points as priorities, as that module passes them.
    import numpy as np

    def int64(values: Any) -> Any:
        return np.asarray(values, dtype=np.int64)

    arrays = instance_from_arrays(
        applicant_ids=list(instance.applicant_ids), placement_ids=list(instance.placement_ids), app_ptr=int64(instance.app_ptr),
        app_pref=int64(instance.app_pref), capacity=int64(instance.capacity), pl_ptr=int64(instance.pl_ptr), pl_app=int64(instance.pl_app),
        pl_priority=int64(instance.pl_app) % 9_000, categories=list(instance.categories), member=np.asarray(instance.member, dtype=bool),
        reserved=instance.reserved, lottery_seed=instance.lottery_seed, tie_breaking="single", kernel="numba")
    solve(arrays, kernel="numba").to_json_bytes()
    seconds = time.perf_counter() - started
    used, compiled, loaded = 0, [], 0
    for name, dispatcher in _dispatchers().items():
        if not dispatcher.signatures:
            continue  # inlined into its callers, or not on this path
        used += 1
        stats = dispatcher.stats
        loaded += sum(stats.cache_hits.values())
        if sum(stats.cache_misses.values()):
            compiled.append(name)
    return KernelReport(seconds=seconds, kernels=used, compiled=sorted(compiled), loaded=loaded)


def start_in_background() -> threading.Thread | None:
    """Warm the kernels in a separate process while the caller goes on (`ortaq serve`).

    Measured on the 2-core benchmark machine: compiling takes about 20 s of one core the first time, loading a
    warm cache about 1 s. In a child process it does not hold the web process's interpreter lock, the server
    answers at once, and the worker that later runs a national round loads the kernels from the cache instead of
    compiling them. The thread only waits for the child (so it is reaped); a failure is printed, not raised:
    the kernels then compile on first use as before. ORTAQ_WARMUP=0 turns it off."""

    if os.environ.get("ORTAQ_WARMUP", "1") == "0":  # an operator who warms at install time, or a test that starts many servers
        return None

    def run() -> None:
        completed = subprocess.run([sys.executable, "-m", "ortaq.cli", "warmup", "--quiet"], capture_output=True, text=True)
        if completed.returncode != 0:
            print(f"ortaq: warming the placement kernels failed (they will compile on first use): {completed.stderr.strip()[-500:]}", file=sys.stderr)

    thread = threading.Thread(target=run, name="ortaq-warmup", daemon=True)
    thread.start()
    return thread


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="ortaq warmup", description="compile (or load from the cache) the placement engine's kernels")
    parser.add_argument("--check", action="store_true", help="fail if any kernel had to be compiled: the cache is missing or stale")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    from ortaq.engines.placement.kernel import numba_available

    if not numba_available():
        print("ortaq warmup: Numba is not installed; the placement engine uses its numpy path", file=sys.stderr)
        return 0
    report = warm_placement_kernels()
    if args.json:
        print(json.dumps({"seconds": round(report.seconds, 3), "kernels": report.kernels, "compiled": report.compiled, "loaded": report.loaded,
                          "cache_valid": report.cache_valid}))
    elif not args.quiet:
        state = "loaded from the cache" if report.cache_valid else f"compiled {len(report.compiled)} and cached"
        print(f"placement kernels: {report.kernels} {state} in {report.seconds:.1f} s")
    if args.check and not report.cache_valid:
        print(f"ortaq warmup --check: kernels compiled instead of loaded from the cache: {', '.join(report.compiled) or 'none used'}", file=sys.stderr)
        return 1
    return 0
