"""The compiled reader builds exactly the instance the reference reader builds, or declines the text."""

from __future__ import annotations

import hashlib
import json
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from placement_instances import instances, random_instance

from ortaq.engines.placement import load_instance
from ortaq.engines.placement.compiled_orders import join_ranks, sha256_many, single_lottery_positions
from ortaq.engines.placement.compiled_parse import parse_instance_bytes
from ortaq.engines.placement.model import InstanceError, _join_ranks, load_instance_bytes

ARRAYS = ("app_ptr", "app_pref", "entry_rank", "capacity", "pl_ptr", "pl_app", "pl_priority",
          "uses_priorities", "member")
VALUES = ("applicant_ids", "placement_ids", "categories", "reserved", "lottery_seed", "tie_breaking")


def assert_same_instance(got, want) -> None:
    assert got is not None, "the compiled reader declined an instance it should read"
    for name in VALUES:
        assert getattr(got, name) == getattr(want, name), name
    for name in ARRAYS:
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype, (name, a.dtype, b.dtype)
        assert np.array_equal(a, b), name


def encoded(obj, **dump_options) -> bytes:
    return json.dumps(obj, ensure_ascii=False, **dump_options).encode("utf-8")


@settings(max_examples=60, deadline=None)
@given(instances(max_applicants=12, max_placements=6))
def test_compiled_reader_builds_the_reference_instance(obj):
    want = load_instance(obj, kernel="numpy")
    assert_same_instance(parse_instance_bytes(encoded(obj)), want)


@settings(max_examples=40, deadline=None)
@given(instances(max_applicants=12, max_placements=6, levels=2))
def test_compiled_lottery_and_join_order_decoded_instances_as_the_numpy_path_does(obj):
    assert_same_instance(load_instance(obj, kernel="numba"), load_instance(obj, kernel="numpy"))


@settings(max_examples=20, deadline=None)
@given(instances(max_applicants=8, max_placements=4), st.sampled_from([None, 0, 2]), st.randoms(use_true_random=False))
def test_compiled_reader_ignores_layout_and_key_order(obj, indent, rng):
    want = load_instance(obj, kernel="numpy")

    def shuffled(x):
        if isinstance(x, dict):
            items = list(x.items())
            rng.shuffle(items)
            return {k: shuffled(v) for k, v in items}
        if isinstance(x, list):
            return [shuffled(v) for v in x]
        return x

    text = encoded(shuffled(obj), indent=indent)
    if indent == 0:
        text = text.replace(b"\n", b"\r\n\t ")
    assert_same_instance(parse_instance_bytes(text), want)


def test_compiled_reader_keeps_names_in_their_own_script():
    obj = {
        "applicants": [{"id": "Әлия Нұрланқызы", "preferences": ["北京工业职业技术学院", "Алматы колледжі"]},
                       {"id": "李娜", "preferences": ["Алматы колледжі"], "categories": ["инклюзия"]}],
        "placements": [{"id": "北京工业职业技术学院", "capacity": 1, "preferences": ["李娜", "Әлия Нұрланқызы"]},
                       {"id": "Алматы колледжі", "capacity": 2, "priorities": {"李娜": 1, "Әлия Нұрланқызы": 1},
                        "reserved": [{"category": "инклюзия", "seats": 1}]}],
        "options": {"lottery_seed": 7},
    }
    assert_same_instance(parse_instance_bytes(encoded(obj)), load_instance(obj, kernel="numpy"))


def test_compiled_reader_reads_a_call_of_a_thousand_applicants():
    obj = random_instance(random.Random(5), 1000, 80, k=12)
    assert_same_instance(parse_instance_bytes(encoded(obj)), load_instance(obj, kernel="numpy"))


BASE = {"applicants": [{"id": "s1", "preferences": ["p1"]}],
        "placements": [{"id": "p1", "capacity": 1, "preferences": ["s1"]}]}


@pytest.mark.parametrize("text", [
    # valid JSON the reader leaves to the reference path
    '{"applicants":[{"id":"s\\u0031","preferences":["p1"]}],"placements":[{"id":"p1","capacity":1,"preferences":["s1"]}]}',
    '{"applicants":[{"id":"s1","preferences":["p1"]}],"placements":[{"id":"p1","capacity":1.0,"preferences":["s1"]}]}',
    '{"applicants":[{"id":"s1","preferences":["p1"]}],"placements":[{"id":"p1","capacity":1e0,"preferences":["s1"]}]}',
    '\ufeff{"applicants":[],"placements":[]}',
    '{"applicants":[{"id":"s1","preferences":["p1"]}],"placements":[{"id":"p1","capacity":1,"priorities":{"s1":1,"s1":2}}],"options":{"lottery_seed":1}}',
    '{"applicants":[{"id":"s1","preferences":["p1"]}],"placements":[{"id":"p1","capacity":1,"priorities":{"s1":12345678901234567}}],"options":{"lottery_seed":1}}',
    # invalid instances: the reference path words the error
    '{"applicants":[{"id":"s1","preferences":["p1"]}],"placements":[{"id":"p1","capacity":-1,"preferences":["s1"]}]}',
    '{"applicants":[{"id":"s1","preferences":["p1"],"extra":1}],"placements":[{"id":"p1","capacity":1,"preferences":["s1"]}]}',
    '{"applicants":[{"id":"s1","preferences":["p1","p1"]}],"placements":[{"id":"p1","capacity":1,"preferences":["s1"]}]}',
    '{"applicants":[{"id":"s1","preferences":["p2"]}],"placements":[{"id":"p1","capacity":1,"preferences":["s1"]}]}',
    '{"applicants":[{"id":"s1","preferences":["p1"]},{"id":"s1","preferences":[]}],"placements":[{"id":"p1","capacity":1,"preferences":["s1"]}]}',
    '{"applicants":[{"id":"s1","preferences":["p1"]}],"placements":[{"id":"p1","capacity":1,"preferences":["s1","s1"]}]}',
    '{"applicants":[{"id":"","preferences":["p1"]}],"placements":[{"id":"p1","capacity":1,"preferences":[]}]}',
    '{"applicants":[{"id":"s1","preferences":null}],"placements":[]}',
    '{"applicants":[{"id":"s1","preferences":["p1"]}],"placements":[{"id":"p1","capacity":true,"preferences":["s1"]}]}',
    '{"applicants":[{"id":"s1","preferences":["p1"]}],"placements":[{"id":"p1","capacity":1,"preferences":["s1"],"priorities":{}}]}',
    '{"applicants":[{"id":"s1","preferences":["p1"]}],"placements":[{"id":"p1","capacity":1,"priorities":{"s1":1}}]}',
    '{"applicants":[{"id":"s1","preferences":["p1"],"categories":["x"]}],"placements":[{"id":"p1","capacity":1,"preferences":["s1"]}]}',
    '{"applicants":[],"placements":[{"id":"p1","capacity":1,"preferences":[],"reserved":[{"category":"open","seats":1}]}]}',
    '{"applicants":[],"placements":[],"options":{"tie_breaking":"coin"}}',
    '{"applicants":[],"placements":[],"other":1}',
    '{"applicants":[],"placements":[]} trailing',
    '{"applicants":[],"placements":[]',
    '{"applicants":[{"id":"s1","preferences":["p1"]},],"placements":[]}',
    '[]',
    '{}',
    '{"applicants":[{"id":"s1","preferences":[],"categories":[],"categories":["x"]}],"placements":[]}',
    '{"applicants":[],"placements":[{"id":"p1","capacity":1,"capacity":2,"preferences":[]}]}',
    '{"applicants":[],"placements":[],"applicants":[]}',
])
def test_compiled_reader_declines_what_the_reference_path_must_judge(text):
    data = text.encode("utf-8")
    assert parse_instance_bytes(data) is None
    try:
        want = load_instance(json.loads(data), kernel="numpy")
    except (InstanceError, ValueError) as exc:
        with pytest.raises(type(exc)) as got:
            load_instance_bytes(data, kernel="numba")
        assert str(got.value) == str(exc)
    else:
        assert_same_instance(load_instance_bytes(data, kernel="numba"), want)


def test_compiled_reader_declines_text_that_is_not_utf8():
    data = b'{"applicants":[{"id":"s\xff","preferences":[]}],"placements":[]}'
    assert parse_instance_bytes(data) is None
    with pytest.raises(UnicodeDecodeError):
        load_instance_bytes(data, kernel="numba")


def test_compiled_reader_is_what_large_files_use_and_small_ones_do_not(monkeypatch):
    monkeypatch.delenv("ORTAQ_PLACEMENT_KERNEL", raising=False)
    calls = []
    import ortaq.engines.placement.compiled_parse as compiled_parse

    real = compiled_parse.parse_instance_bytes
    monkeypatch.setattr(compiled_parse, "parse_instance_bytes", lambda data: calls.append(len(data)) or real(data))
    data = encoded(BASE)
    load_instance_bytes(data)
    assert calls == []
    load_instance_bytes(data, kernel="numba")
    assert calls == [len(data)]
    monkeypatch.setenv("ORTAQ_PLACEMENT_KERNEL", "numpy")
    load_instance_bytes(data, kernel="numba")
    assert calls == [len(data)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=150), max_size=20), st.integers(0, 2**64))
def test_compiled_sha256_matches_hashlib(items, seed):
    prefix = b"%d\x00" % seed
    words = sha256_many(prefix, items)
    assert [row.astype(">u4").tobytes() for row in words] == [hashlib.sha256(prefix + x).digest() for x in items]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1,
                        max_size=12), unique=True, max_size=40),
       st.integers(0, 2**40))
def test_compiled_single_lottery_orders_applicants_by_their_published_numbers(ids, seed):
    numbers = [hashlib.sha256(b"%d\x00%s" % (seed, x.encode("utf-8"))).hexdigest() for x in ids]
    position = single_lottery_positions(seed, ids)
    assert sorted(range(len(ids)), key=position.__getitem__) == sorted(range(len(ids)), key=numbers.__getitem__)


@settings(max_examples=40, deadline=None)
@given(instances(max_applicants=10, max_placements=5))
def test_compiled_rank_join_matches_the_numpy_join(obj):
    inst = load_instance(obj, kernel="numpy")
    args = (inst.n_applicants, inst.n_placements, inst.app_ptr, inst.app_pref, inst.pl_ptr, inst.pl_app)
    got_rank, got_repeats = join_ranks(*args)
    want_rank, want_repeats = _join_ranks(*args)
    assert np.array_equal(got_rank, want_rank)
    assert bool(got_repeats) == want_repeats


def test_compiled_lottery_orders_extreme_priorities_exactly():
    obj = {"applicants": [{"id": f"s{i}", "preferences": ["p"]} for i in range(6)],
           "placements": [{"id": "p", "capacity": 2,
                           "priorities": {"s0": 2**52, "s1": -(2**52), "s2": 0, "s3": 2**52, "s4": -(2**52), "s5": 7}}],
           "options": {"lottery_seed": 3}}
    assert_same_instance(load_instance(obj, kernel="numba"), load_instance(obj, kernel="numpy"))


def test_compiled_rank_join_reports_an_applicant_listed_twice_and_keeps_her_best_rank():
    app_ptr = np.array([0, 1], dtype=np.int64)
    app_pref = np.array([0], dtype=np.int32)
    pl_ptr = np.array([0, 3], dtype=np.int64)
    pl_app = np.array([0, 0, 0], dtype=np.int32)
    rank, repeats = join_ranks(1, 1, app_ptr, app_pref, pl_ptr, pl_app)
    assert repeats
    assert rank.tolist() == [0]
    assert _join_ranks(1, 1, app_ptr, app_pref, pl_ptr, pl_app)[0].tolist() == [0]
