"""`instance_from_arrays` builds the instance `load_instance` builds from the equivalent JSON, and refuses bad arrays."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from placement_instances import random_instance

from ortaq.engines.placement import Instance, InstanceError, instance_from_arrays, load_instance, single_lottery_positions, solve

FIELDS = ("applicant_ids", "placement_ids", "app_ptr", "app_pref", "entry_rank", "capacity", "pl_ptr", "pl_app",
          "pl_priority", "uses_priorities", "member", "reserved", "categories", "lottery_seed", "tie_breaking")


def arrays_of(obj: dict[str, Any]) -> dict[str, Any]:
    """The JSON instance as the arrays an application would hold (placements' lists in file order)."""
    applicant_ids = [a["id"] for a in obj["applicants"]]
    placement_ids = [p["id"] for p in obj["placements"]]
    aindex = {x: i for i, x in enumerate(applicant_ids)}
    pindex = {x: j for j, x in enumerate(placement_ids)}
    categories = obj["options"]["categories"]
    app_lists = [[pindex[x] for x in a["preferences"]] for a in obj["applicants"]]
    pl_lists = [list(p["priorities"]) if "priorities" in p else p["preferences"] for p in obj["placements"]]
    member = np.zeros((len(categories), len(applicant_ids)), dtype=bool)
    for i, a in enumerate(obj["applicants"]):
        for c in a.get("categories", []):
            member[categories.index(c), i] = True
    return dict(
        applicant_ids=applicant_ids, placement_ids=placement_ids,
        app_ptr=np.cumsum([0] + [len(x) for x in app_lists]), app_pref=np.array(sum(app_lists, []), dtype=np.int32),
        capacity=np.array([p["capacity"] for p in obj["placements"]], dtype=np.int64),
        pl_ptr=np.cumsum([0] + [len(x) for x in pl_lists]), pl_app=np.array([aindex[x] for x in sum(pl_lists, [])], dtype=np.int32),
        pl_priority=np.array([p["priorities"][x] if "priorities" in p else 0 for p in obj["placements"]
                              for x in (p["priorities"] if "priorities" in p else p["preferences"])], dtype=np.int64),
        uses_priorities=np.array(["priorities" in p for p in obj["placements"]], dtype=bool),
        categories=categories, member=member,
        reserved={j: [(categories.index(r["category"]), r["seats"]) for r in p["reserved"]]
                  for j, p in enumerate(obj["placements"]) if p.get("reserved")},
        lottery_seed=obj["options"]["lottery_seed"], tie_breaking=obj["options"]["tie_breaking"])


def assert_same_instance(got: Instance, want: Instance) -> None:
    for name in FIELDS:
        a, b = getattr(got, name), getattr(want, name)
        if isinstance(b, np.ndarray):
            assert a.dtype == b.dtype and np.array_equal(a, b), name
        else:
            assert a == b, name


@st.composite
def json_instances(draw: Any) -> dict[str, Any]:
    seed = draw(st.integers(0, 2**32))
    return random_instance(random.Random(seed), draw(st.integers(0, 12)), draw(st.integers(1, 5)),
                           priorities=draw(st.sampled_from([0.0, 0.5, 1.0])), levels=draw(st.integers(1, 4)),
                           tie_breaking=draw(st.sampled_from(["single", "multiple"])), seed=seed % 10_000)


@settings(max_examples=80, deadline=None)
@given(json_instances(), st.sampled_from(["numpy", "numba"]))
def test_arrays_give_the_instance_and_the_result_of_the_equivalent_json(obj, kernel):
    want = load_instance(obj, kernel="numpy")
    got = instance_from_arrays(**arrays_of(obj), kernel=kernel)
    assert_same_instance(got, want)
    got_result, want_result = solve(got), solve(want)
    got_result.seconds = want_result.seconds
    assert got_result.as_dict() == want_result.as_dict()


def test_the_order_of_a_priorities_list_does_not_matter_the_lottery_breaks_its_ties():
    obj = random_instance(random.Random(5), 12, 3, priorities=1.0, levels=2)
    arrays = arrays_of(obj)
    flipped = {**arrays, "pl_app": arrays["pl_app"].copy(), "pl_priority": arrays["pl_priority"].copy()}
    for p in range(3):
        lo, hi = arrays["pl_ptr"][p], arrays["pl_ptr"][p + 1]
        flipped["pl_app"][lo:hi] = arrays["pl_app"][lo:hi][::-1]
        flipped["pl_priority"][lo:hi] = arrays["pl_priority"][lo:hi][::-1]
    assert_same_instance(instance_from_arrays(**flipped), instance_from_arrays(**arrays))


def small(**changes: Any) -> dict[str, Any]:
    arrays = dict(applicant_ids=["a1", "a2"], placement_ids=["p1", "p2"], app_ptr=np.array([0, 2, 3]),
                  app_pref=np.array([0, 1, 1]), capacity=np.array([1, 1]), pl_ptr=np.array([0, 2, 3]),
                  pl_app=np.array([0, 1, 1]), pl_priority=np.array([5, 5, 1]), categories=["inclusion"],
                  member=np.array([[True, False]]), reserved={0: [(0, 1)]}, lottery_seed=7)
    arrays.update(changes)
    return arrays


def test_a_valid_small_instance_is_accepted():
    inst = instance_from_arrays(**small())
    first = int(np.argmin(single_lottery_positions(7, ["a1", "a2"])))  # equal priorities at p1: the lottery decides
    assert inst.pl_app.tolist() == [first, 1 - first, 1] and inst.pl_priority.tolist() == [5, 5, 1]
    assert inst.entry_rank.tolist() == [0 if first == 0 else 1, -1, 0]  # a1 is not on p2's list
    assert inst.reserved == {0: [(0, 1)]} and inst.member.tolist() == [[True, False]]


@pytest.mark.parametrize(("changes", "message"), [
    ({"applicant_ids": ["a1", "a1"]}, "applicants: ids must be distinct"),
    ({"placement_ids": ["p1", "p\x002"]}, "placements: ids must be non-empty and without NUL"),
    ({"app_pref": np.array([0, 0, 1])}, "applicants[0] (id 'a1'): preferences repeats 'p1'"),
    ({"app_pref": np.array([0, 2, 1])}, "applicants' preferences: an entry names no placement"),
    ({"app_ptr": np.array([0, 3, 2])}, "applicants' preferences: offsets must rise"),
    ({"capacity": np.array([1, -1])}, "placements[1] (id 'p2'): 'capacity' must not be negative, got -1"),
    ({"pl_app": np.array([0, 0, 1])}, "placements[0] (id 'p1'): lists an applicant twice"),
    ({"pl_app": np.array([0, 5, 1])}, "placements' lists: an entry names no applicant"),
    ({"reserved": {0: [(0, 2)]}}, "placements[0] (id 'p1'): reserved seats (2) exceed capacity (1)"),
    ({"reserved": {0: [(1, 1)]}}, "placements[0] (id 'p1'): reserved[0] names no category"),
    ({"lottery_seed": None}, "options.lottery_seed is required"),
    ({"lottery_seed": -1}, "options.lottery_seed must be a non-negative integer"),
    ({"tie_breaking": "coin"}, "options.tie_breaking must be 'single' or 'multiple'"),
    ({"categories": ["open"]}, "options.categories cannot declare 'open'"),
    ({"member": np.array([True, False])}, "member: expected shape (1, 2)"),
])
def test_arrays_that_describe_no_valid_instance_are_refused_with_the_entry_named(changes, message):
    with pytest.raises(InstanceError) as error:
        instance_from_arrays(**small(**changes))
    assert message in str(error.value)
