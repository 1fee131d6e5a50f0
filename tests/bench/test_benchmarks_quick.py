"""Every benchmark still runs: each at its --quick size, in its own process, through bench/run.py.

Asserts only that the run completes and that the benchmark's correctness checks pass (placement equal to the
`matching` package and stable under `ortaq match --check`, the round equal to its reference under --verify,
every credential verified by us and by the Node stack, every dashboard, list and page answering as expected),
never a time: a schema or data change that breaks a benchmark breaks this test. The benchmarks that measure
PostgreSQL run on the PostgreSQL leg of CI (DATABASE_URL), the engine benchmarks on the SQLite leg, so each leg
runs some; they run a few at a time to keep the wall time down on two cores.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))

pytestmark = pytest.mark.slow


def _benchmarks() -> dict[str, tuple[list[str], bool]]:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BENCHMARKS


BENCHMARKS = _benchmarks()
THIS_LEG = [name for name, (_, postgres) in BENCHMARKS.items() if postgres == ON_POSTGRES]


def _run(name: str, tmp: Path) -> dict:
    output = tmp / f"{name}.json"
    env = {**os.environ, "ORTAQ_DATA_DIR": str(tmp / f"data-{name}")}
    env.pop("DATABASE_URL", None)  # each benchmark names its own database
    command = [sys.executable, "bench/run.py", "--quick", "--only", name, "--output", str(output), "--timeout", "900"]
    if ON_POSTGRES:
        command += ["--database-prefix", DATABASE_URL.rsplit("/", 1)[0] + "/" + DATABASE_URL.rsplit("/", 1)[1] + "_benchq"]
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1000)
    results = json.loads(output.read_text()) if output.exists() else {}
    return {"exit": completed.returncode, "stderr": completed.stderr, "results": results}


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("bench-quick")
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(_run, name, tmp) for name in THIS_LEG}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_the_benchmark_completes_at_quick_size_and_its_checks_pass(name, quick_runs):
    if name not in quick_runs:
        where = "the PostgreSQL leg (DATABASE_URL=postgres://...)" if BENCHMARKS[name][1] else "the SQLite leg"
        pytest.skip(f"{name} runs on {where} of CI")
    run = quick_runs[name]
    assert run["exit"] == 0, run["stderr"][-4000:]
    bench = run["results"]["benchmarks"][name]
    checks = bench["checks"]
    assert checks, f"{name} recorded no correctness check"
    assert [c for c, v in checks.items() if not v["ok"]] == []
    figures = [f for table in bench["tables"].values() for f in table["figures"]]
    assert figures and all(table["run"]["quick"] for table in bench["tables"].values())


def test_this_leg_runs_at_least_one_benchmark():
    assert THIS_LEG, "no benchmark would run on this CI leg"
