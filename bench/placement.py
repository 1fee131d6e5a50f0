"""Placement engine benchmark (issue 3). Run alone: `uv run python bench/placement.py [--quick]`.

1. A national call: 200,000 applicants x 20,000 placements x 20 preferences each (skewed popularity,
   half the placements rank applicants, half give priorities 0-4 broken by a single lottery, 10% of
   placements reserve seats for the 15% of applicants in the "inclusion" category).
   Measures, for the compiled kernels (Numba, what `ortaq match` uses at this size) and the numpy path:
   the floors (merely reading the preference lists: the file's bytes tokenised and every id interned to
   an int, compiled; and json.load + dict interning), loading, solve (median of 5), writing the result,
   the whole `ortaq match` run in fresh processes (wall time, peak RSS; also once with an empty Numba
   cache, i.e. compiling first), and `ortaq match --check`.
2. The `matching` package (HospitalResident, build + solve) against our engine on a 20,000-applicant
   instance without reserves, and the ratio.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from ortaq.engines.placement import load_instance, load_instance_bytes, solve

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import Figures, add_arguments  # noqa: E402


def make_instance(n: int, m: int, k: int, *, seed: int = 1, reserves: bool = True) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    popularity = rng.lognormal(0.0, 1.0, m)
    popularity /= popularity.sum()
    draws = rng.choice(m, size=(n, 3 * k), p=popularity).tolist()
    extra = rng.integers(0, m, size=(n, 4 * k)).tolist()
    applicants = []
    listed: list[list[int]] = [[] for _ in range(m)]
    inclusion = rng.random(n) < 0.15
    for i in range(n):
        prefs = list(dict.fromkeys(draws[i]))[:k]
        if len(prefs) < k:  # top up with uniform draws, keeping them distinct
            prefs = list(dict.fromkeys(prefs + extra[i]))[:k]
        a: dict[str, Any] = {"id": f"s{i}", "preferences": [f"p{j}" for j in prefs]}
        if reserves and inclusion[i]:
            a["categories"] = ["inclusion"]
        applicants.append(a)
        for j in prefs:
            listed[j].append(i)
    capacity = np.maximum(1, rng.poisson(0.9 * n / m, m))
    placements = []
    for j in range(m):
        pool = listed[j]
        keep = rng.random(len(pool)) < 0.97  # a few applications are not acceptable
        pool = [pool[q] for q in rng.permutation(len(pool)) if keep[q]]
        p: dict[str, Any] = {"id": f"p{j}", "capacity": int(capacity[j])}
        if j % 2 == 0:
            p["preferences"] = [f"s{x}" for x in pool]
        else:
            levels = rng.integers(0, 5, len(pool)).tolist()
            p["priorities"] = {f"s{x}": lv for x, lv in zip(pool, levels)}
        if reserves and j % 10 == 0 and capacity[j] >= 2:
            p["reserved"] = [{"category": "inclusion", "seats": max(1, int(capacity[j]) // 5)}]
        placements.append(p)
    return {"applicants": applicants, "placements": placements,
            "options": {"lottery_seed": 20260901, "tie_breaking": "single"}}


def floor_read(path: str) -> float:
    """What merely reading the preference lists costs: json.load plus ids -> int arrays, both sides."""
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        obj = json.load(f)
    apps, pls = obj["applicants"], obj["placements"]
    aindex = {a["id"]: i for i, a in enumerate(apps)}
    pindex = {p["id"]: j for j, p in enumerate(pls)}
    a_lists = [a["preferences"] for a in apps]
    np.fromiter(map(pindex.__getitem__, chain.from_iterable(a_lists)), dtype=np.int32,
                count=sum(map(len, a_lists)))
    p_lists = [p["preferences"] if "preferences" in p else list(p["priorities"]) for p in pls]
    np.fromiter(map(aindex.__getitem__, chain.from_iterable(p_lists)), dtype=np.int32,
                count=sum(map(len, p_lists)))
    return time.perf_counter() - t0


def floor_compiled(path: str) -> float:
    """The compiled floor: read the bytes, tokenise, intern both sides' ids (what compiled_parse does
    before validation, the lottery and the rank join), on two cores as the reader does."""
    from ortaq.engines.placement.compiled_parse import intern_both, tokenise

    t0 = time.perf_counter()
    with open(path, "rb") as f:
        buf = np.frombuffer(f.read(), dtype=np.uint8)
    tokens = tokenise(buf)
    assert tokens is not None and intern_both(buf, tokens) is not None
    return time.perf_counter() - t0


def run_cli(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit status of `python -m ortaq.cli ARGS` in a fresh process."""
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child: exec so ru_maxrss of the child is the CLI's own
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execve(sys.executable, [sys.executable, "-m", "ortaq.cli", *args], {**os.environ, **(env or {})})
    _, status, usage = os.wait4(pid, 0)
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def machine() -> str:
    model = "unknown"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores (nproc), {model}, {ram:.0f} GB RAM, Python {platform.python_version()}, numpy {np.__version__}"


def national_call(n: int, m: int, k: int, fig: Figures, *, quick: bool = False) -> None:
    size = f"{n:,} applicants x {m:,} placements x {k} preferences"
    print(f"## National call: {size}")
    t0 = time.perf_counter()
    obj = make_instance(n, m, k)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "instance.json")
        out = str(Path(tmp) / "result.json")
        with open(path, "w") as f:
            json.dump(obj, f, separators=(",", ":"))
        del obj
        print(f"generated in {time.perf_counter() - t0:.1f} s; instance file {os.path.getsize(path) / 1e6:.0f} MB")

        # warm the compiled kernels (loads Numba's cache, or compiles it the first time on a machine)
        small = str(Path(tmp) / "small.json")
        with open(small, "w") as f:
            json.dump(make_instance(2_000, 200, k), f)
        with open(small, "rb") as f:
            solve(load_instance_bytes(f.read(), kernel="numba"), kernel="numba").to_json()

        floor_c = min(floor_compiled(path) for _ in range(3))
        floor = min(floor_read(path) for _ in range(2))
        print(f"floor, compiled: bytes tokenised + ids interned:  {floor_c:7.3f} s (min of 3)")
        print(f"floor, json.load + dict interning:               {floor:7.3f} s")
        fig.table("national", ["step"], ["numba", "numpy"])
        fig.add("floor: reading the preference lists", floor_c, "s", table="national", col="numba", size=size, digits=3)
        fig.add("floor: reading the preference lists", floor, "s", table="national", col="numpy", size=size, digits=3)
        # the standard library's reader as the peer of the compiled floor, same file, same run
        fig.add("compiled floor against json.load + dict interning", floor_c, "s", table="national", col="numba", size=size, digits=3,
                row="floor against the standard library's json.load", peer="json.load + dict interning", ratio=floor / floor_c)
        results: dict[str, bytes] = {}
        with open(path, "rb") as f:
            data = f.read()
        for kernel in ("numba", "numpy"):
            print(f"\n### kernel = {kernel}")
            loads = []
            for _ in range(3 if kernel == "numba" else 1):
                t0 = time.perf_counter()
                inst = load_instance_bytes(data, kernel=kernel)
                loads.append(time.perf_counter() - t0)
            print(f"load_instance_bytes (parse, validate, intern, lottery, join): {min(loads):7.3f} s "
                  f"(min of {len(loads)})")
            fig.add("load_instance_bytes", min(loads), "s", table="national", col=kernel, size=size, digits=3)
            times = []
            for _ in range(6):
                result = solve(inst, kernel=kernel)
                times.append(result.seconds)
            # the first call also pays for the first touch of fresh memory, as a CLI run does
            print(f"solve, first call in the process:         {times[0] * 1000:7.1f} ms")
            print(f"solve (median of the next 5):             {statistics.median(times[1:]) * 1000:7.1f} ms "
                  f"(min {min(times[1:]) * 1000:.1f}; placed {result.placed:,} of {n:,}; "
                  f"{result.proposals():,} proposals)")
            solve_ms = statistics.median(times[1:]) * 1000
            goal = {"op": "<=", "value": 100} if kernel == "numba" and not quick else None
            fig.add("solve() on a loaded instance, median of 5", solve_ms, "ms", table="national", col=kernel, size=size, goal=goal, digits=1)
            fig.add("solve(), first call in the process", times[0] * 1000, "ms", table="national", col=kernel, size=size, digits=1)
            t0 = time.perf_counter()
            text = result.to_json_bytes()
            print(f"result JSON (to_json_bytes):              {time.perf_counter() - t0:7.3f} s ({len(text) / 1e6:.0f} MB)")
            fig.add("result JSON (to_json_bytes)", time.perf_counter() - t0, "s", table="national", col=kernel, size=size, digits=3)
            # stats.seconds aside, both paths must write the same bytes (docs/decisions/0005)
            results[kernel] = text if result.seconds == 0 else dataclasses.replace(result, seconds=0.0).to_json_bytes()
            del text, inst, result
        fig.check("compiled kernels and numpy path give byte-identical results", results["numba"] == results["numpy"])
        del results

        print()
        env_numpy = {"ORTAQ_PLACEMENT_KERNEL": "numpy"}
        for label, env, runs in (("default kernel choice (compiled at national scale)", None, 2 if quick else 5), ("numpy path", env_numpy, 1)):
            walls, rsss = [], []
            for _ in range(runs):
                wall, rss, code = run_cli(["match", path, "-o", out], env)
                assert code == 0, code
                walls.append(wall)
                rsss.append(rss)
            print(f"whole `ortaq match` run, {label}: median {statistics.median(walls):.3f} s "
                  f"(min {min(walls):.3f}, max {max(walls):.3f}, {runs} fresh processes), peak RSS {max(rsss):,.0f} MB")
            column = "numpy" if env else "numba"
            fig.add("whole `ortaq match INSTANCE -o RESULT`, fresh process, median", statistics.median(walls), "s", table="national", col=column,
                    size=size, goal={"op": "<=", "value": 3} if env is None and not quick else None, digits=2)
            fig.add("peak memory (RSS) of that run", max(rsss), "MB", table="national", col=column, size=size,
                    goal={"op": "<=", "value": 2048} if env is None and not quick else None, digits=0)
            if env is None:
                print(f"  = {statistics.median(walls) / floor_c:.2f} x the compiled floor")
                fig.add("whole run / compiled floor", statistics.median(walls) / floor_c, "x", table="national", col="numba", size=size, digits=1)
        if not quick:  # compiling the kernels takes about 20 s: not part of the smoke test
            with tempfile.TemporaryDirectory() as cache:
                wall, rss, code = run_cli(["match", path, "-o", out], {"NUMBA_CACHE_DIR": cache})
            print(f"whole run with an empty Numba cache (compiles first): {wall:.3f} s, exit {code}")
            fig.add("the same run with an empty Numba cache (compiles the kernels first)", wall, "s", table="national", col="numba", size=size, digits=1)
        wall_c, rss_c, code_c = run_cli(["match", "--check", path, out])
        print(f"`ortaq match --check`:                    {wall_c:7.3f} s, peak RSS {rss_c:,.0f} MB, exit {code_c}")
        fig.add("`ortaq match --check INSTANCE RESULT`, fresh process", wall_c, "s", table="national", col="numba", size=size, digits=2)
        # --check re-solves and compares: the written result is the stable matching of the instance
        fig.check("`ortaq match --check` accepts the result (stable, matches a re-solve)", code_c == 0, f"exit {code_c}")


def peer_comparison(n: int, fig: Figures, *, quick: bool = False) -> None:
    from matching.games import HospitalResident

    m, k = n // 10, 20
    print(f"\n## Against the `matching` package: {n:,} applicants x {m:,} placements x {k} preferences")
    obj = make_instance(n, m, k, seed=2, reserves=False)
    # The peer wants mutual lists (hospitals rank exactly the residents who rank them). Our orders
    # after the lottery are what both solve, so derive the peer's input from the loaded instance.
    inst = load_instance(obj)
    aids, pids = inst.applicant_ids, inst.placement_ids
    accepted = [set(inst.pl_app[inst.pl_ptr[p]:inst.pl_ptr[p + 1]].tolist()) for p in range(m)]
    resident_prefs = {aids[a]: [pids[p] for p in inst.app_pref[inst.app_ptr[a]:inst.app_ptr[a + 1]].tolist()
                                if a in accepted[p]] for a in range(n)}
    resident_prefs = {a: v for a, v in resident_prefs.items() if v}
    hospital_prefs = {pids[p]: [aids[a] for a in inst.pl_app[inst.pl_ptr[p]:inst.pl_ptr[p + 1]].tolist()]
                      for p in range(m)}
    capacities = {pids[p]: int(inst.capacity[p]) for p in range(m)}
    sys.setrecursionlimit(1_000_000)  # the peer recurses once per proposal
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    solved = game.solve(optimal="resident")
    t_solve = time.perf_counter() - t0
    theirs = {r.name: h.name for h, rs in solved.items() for r in rs}

    t0 = time.perf_counter()
    inst2 = load_instance(obj)
    t_ours_load = time.perf_counter() - t0
    solve(inst2, kernel="numba")
    t_ours_numba = statistics.median([solve(inst2, kernel="numba").seconds for _ in range(5)])
    ours_times = [solve(inst2).seconds for _ in range(5)]
    t_ours = statistics.median(ours_times)
    ours = {k: v for k, v in solve(inst2).matching().items() if v is not None}
    same = ours == theirs
    print(f"matching package: build {t_build:.2f} s + solve {t_solve:.2f} s = {t_build + t_solve:.2f} s")
    print(f"ours: solve {t_ours * 1000:.1f} ms (median of 5; numpy path, the default at this size); "
          f"compiled kernel {t_ours_numba * 1000:.1f} ms; load_instance from the same dicts {t_ours_load:.3f} s")
    print(f"ratio, peer build+solve / our compiled solve:      {(t_build + t_solve) / t_ours_numba:,.0f} x")
    print(f"ratio, peer build+solve / our solve:               {(t_build + t_solve) / t_ours:,.0f} x")
    print(f"ratio, peer build+solve / our load_instance+solve: {(t_build + t_solve) / (t_ours_load + t_ours):,.0f} x")
    print(f"same matching: {same}")
    size = f"{n:,} applicants x {m:,} placements x {k} preferences, no reserves"
    peer = "matching 1.4.3 HospitalResident (build + solve)"
    fig.table("peer", ["implementation"], ["time"])
    fig.add("`matching`: build + solve", t_build + t_solve, "s", table="peer", col="time", size=size, digits=2)
    fig.add("ours: solve(), default path at this size, median of 5", t_ours * 1000, "ms", table="peer", col="time", size=size, peer=peer,
            ratio=(t_build + t_solve) / t_ours, goal=None if quick else {"op": ">=", "value": 1000}, digits=1)
    fig.add("ours: solve(), compiled kernel, median of 5", t_ours_numba * 1000, "ms", table="peer", col="time", size=size, peer=peer,
            ratio=(t_build + t_solve) / t_ours_numba, digits=1)
    fig.add("ours: load_instance from the same dicts + solve()", t_ours_load + t_ours, "s", table="peer", col="time", size=size, peer=peer,
            ratio=(t_build + t_solve) / (t_ours_load + t_ours), digits=2)
    fig.check("same matching as the `matching` package", same)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the size, to try the script")
    add_arguments(parser)
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    fig = Figures("placement", quick=args.quick)
    print(f"# Placement benchmark ({machine()})\n")
    national_call(200_000 // scale, 20_000 // scale, 20, fig, quick=args.quick)
    peer_comparison(20_000 // scale, fig, quick=args.quick)
    print(f"\npeak RSS of this benchmark process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    fig.finish(args.json)


if __name__ == "__main__":
    main()
