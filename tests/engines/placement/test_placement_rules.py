"""The documented rules, one example each: reserved seats, the lottery, cutoffs and explanations."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from ortaq.engines.placement import InstanceError, check, load_instance, lottery_number, solve


def run(applicants: list[dict[str, Any]], placements: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    obj = {"applicants": applicants, "placements": placements, "options": {"lottery_seed": 7, **options}}
    inst = load_instance(obj)
    result = solve(inst).as_dict()
    assert check(inst, result) == []
    return result


def applicant(aid: str, *prefs: str, categories: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"id": aid, "preferences": list(prefs)}
    if categories:
        out["categories"] = list(categories)
    return out


def test_it_gives_a_reserved_seat_to_a_member_even_below_non_members():
    result = run(
        [applicant("x1", "p"), applicant("x2", "p"), applicant("m1", "p", categories=("inclusion",))],
        [{"id": "p", "capacity": 2, "preferences": ["x1", "x2", "m1"],
          "reserved": [{"category": "inclusion", "seats": 1}]}],
    )
    assert result["matching"] == {"m1": "p", "x1": "p", "x2": None}
    assert result["cutoffs"]["p"]["open"] == {"seats": 1, "filled": 1, "last": "x1", "rank": 1}
    assert result["cutoffs"]["p"]["inclusion"] == {"seats": 1, "filled": 1, "last": "m1", "rank": 3, "reverted": 0}
    assert result["explanations"]["x2"] == [{"placement": "p", "reason": "below_cutoff", "rank": 2}]


def test_it_reverts_a_reserved_seat_nobody_in_the_category_claims_to_an_open_seat():
    result = run(
        [applicant("x1", "p"), applicant("x2", "p"), applicant("x3", "p")],
        [{"id": "p", "capacity": 2, "preferences": ["x3", "x1", "x2"],
          "reserved": [{"category": "inclusion", "seats": 1}]}],
    )
    assert result["matching"] == {"x1": "p", "x2": None, "x3": "p"}
    assert result["cutoffs"]["p"]["inclusion"] == {"seats": 1, "filled": 1, "last": "x1", "rank": 2, "reverted": 1}


def test_it_fills_open_seats_before_reserved_ones_so_a_top_member_does_not_use_up_the_reserve():
    # open first: m1 (best overall) takes the open seat and the reserved seat still goes to member m2.
    # Reserve-first processing would have given m1 the reserved seat and x1 the open one.
    result = run(
        [applicant("m1", "p", categories=("inclusion",)), applicant("x1", "p"),
         applicant("m2", "p", categories=("inclusion",))],
        [{"id": "p", "capacity": 2, "preferences": ["m1", "x1", "m2"],
          "reserved": [{"category": "inclusion", "seats": 1}]}],
    )
    assert result["matching"] == {"m1": "p", "m2": "p", "x1": None}
    assert result["cutoffs"]["p"]["open"]["last"] == "m1"
    assert result["cutoffs"]["p"]["inclusion"]["last"] == "m2"


def test_it_processes_reserved_categories_in_the_order_listed():
    # b is in both categories: the first listed category ("rural") takes her, "inclusion" takes c.
    result = run(
        [applicant("a", "p"), applicant("b", "p", categories=("inclusion", "rural")),
         applicant("c", "p", categories=("inclusion",)), applicant("d", "p", categories=("rural",))],
        [{"id": "p", "capacity": 3, "preferences": ["a", "b", "c", "d"],
          "reserved": [{"category": "rural", "seats": 1}, {"category": "inclusion", "seats": 1}]}],
    )
    assert result["matching"] == {"a": "p", "b": "p", "c": "p", "d": None}
    assert result["cutoffs"]["p"]["rural"]["last"] == "b"
    assert result["cutoffs"]["p"]["inclusion"]["last"] == "c"


def test_a_member_displaced_from_the_open_seat_falls_back_on_the_reserve():
    # m2 first holds the open seat; x1 arrives later with a better rank and pushes m2 into the reserve,
    # which pushes out the weaker member m3.
    result = run(
        [applicant("m2", "p", categories=("inclusion",)), applicant("m3", "p", categories=("inclusion",)),
         applicant("x1", "q", "p")],
        [{"id": "p", "capacity": 2, "preferences": ["x1", "m2", "m3"],
          "reserved": [{"category": "inclusion", "seats": 1}]},
         {"id": "q", "capacity": 0, "preferences": ["x1"]}],
    )
    assert result["matching"] == {"m2": "p", "m3": None, "x1": "p"}
    assert result["explanations"]["x1"] == [{"placement": "q", "reason": "no_capacity"}]
    assert result["explanations"]["m3"] == [{"placement": "p", "reason": "below_cutoff", "rank": 3}]


def test_it_breaks_ties_with_a_single_lottery_number_per_applicant_from_sha256():
    ids = ["ana", "bolat", "chen", "dana"]
    seed = 20260901
    number = {x: hashlib.sha256(f"{seed}\x00{x}".encode()).hexdigest() for x in ids}
    winner = min(ids, key=number.__getitem__)
    result = run(
        [applicant(x, "p", "q") for x in ids],
        [{"id": "p", "capacity": 1, "priorities": {x: 1 for x in ids}},
         {"id": "q", "capacity": 1, "priorities": {x: 1 for x in ids}}],
        lottery_seed=seed, tie_breaking="single",
    )
    assert result["matching"][winner] == "p"
    runner_up = min((x for x in ids if x != winner), key=number.__getitem__)
    assert result["matching"][runner_up] == "q"
    assert result["cutoffs"]["p"]["open"]["lottery"] == number[winner] == lottery_number(seed, winner)
    assert result["lottery_seed"] == seed


def test_it_draws_one_lottery_number_per_placement_with_multiple_tie_breaking():
    ids = ["ana", "bolat", "chen", "dana"]
    seed = 5

    def number(pid: str, aid: str) -> str:
        return hashlib.sha256(f"{seed}\x00{pid}\x00{aid}".encode()).hexdigest()

    result = run(
        [applicant(x, "p") for x in ids],
        [{"id": "p", "capacity": 2, "priorities": {x: 3 for x in ids}}],
        lottery_seed=seed, tie_breaking="multiple",
    )
    expected = sorted(ids, key=lambda x: number("p", x))[:2]
    assert sorted(a for a, p in result["matching"].items() if p) == sorted(expected)
    assert result["cutoffs"]["p"]["open"]["lottery"] == number("p", expected[1])


def test_higher_priority_beats_any_lottery_number():
    result = run(
        [applicant("a", "p"), applicant("b", "p"), applicant("c", "p")],
        [{"id": "p", "capacity": 1, "priorities": {"a": 1, "b": 5, "c": 1}}],
    )
    assert result["matching"] == {"a": None, "b": "p", "c": None}
    assert result["cutoffs"]["p"]["open"]["priority"] == 5


def test_it_explains_every_option_above_the_one_she_got():
    result = run(
        [applicant("s1", "p2", "p1"), applicant("s4", "p2", "p1"), applicant("s7", "p1", "p2"),
         applicant("s9", "p3", "p2", "p1")],
        [{"id": "p1", "capacity": 1, "preferences": ["s4", "s1"]},
         {"id": "p2", "capacity": 1, "preferences": ["s1", "s9", "s4"]},
         {"id": "p3", "capacity": 2, "preferences": ["s1"]}],
    )
    assert result["matching"] == {"s1": "p2", "s4": "p1", "s7": None, "s9": None}
    assert result["explanations"] == {
        "s1": [],
        "s4": [{"placement": "p2", "reason": "below_cutoff", "rank": 3}],
        "s7": [{"placement": "p1", "reason": "not_acceptable"}, {"placement": "p2", "reason": "not_acceptable"}],
        "s9": [{"placement": "p3", "reason": "not_acceptable"},
               {"placement": "p2", "reason": "below_cutoff", "rank": 2},
               {"placement": "p1", "reason": "not_acceptable"}],
    }
    assert result["stats"] == {**result["stats"], "applicants": 4, "placed": 2, "seats": 4, "proposals": 4}


def test_a_placement_with_a_free_seat_shows_it_in_its_cutoff():
    result = run([applicant("a", "p")], [{"id": "p", "capacity": 3, "preferences": ["a"]}])
    assert result["cutoffs"]["p"]["open"] == {"seats": 3, "filled": 1, "last": "a", "rank": 1}


def test_it_rejects_a_category_called_open_because_open_names_the_unreserved_seats():
    with pytest.raises(InstanceError, match="open"):
        load_instance({"applicants": [], "placements": [
            {"id": "p", "capacity": 1, "preferences": [], "reserved": [{"category": "open", "seats": 1}]}]})


def test_the_checker_finds_a_blocking_pair_and_a_capacity_breach():
    obj = {"applicants": [applicant("a", "p"), applicant("b", "p")],
           "placements": [{"id": "p", "capacity": 1, "preferences": ["a", "b"]}]}
    inst = load_instance(obj)
    problems = check(inst, {"matching": {"a": None, "b": "p"}})
    assert len(problems) == 1 and "blocking pair: 'a' prefers 'p'" in problems[0]
    assert any("capacity 1" in x for x in check(inst, {"matching": {"a": "p", "b": "p"}}))
    assert any("does not name applicant 'b'" in x for x in check(inst, {"matching": {"a": "p"}}))


def test_the_checker_uses_the_reserved_seat_rule():
    obj = {"applicants": [applicant("x1", "p"), applicant("x2", "p"), applicant("m1", "p", categories=("inclusion",))],
           "placements": [{"id": "p", "capacity": 2, "preferences": ["x1", "x2", "m1"],
                           "reserved": [{"category": "inclusion", "seats": 1}]}]}
    inst = load_instance(obj)
    # x1 and x2 by rank alone would be stable without reserves, but m1 has a claim on the reserved seat
    problems = check(inst, {"matching": {"x1": "p", "x2": "p", "m1": None}})
    assert len(problems) == 1 and "'m1'" in problems[0] and "inclusion" in problems[0]
    assert check(inst, {"matching": {"x1": "p", "x2": None, "m1": "p"}}) == []


def test_the_api_builds_an_instance_from_python_objects_and_checks_a_result_object():
    from ortaq.engines.placement import instance_from_parts

    inst = instance_from_parts([applicant("a", "p")], [{"id": "p", "capacity": 1, "preferences": ["a"]}])
    result = solve(inst)
    assert result.matching() == {"a": "p"}
    assert check(inst, result) == []
    assert check(inst, {"matching": {"a": "p"}, "lottery_seed": 99}) == [
        "lottery_seed 99 differs from the instance's None"]
    assert check(inst, {"placements": {}}) == ["the result must be an object with a 'matching' object"]


def test_load_instance_raises_instance_error_naming_the_entry():
    with pytest.raises(InstanceError, match=r"applicants\[1\]: duplicate id 'a'"):
        load_instance({"applicants": [applicant("a"), applicant("a")], "placements": []})
