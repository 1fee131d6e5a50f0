"""Cross-check against an independent implementation: the `matching` package (HospitalResident)."""

from __future__ import annotations

import random
import sys
import warnings

import pytest
from placement_instances import random_instance

from ortaq.engines.placement import check, load_instance, solve


def peer_matching(obj: dict) -> dict[str, str | None]:
    """Resident-optimal matching from the `matching` package, on the strict orders after our lottery.

    The peer wants mutual lists (a hospital ranks exactly those who rank it) and capacities of at least 1,
    so unacceptable pairs are dropped on both sides first; that does not change the stable matchings.
    """
    from matching.games import HospitalResident

    inst = load_instance(obj)
    aids, pids = inst.applicant_ids, inst.placement_ids
    ranked: list[set[int]] = []
    for p in range(inst.n_placements):
        ranked.append(set(inst.pl_app[inst.pl_ptr[p]:inst.pl_ptr[p + 1]].tolist()))
    resident_prefs = {}
    for a in range(inst.n_applicants):
        prefs = inst.app_pref[inst.app_ptr[a]:inst.app_ptr[a + 1]].tolist()
        resident_prefs[aids[a]] = [pids[p] for p in prefs if a in ranked[p] and inst.capacity[p] > 0]
    applied: list[set[str]] = [set() for _ in range(inst.n_placements)]
    pindex = inst.placement_index
    for aid, prefs in resident_prefs.items():
        for pid in prefs:
            applied[pindex[pid]].add(aid)
    hospital_prefs, capacities = {}, {}
    for p in range(inst.n_placements):
        if inst.capacity[p] > 0:
            order = [aids[a] for a in inst.pl_app[inst.pl_ptr[p]:inst.pl_ptr[p + 1]].tolist()]
            hospital_prefs[pids[p]] = [x for x in order if x in applied[p]]
            capacities[pids[p]] = int(inst.capacity[p])
    resident_prefs = {k: v for k, v in resident_prefs.items() if v}
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 100_000))  # the peer recurses once per proposal
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
            solved = game.solve(optimal="resident")
    finally:
        sys.setrecursionlimit(limit)
    out: dict[str, str | None] = {aid: None for aid in aids}
    for hospital, residents in solved.items():
        for r in residents:
            out[r.name] = hospital.name
    return out


@pytest.mark.parametrize(("seed", "n", "m"), [(1, 3000, 300), (2, 3000, 300), (3, 5000, 200), (4, 8000, 800)])
def test_it_finds_the_same_matching_as_the_matching_package_on_thousands_of_applicants(seed, n, m):
    rng = random.Random(seed)
    # no reserved seats: the peer implements the classic responsive hospitals/residents model
    obj = random_instance(rng, n, m, k=8, reserves=0.0, max_cap=12, accept=0.95, levels=4,
                          tie_breaking=("single", "multiple")[seed % 2], seed=seed)
    inst = load_instance(obj)
    ours = solve(inst)
    assert check(inst, ours) == []
    theirs = peer_matching(obj)
    assert ours.matching() == theirs
    assert sum(p is not None for p in theirs.values()) > 1000  # the cross-check is not vacuous
