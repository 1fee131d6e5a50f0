"""The compiled kernels (deferred acceptance and the JSON writer) give exactly what the numpy path gives."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from placement_instances import random_instance

from ortaq.engines.placement import check, load_instance, solve, solve_reference
from ortaq.engines.placement.solver import _big, make_blocks

SLOW_OK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ARRAYS = ("match", "match_entry", "slot_app", "slot_key")
# characters JSON must escape or may pass through; lone surrogates come from "\ud800" escapes in the input
TRICKY = ['"', "\\", "\n", "\x1f", "\x7f", "é", "\u2028", "😀", "\ud800", "\udfff", "/"]


@st.composite
def varied_instances(draw: Any, max_applicants: int = 12, max_placements: int = 5) -> dict[str, Any]:
    """Instances mixing everything the kernels must get right: reserved seats for one or several
    categories (some reserving every seat, some reserving none), priorities and rankings, capacity 0,
    unacceptable entries, empty preference lists and applicants nobody ranks."""
    n = draw(st.integers(0, max_applicants))
    m = draw(st.integers(1, max_placements))
    seed = draw(st.integers(0, 2**32))
    return random_instance(
        random.Random(seed), n, m, k=draw(st.integers(0, m)), priorities=draw(st.sampled_from([0.0, 0.5, 1.0])),
        reserves=draw(st.sampled_from([0.0, 0.5, 1.0])), levels=draw(st.integers(1, 3)),
        categories=draw(st.sampled_from([("inclusion",), ("inclusion", "rural"), ("a", "b", "c")])),
        accept=draw(st.sampled_from([0.5, 0.9, 1.0])), max_cap=draw(st.integers(0, 4)),
        tie_breaking=draw(st.sampled_from(["single", "multiple"])), seed=seed % 1000)


def both(inst):
    """The result of each path, with the same `seconds` so their stats compare equal."""
    compiled, reference = solve(inst, kernel="numba"), solve(inst, kernel="numpy")
    compiled.seconds = reference.seconds
    return compiled, reference


def assert_same_result(compiled, reference) -> None:
    assert compiled.compiled and not reference.compiled
    for name in ARRAYS:
        got, want = getattr(compiled, name), getattr(reference, name)
        assert got.dtype == want.dtype, name
        assert np.array_equal(got, want), name
    assert compiled.as_dict() == reference.as_dict()
    assert compiled.to_json() == reference.to_json()


@SLOW_OK
@given(varied_instances())
def test_compiled_kernel_places_exactly_as_the_numpy_path(obj):
    inst = load_instance(obj)
    compiled, reference = both(inst)
    assert_same_result(compiled, reference)
    assert compiled.match.tolist() == solve_reference(inst)


@SLOW_OK
@given(varied_instances(max_applicants=30, max_placements=4), st.integers(0, 3), st.integers(0, 40))
def test_heap_blocks_and_any_queue_delay_fill_the_same_seats(obj, sorted_max_cap, queue_delay):
    # Blocks above sorted_max_cap seats keep a heap instead of a sorted row, and the queue delay changes
    # the order of proposals: neither may change a seat.
    from ortaq.engines.placement.compiled_da import deferred_acceptance

    inst = load_instance(obj)
    reference = solve(inst, kernel="numpy")
    blocks = make_blocks(inst)
    got = deferred_acceptance(inst.app_ptr, inst.app_pref, inst.entry_rank, blocks.ptr, blocks.cap, blocks.category,
                              inst.member, _big(inst), sorted_max_cap, queue_delay)
    for name, array in zip(("slot_app", "slot_key", "match", "match_entry"), got, strict=True):
        assert np.array_equal(array, getattr(reference, name)), name


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(st.characters(exclude_characters="\x00") | st.sampled_from(TRICKY), min_size=1, max_size=8),
                min_size=8, max_size=8, unique=True),
       st.integers(0, 2**32))
def test_compiled_writer_escapes_any_id_as_the_python_writer_does(names, seed):
    # rankings only: the lottery hashes ids as strict UTF-8, which lone surrogates are not
    obj = random_instance(random.Random(seed), 5, 3, priorities=0.0, reserves=0.5, max_cap=2)
    rename = dict(zip([a["id"] for a in obj["applicants"]] + [p["id"] for p in obj["placements"]], names))
    for a in obj["applicants"]:
        a["id"] = rename[a["id"]]
        a["preferences"] = [rename[p] for p in a["preferences"]]
    for p in obj["placements"]:
        p["id"] = rename[p["id"]]
        if "preferences" in p:
            p["preferences"] = [rename[a] for a in p["preferences"]]
        else:
            p["priorities"] = {rename[a]: v for a, v in p["priorities"].items()}
    compiled, reference = both(load_instance(obj))
    assert compiled.to_json() == reference.to_json()
    assert compiled.to_json_bytes() == reference.to_json_bytes()
    assert json.loads(compiled.to_json()) == compiled.as_dict()


def test_compiled_kernels_agree_with_the_numpy_path_on_thousands_of_applicants():
    # capacities up to 150 put some blocks above SORTED_MAX_CAP, so both seat layouts run
    obj = random_instance(random.Random(7), 4000, 120, k=8, max_cap=150, reserves=0.4, accept=0.95, levels=4)
    inst = load_instance(obj)
    compiled, reference = both(inst)
    assert_same_result(compiled, reference)
    assert check(inst, compiled) == []
    assert compiled.placed > 2000 and (compiled.blocks.cap > 64).any()  # neither vacuous nor all small blocks
    assert reference.rounds > 1 and compiled.rounds == 0


def test_compiled_writer_splits_the_applicants_between_two_threads_seamlessly(monkeypatch):
    from ortaq.engines.placement import compiled_output

    monkeypatch.setattr(compiled_output, "TWO_THREADS_FROM", 2)
    obj = random_instance(random.Random(3), 301, 40, k=6, max_cap=12, reserves=0.3)
    compiled, reference = both(load_instance(obj))
    assert compiled.to_json() == reference.to_json()
    assert 100 < compiled.placed < 301  # both halves hold placed and unplaced applicants' explanations


def test_bytes_and_files_carry_the_same_json_as_the_text(tmp_path):
    obj = random_instance(random.Random(11), 60, 8, max_cap=5)
    inst = load_instance(obj)
    for result in both(inst):
        text = result.to_json()
        assert result.to_json_bytes() == text.encode("utf-8")
        assert result.to_json_bytes(indent=2) == result.to_json(indent=2).encode("utf-8")
        path = tmp_path / f"{result.compiled}.json"
        result.write_json(path)
        assert path.read_bytes() == text.encode("utf-8") + b"\n"
        buffer = io.BytesIO()
        result.write_json(buffer, indent=1)
        assert buffer.getvalue() == result.to_json(indent=1).encode("utf-8") + b"\n"


def test_kernel_choice_is_recorded_and_small_instances_stay_on_the_numpy_path(monkeypatch):
    monkeypatch.delenv("ORTAQ_PLACEMENT_KERNEL", raising=False)
    inst = load_instance(random_instance(random.Random(5), 40, 6))
    default, compiled = solve(inst), solve(inst, kernel="numba")
    assert not default.compiled and default.rounds >= 1
    assert compiled.compiled and compiled.rounds == 0
    monkeypatch.setenv("ORTAQ_PLACEMENT_KERNEL", "numpy")
    assert not solve(inst, kernel="numba").compiled


def test_importing_the_engine_does_not_import_numba():
    code = "import sys, ortaq.engines.placement; sys.exit('numba' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
