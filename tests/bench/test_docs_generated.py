"""docs/benchmarks.md's tables come from the committed results file, not from a hand.

Every table of the benchmarks page sits in a marked section, and each marked section is exactly what
bench/docs.py renders from bench/results/latest.json: a figure typed into the page, or a results file
changed without regenerating the page, fails here.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "bench" / "results" / "latest.json"


def _docs_module():
    spec = importlib.util.spec_from_file_location("bench_docs", ROOT / "bench" / "docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_marked_section_is_what_the_committed_results_file_renders():
    docs = _docs_module()
    text = DOCS.read_text("utf-8")
    results = docs.load(RESULTS, allow_quick=False)
    sections = list(docs.SECTION.finditer(text))
    assert len(sections) >= 8
    for match in sections:
        expected = docs.render(results, match["bench"], match["table"])
        assert match["body"] == expected, f"{match['bench']}:{match['table']} differs from bench/results/latest.json: run bench/docs.py"


def test_every_table_of_the_page_is_inside_a_marked_section():
    docs = _docs_module()
    text = DOCS.read_text("utf-8")
    outside = docs.SECTION.sub("", text)
    table_lines = [line for line in outside.splitlines() if re.match(r"^\|.*\|$", line.strip())]
    assert table_lines == [], f"tables outside the generated sections: {table_lines[:3]}"


def test_every_benchmark_of_the_runner_has_a_section_on_the_page():
    text = DOCS.read_text("utf-8")
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec and spec.loader
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    for name in run.BENCHMARKS:
        assert f"<!-- bench:{name}:" in text, f"no generated table for {name}"


def test_each_table_says_where_its_figures_come_from():
    results = json.loads(RESULTS.read_text("utf-8"))
    for name, bench in results["benchmarks"].items():
        for table_id, table in bench["tables"].items():
            run = table["run"]
            assert not run.get("quick"), f"{name}:{table_id} holds quick-size figures"
            provenance = run.get("provenance", "")
            # figures from an earlier run are labelled as such, with the machine facts the page gave for them
            assert provenance == "bench/run.py" or ("not yet rerun by bench/run.py" in provenance and run.get("facts")), (name, table_id)
            if provenance == "bench/run.py":
                assert {"cpu", "nproc", "python", "git_commit"} <= set(run["machine"]), (name, table_id)
