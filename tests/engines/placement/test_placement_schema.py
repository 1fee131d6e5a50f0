"""The published JSON Schemas describe what the engine reads and writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from jsonschema import Draft202012Validator
from placement_instances import instances

from ortaq.engines.placement import load_instance, solve

SCHEMAS = Path(__file__).resolve().parents[3] / "docs" / "schemas"
INSTANCE = Draft202012Validator(json.loads((SCHEMAS / "placement-instance.schema.json").read_text()))
RESULT = Draft202012Validator(json.loads((SCHEMAS / "placement-result.schema.json").read_text()))
DOC_EXAMPLE = {
    "applicants": [{"id": "s1", "preferences": ["p2", "p1"], "categories": ["inclusion"]}],
    "placements": [
        {"id": "p1", "capacity": 3, "preferences": ["s4", "s1"]},
        {"id": "p2", "capacity": 2, "priorities": {"s1": 2, "s4": 2, "s9": 1},
         "reserved": [{"category": "inclusion", "seats": 1}]},
    ],
    "options": {"lottery_seed": 20260901, "tie_breaking": "single"},
}


def test_the_schemas_are_valid_json_schemas():
    Draft202012Validator.check_schema(INSTANCE.schema)
    Draft202012Validator.check_schema(RESULT.schema)
    assert INSTANCE.schema["title"] and RESULT.schema["title"]


def test_the_instance_example_of_the_issue_matches_the_schema():
    # (its lists name s4 and s9, who are not applicants: the schema cannot see that, the engine does)
    assert list(INSTANCE.iter_errors(DOC_EXAMPLE)) == []


@settings(max_examples=100, deadline=None)
@given(instances(max_applicants=8, max_placements=4))
def test_every_generated_instance_and_its_result_match_the_schemas(obj):
    assert list(INSTANCE.iter_errors(obj)) == []
    result = solve(load_instance(obj)).as_dict()
    assert list(RESULT.iter_errors(result)) == []


@pytest.mark.parametrize(
    "bad",
    [
        {"applicants": [], "placements": [{"id": "p", "capacity": -1, "preferences": []}]},
        {"applicants": [], "placements": [{"id": "p", "capacity": 1}]},
        {"applicants": [], "placements": [], "options": {"tie_breaking": "random"}},
        {"applicants": [{"id": "a", "preferences": ["p", "p"]}], "placements": []},
    ],
)
def test_the_instance_schema_rejects_what_the_engine_rejects(bad):
    assert list(INSTANCE.iter_errors(bad)) != []
