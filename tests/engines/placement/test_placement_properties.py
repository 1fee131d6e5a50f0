"""Properties of the placement engine on small random instances (hypothesis)."""

from __future__ import annotations

import copy
import itertools
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from placement_instances import instances, random_instance, strict_only

from ortaq.engines.placement import check, load_instance, solve, solve_reference
from ortaq.engines.placement.solver import choose, rank_tables

FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def placement_of(obj: dict[str, Any]) -> dict[str, str | None]:
    return solve(load_instance(obj)).as_dict()["matching"]


def position(prefs: list[str], got: str | None) -> int:
    """Her rank of what she got (lower is better); unplaced is worse than any listed placement."""
    return prefs.index(got) if got is not None else len(prefs)


def brute_force_stable(inst) -> list[list[int]]:
    """Every stable matching of a tiny instance, by enumeration and the definition of stability."""
    ranks = rank_tables(inst)
    n, m = inst.n_applicants, inst.n_placements
    prefs = [inst.app_pref[inst.app_ptr[a]:inst.app_ptr[a + 1]].tolist() for a in range(n)]
    options = [[-1] + [p for p in prefs[a] if a in ranks[p]] for a in range(n)]
    stable = []
    for match in itertools.product(*options):
        held = [[a for a in range(n) if match[a] == p] for p in range(m)]
        if any(len(held[p]) > inst.capacity[p] for p in range(m)):
            continue
        blocked = False
        for a in range(n):
            better = prefs[a] if match[a] < 0 else prefs[a][:prefs[a].index(match[a])]
            for p in better:
                if a in ranks[p]:
                    chosen = {x for blk in choose(inst, p, held[p] + [a], ranks[p]) for x in blk}
                    if a in chosen:
                        blocked = True
                        break
            if blocked:
                break
        if not blocked:
            stable.append(list(match))
    return stable


@FAST
@given(instances(max_applicants=8, max_placements=4))
def test_it_leaves_no_blocking_pair_and_respects_capacity_and_acceptability(obj):
    inst = load_instance(obj)
    result = solve(inst)
    assert check(inst, result.as_dict()) == []
    ranks = rank_tables(inst)
    counts: dict[int, int] = {}
    for a, p in enumerate(result.match.tolist()):
        if p >= 0:
            assert a in ranks[p], "placed where she is not accepted"
            assert p in inst.app_pref[inst.app_ptr[a]:inst.app_ptr[a + 1]].tolist(), "placed where she did not apply"
            counts[p] = counts.get(p, 0) + 1
    assert all(c <= inst.capacity[p] for p, c in counts.items())


@FAST
@given(instances(max_applicants=10, max_placements=4))
def test_it_agrees_with_textbook_one_proposal_at_a_time_deferred_acceptance(obj):
    inst = load_instance(obj)
    assert solve(inst).match.tolist() == solve_reference(inst)


@settings(max_examples=300, deadline=None)
@given(instances(max_applicants=4, max_placements=3))
def test_it_is_the_applicant_optimal_stable_matching(obj):
    inst = load_instance(obj)
    ours = solve(inst).match.tolist()
    stable = brute_force_stable(inst)
    assert ours in stable
    prefs = [inst.app_pref[inst.app_ptr[a]:inst.app_ptr[a + 1]].tolist() for a in range(inst.n_applicants)]

    def pos(a: int, p: int) -> int:
        return prefs[a].index(p) if p >= 0 else len(prefs[a])

    for other in stable:
        assert all(pos(a, ours[a]) <= pos(a, other[a]) for a in range(inst.n_applicants))


def all_reports(placements: list[str]) -> list[list[str]]:
    return [list(perm) for r in range(len(placements) + 1) for perm in itertools.permutations(placements, r)]


@settings(max_examples=150, deadline=None)
@given(instances(max_applicants=4, max_placements=3))
def test_no_applicant_gains_by_any_misreport(obj):
    truth = placement_of(obj)
    pids = [p["id"] for p in obj["placements"]]
    for i, applicant in enumerate(obj["applicants"]):
        true_prefs = applicant["preferences"]
        honest = position(true_prefs, truth[applicant["id"]])
        for report in all_reports(pids):
            lie = copy.deepcopy(obj)
            lie["applicants"][i]["preferences"] = report
            got = placement_of(lie)[applicant["id"]]
            # what she gets by lying, judged by her true preferences (unlisted counts as unplaced)
            value = true_prefs.index(got) if got in true_prefs else len(true_prefs)
            assert value >= honest, f"{applicant['id']} gains by reporting {report}"


def shuffled(obj: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    rng.shuffle(out["applicants"])
    rng.shuffle(out["placements"])
    for p in out["placements"]:
        if "priorities" in p:
            items = list(p["priorities"].items())
            rng.shuffle(items)
            p["priorities"] = dict(items)
    return out


def without_seconds(result: dict[str, Any]) -> dict[str, Any]:
    result = dict(result)
    result["stats"] = {k: v for k, v in result["stats"].items() if k != "seconds"}
    return result


@FAST
@given(instances(max_applicants=10, max_placements=5), st.integers(0, 2**32))
def test_it_gives_the_same_result_whatever_the_order_of_entries_in_the_file(obj, seed):
    first = without_seconds(solve(load_instance(obj)).as_dict())
    again = without_seconds(solve(load_instance(shuffled(obj, random.Random(seed)))).as_dict())
    assert again == first


def relabelled(obj: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    anames = [a["id"] for a in obj["applicants"]]
    pnames = [p["id"] for p in obj["placements"]]
    anew = dict(zip(anames, rng.sample([f"x{i}" for i in range(len(anames))], len(anames))))
    pnew = dict(zip(pnames, rng.sample([f"q{i}" for i in range(len(pnames))], len(pnames))))
    out = copy.deepcopy(obj)
    for a in out["applicants"]:
        a["id"] = anew[a["id"]]
        a["preferences"] = [pnew[p] for p in a["preferences"]]
    for p in out["placements"]:
        p["id"] = pnew[p["id"]]
        p["preferences"] = [anew[a] for a in p["preferences"]]
    return out, anew, pnew


@FAST
@given(instances(max_applicants=10, max_placements=5), st.integers(0, 2**32))
def test_it_gives_the_same_placements_when_ids_are_relabelled(obj, seed):
    # With strict rankings nothing depends on the ids (the lottery only breaks ties in priorities).
    obj = strict_only(obj)
    before = placement_of(obj)
    renamed, anew, pnew = relabelled(obj, random.Random(seed))
    after = placement_of(renamed)
    assert len(after) == len(before)
    assert all(after[anew[a]] == (pnew[p] if p else None) for a, p in before.items())


def withdraw(obj: dict[str, Any], aid: str) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    out["applicants"] = [a for a in out["applicants"] if a["id"] != aid]
    for p in out["placements"]:
        if "preferences" in p:
            p["preferences"] = [x for x in p["preferences"] if x != aid]
        else:
            p["priorities"].pop(aid, None)
    return out


@FAST
@given(instances(max_applicants=8, max_placements=4), st.data())
def test_a_withdrawal_never_makes_a_remaining_applicant_worse_off(obj, data):
    if not obj["applicants"]:
        return
    before = placement_of(obj)
    gone = data.draw(st.sampled_from([a["id"] for a in obj["applicants"]]))
    after = placement_of(withdraw(obj, gone))
    assert gone not in after
    for a in obj["applicants"]:
        if a["id"] != gone:
            assert position(a["preferences"], after[a["id"]]) <= position(a["preferences"], before[a["id"]])


def test_the_numpy_solver_agrees_with_the_reference_on_a_few_hundred_applicants_with_reserves():
    for seed in range(6):
        obj = random_instance(random.Random(seed), 300, 40, k=6, max_cap=6, tie_breaking=("single", "multiple")[seed % 2])
        inst = load_instance(obj)
        result = solve(inst)
        assert result.match.tolist() == solve_reference(inst)
        assert check(inst, result) == []


@FAST
@given(instances(max_applicants=8, max_placements=4))
def test_the_fast_json_writer_produces_exactly_the_result_object(obj):
    import json

    result = solve(load_instance(obj))
    assert json.loads(result.to_json()) == result.as_dict()
    assert json.loads(result.to_json(indent=2)) == result.as_dict()


@FAST
@given(instances(max_applicants=10, max_placements=4))
def test_a_reserved_seat_goes_to_a_non_member_only_when_no_rejected_member_applied(obj):
    # Judged from the matching alone (not from the solver's cutoffs): at a placement with one reserved
    # category, if a member who applied and is accepted was turned down, every reserved seat is held
    # by a member -- members have first claim on them.
    inst = load_instance(obj)
    placed = solve(inst).as_dict()["matching"]
    cats = {a["id"]: set(a.get("categories", [])) for a in obj["applicants"]}
    for p in obj["placements"]:
        blocks = [b for b in p.get("reserved", []) if b["seats"] > 0]
        if len(blocks) != 1:
            continue
        c, seats = blocks[0]["category"], blocks[0]["seats"]
        accepts = set(p.get("preferences", p.get("priorities", {})))
        admitted_members = sum(1 for a, q in placed.items() if q == p["id"] and c in cats[a])
        for a in obj["applicants"]:
            if c in cats[a["id"]] and a["id"] in accepts and p["id"] in a["preferences"]:
                got = placed[a["id"]]
                rejected = got is None or a["preferences"].index(p["id"]) < a["preferences"].index(got)
                if rejected:
                    assert admitted_members >= seats, f"{a['id']} turned down while a {c} seat went elsewhere"
