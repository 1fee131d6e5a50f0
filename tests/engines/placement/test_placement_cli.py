"""`ortaq match`: results, --check, and exit status 2 with a message naming the entry for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ortaq.cli import main

GOOD: dict[str, Any] = {
    "applicants": [
        {"id": "s1", "preferences": ["p2", "p1"], "categories": ["inclusion"]},
        {"id": "s4", "preferences": ["p1", "p2"]},
        {"id": "s7", "preferences": ["p1", "p2"]},
        {"id": "s9", "preferences": ["p2"]},
    ],
    "placements": [
        {"id": "p1", "capacity": 1, "preferences": ["s4", "s1"]},
        {"id": "p2", "capacity": 2, "priorities": {"s1": 2, "s4": 2, "s9": 1},
         "reserved": [{"category": "inclusion", "seats": 1}]},
    ],
    "options": {"lottery_seed": 20260901, "tie_breaking": "single"},
}


def write(tmp_path: Path, obj: Any, name: str = "instance.json") -> str:
    path = tmp_path / name
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj), encoding="utf-8")
    return str(path)


def variant(edit) -> dict[str, Any]:
    obj = json.loads(json.dumps(GOOD))
    edit(obj)
    return obj


def test_it_writes_the_result_to_stdout(tmp_path, capsys):
    assert main(["match", write(tmp_path, GOOD)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["matching"] == {"s1": "p2", "s4": "p1", "s7": None, "s9": "p2"}
    assert set(result) == {"matching", "cutoffs", "explanations", "lottery_seed", "stats"}
    assert result["explanations"]["s7"] == [{"placement": "p1", "reason": "not_acceptable"},
                                            {"placement": "p2", "reason": "not_acceptable"}]


def test_it_writes_the_result_to_a_file_and_checks_it_valid(tmp_path, capsys):
    instance = write(tmp_path, GOOD)
    out = str(tmp_path / "result.json")
    assert main(["match", instance, "-o", out]) == 0
    assert json.loads(Path(out).read_text())["stats"]["placed"] == 3
    capsys.readouterr()
    assert main(["match", "--check", instance, out]) == 0
    assert "valid" in capsys.readouterr().out


def test_check_exits_1_with_a_report_for_an_unstable_result(tmp_path, capsys):
    instance = write(tmp_path, GOOD)
    bad = {"matching": {"s1": "p2", "s4": None, "s7": None, "s9": "p2"}}
    assert main(["match", "--check", instance, write(tmp_path, bad, "bad.json")]) == 1
    out = capsys.readouterr().out
    assert "INVALID" in out and "blocking pair: 's4' prefers 'p1'" in out


def test_check_exits_1_when_the_result_places_someone_where_she_is_not_accepted(tmp_path, capsys):
    instance = write(tmp_path, GOOD)
    bad = {"matching": {"s1": "p2", "s4": "p1", "s7": "p2", "s9": "p2"}}
    assert main(["match", "--check", instance, write(tmp_path, bad, "bad.json")]) == 1
    assert "'s7' is placed at 'p2', which does not accept her" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ("{not json", "not valid JSON"),
        ([1, 2], "must be an object with a 'matching' object"),
        ({"matching": []}, "must be an object with a 'matching' object"),
        ({"matching": {"s1": 2}}, "matching['s1'] must be a placement id or null, got int"),
    ],
)
def test_check_exits_2_on_a_bad_result_file(tmp_path, capsys, result, message):
    assert main(["match", "--check", write(tmp_path, GOOD), write(tmp_path, result, "r.json")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


BAD_INSTANCES = [
    ("not JSON", "{\"applicants\": [", "is not valid JSON"),
    ("not an object", [1, 2], "must be a JSON object"),
    ("duplicate applicant id", variant(lambda o: o["applicants"].append({"id": "s4", "preferences": []})),
     "applicants[4]: duplicate id 's4' (already used by applicants[1])"),
    ("duplicate placement id", variant(lambda o: o["placements"].append({"id": "p1", "capacity": 1, "preferences": []})),
     "placements[2]: duplicate id 'p1'"),
    ("unknown placement in a list", variant(lambda o: o["applicants"][2]["preferences"].append("p9")),
     "applicants[2] (id 's7'): preferences[2] names unknown placement 'p9'"),
    ("unknown applicant in a ranking", variant(lambda o: o["placements"][0]["preferences"].append("s99")),
     "placements[0] (id 'p1'): preferences[2] names unknown applicant 's99'"),
    ("unknown applicant in priorities", variant(lambda o: o["placements"][1]["priorities"].update({"zz": 1})),
     "placements[1] (id 'p2'): priorities key names unknown applicant 'zz'"),
    ("duplicate in an applicant's list", variant(lambda o: o["applicants"][1]["preferences"].append("p1")),
     "applicants[1] (id 's4'): preferences[2] repeats 'p1'"),
    ("duplicate in a placement's ranking", variant(lambda o: o["placements"][0]["preferences"].append("s4")),
     "placements[0] (id 'p1'): preferences[2] repeats 's4'"),
    ("negative capacity", variant(lambda o: o["placements"][0].update(capacity=-1)),
     "placements[0] (id 'p1'): 'capacity' must not be negative, got -1"),
    ("capacity not an integer", variant(lambda o: o["placements"][0].update(capacity="3")),
     "placements[0] (id 'p1'): 'capacity' must be an integer"),
    ("unknown applicant category", variant(lambda o: o["applicants"][0].update(categories=["inclusoin"])),
     "applicants[0] (id 's1'): categories[0] names unknown category 'inclusoin'"),
    ("unknown reserved category", variant(lambda o: o["options"].update(categories=["inclusion"]) or
                                          o["placements"][1]["reserved"].append({"category": "rural", "seats": 1})),
     "placements[1] (id 'p2'): reserved[1] names unknown category 'rural'"),
    ("reserved seats above capacity", variant(lambda o: o["placements"][1]["reserved"][0].update(seats=3)),
     "placements[1] (id 'p2'): reserved seats (3) exceed capacity (2)"),
    ("negative reserved seats", variant(lambda o: o["placements"][1]["reserved"][0].update(seats=-1)),
     "placements[1] (id 'p2'): reserved[0] seats must not be negative"),
    ("unknown tie_breaking", variant(lambda o: o["options"].update(tie_breaking="random")),
     "options.tie_breaking must be 'single' or 'multiple', got 'random'"),
    ("bad lottery seed", variant(lambda o: o["options"].update(lottery_seed="x")),
     "options.lottery_seed must be a non-negative integer"),
    ("priorities without a seed", variant(lambda o: o["options"].pop("lottery_seed")),
     "options.lottery_seed is required"),
    ("preferences not a list", variant(lambda o: o["applicants"][3].update(preferences="p2")),
     "applicants[3] (id 's9'): 'preferences' must be a list of placement ids"),
    ("id not a string", variant(lambda o: o["applicants"][3].update(id=9)),
     "applicants[3]: 'id' must be a non-empty string"),
    ("placement id in a list not a string", variant(lambda o: o["applicants"][3].update(preferences=[2])),
     "applicants[3] (id 's9'): preferences[0] must be a placement id (a string), got int"),
    ("priority not an integer", variant(lambda o: o["placements"][1]["priorities"].update(s9=1.5)),
     "placements[1] (id 'p2'): priorities['s9'] must be an integer"),
    ("both a ranking and priorities", variant(lambda o: o["placements"][0].update(priorities={})),
     "placements[0] (id 'p1'): give exactly one of 'preferences'"),
    ("unknown key", variant(lambda o: o["applicants"][0].update(preference=["p1"])),
     "applicants[0] (id 's1'): unknown key 'preference'"),
    ("applicants not a list", variant(lambda o: o.update(applicants={})), "'applicants' must be a list"),
    ("entry not an object", variant(lambda o: o["placements"].append("p3")),
     "placements[2]: must be an object, got str"),
]


@pytest.mark.parametrize(("case", "instance", "message"), BAD_INSTANCES, ids=[c[0] for c in BAD_INSTANCES])
def test_it_exits_2_naming_the_entry_for_a_bad_instance(tmp_path, capsys, case, instance, message):
    assert main(["match", write(tmp_path, instance)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err, captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_it_exits_2_for_a_missing_file(tmp_path, capsys):
    assert main(["match", str(tmp_path / "nope.json")]) == 2
    assert "cannot read instance" in capsys.readouterr().err


def test_it_exits_2_for_a_file_that_is_not_utf8(tmp_path, capsys):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"applicants": [{"id": "\xe9"}]}')
    assert main(["match", str(path)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_it_exits_2_on_bad_arguments(tmp_path, capsys):
    assert main(["match"]) == 2
    assert main(["match", "--check", write(tmp_path, GOOD)]) == 2
    assert main(["match", write(tmp_path, GOOD), "extra.json"]) == 2
    assert "--check" in capsys.readouterr().err


def test_it_exits_2_when_the_output_cannot_be_written(tmp_path, capsys):
    assert main(["match", write(tmp_path, GOOD), "-o", str(tmp_path / "no" / "such" / "dir.json")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_the_installed_command_runs_in_a_fresh_process(tmp_path):
    instance = write(tmp_path, GOOD)
    out = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, "-m", "ortaq.cli", "match", instance, "-o", str(out)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["matching"]["s9"] == "p2"
    bad = subprocess.run([sys.executable, "-m", "ortaq.cli", "match", write(tmp_path, "[", "bad.json")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "not valid JSON" in bad.stderr


def test_compiled_and_numpy_runs_write_the_same_file(tmp_path, monkeypatch):
    import random

    from placement_instances import random_instance

    path = write(tmp_path, random_instance(random.Random(11), 300, 25, k=6))
    outputs = {}
    for kernel in ("numba", "numpy"):
        monkeypatch.setenv("ORTAQ_PLACEMENT_KERNEL", kernel)
        out = tmp_path / f"{kernel}.json"
        assert main(["match", path, "-o", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        assert text.endswith("}\n")
        seconds = json.loads(text)["stats"]["seconds"]
        outputs[kernel] = text.replace(f'"seconds":{json.dumps(seconds)}', '"seconds":0')
    assert outputs["numba"] == outputs["numpy"]
    assert '"seconds":0}' in outputs["numba"]


def test_a_text_only_stdout_still_gets_the_result(tmp_path, monkeypatch):
    import io

    stream = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    assert main(["match", write(tmp_path, GOOD)]) == 0
    result = json.loads(stream.getvalue())
    assert sorted(result["matching"]) == ["s1", "s4", "s7", "s9"]
    assert stream.getvalue().endswith("}\n")
