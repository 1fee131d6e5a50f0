"""Benchmark: sign and verify 1,000 Open Badges 3.0 credentials (Kazakh, Russian, Chinese, English
text, four alignments, a result and a status entry), then verify the same 1,000 with the Digital
Bazaar JavaScript stack (Node), all on one core.

Run alone from the repository root:

    uv run python bench/credentials.py            # 1000 credentials
    uv run python bench/credentials.py --count 200

The process pins itself (and the Node child) to CPU 0 so "per core" figures mean one core. The
first credential of each phase warms caches (bundled contexts are processed once per process,
by design) and is timed separately. Prints a JSON summary.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import ortaq.engines.credentials as creds  # noqa: E402
from ortaq.engines.credentials import contexts  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from figures import Figures, add_arguments  # noqa: E402

INTEROP = ROOT / "tests" / "engines" / "credentials" / "interop"
INSTALL_DIR = ROOT / "var" / "node-interop"
LIST_URL = "https://almaty-poly.edu.kz/status/revocation/1"


def cohort(key: creds.Multikey, count: int, status_list: creds.StatusList) -> list[dict]:
    """One qualification (shared achievement) awarded to `count` students, as the platform issues."""
    achievement = creds.build_achievement(
        "https://ortaq.org/achievements/almaty-poly/welding-diploma",
        name={"kk": "Дәнекерлеуші", "ru": "Сварщик", "zh": "焊工", "en": "Welder"},
        description={
            "kk": "Дәнекерлеу ісі бойынша техникалық және кәсіптік білім туралы диплом",
            "ru": "Диплом о техническом и профессиональном образовании по сварочному делу",
            "zh": "焊接技术与职业教育文凭",
            "en": "Diploma of technical and vocational education in welding",
        },
        criteria={"kk": "Үш жылдық бағдарламаны аяқтап, қорытынды біліктілік емтиханын тапсырды.", "ru": "Завершил трёхлетнюю программу и сдал итоговый квалификационный экзамен.", "zh": "完成三年制课程并通过最终资格考试。"},
        achievement_type="Diploma",
        alignments=[
            creds.alignment("EQF", "4", {"en": "EQF level 4"}),
            creds.alignment("KZ-NQF", "4", {"kk": "ҰБШ 4-деңгей"}),
            creds.alignment("ISCED-F", "0715", {"en": "Mechanics and metal trades"}),
            creds.alignment("PROF-STANDARD", "KZ-PS-7212", {"ru": "Сварщик"}),
        ],
        result_descriptions=[creds.result_description("urn:uuid:7f1c6a56-6f0c-4b8e-9d52-3d1c2b8f0a01", "Итоговая оценка", "LetterGrade", allowed=["A", "B", "C", "D", "F"])],
        credits_available=180,
        in_language="kk",
    )
    issuer = creds.issuer_profile(key.controller, {"kk": "Алматы политехникалық колледжі", "ru": "Алматинский политехнический колледж", "zh": "阿拉木图理工学院"})
    grades = "ABCD"
    return [
        creds.build_open_badge(
            f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
            issuer=issuer,
            subject_id=f"did:example:student-{i}",
            achievement=achievement,
            valid_from="2026-06-30T00:00:00Z",
            results=[creds.result(grades[i % 4], result_description="urn:uuid:7f1c6a56-6f0c-4b8e-9d52-3d1c2b8f0a01", status="Completed")],
            credits_earned=180,
            credential_status=[status_list.entry(status_list.allocate(), LIST_URL)],
        )
        for i in range(count)
    ]


def node_dir() -> Path | None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return None
    INSTALL_DIR.mkdir(parents=True, exist_ok=True)
    stamp = hashlib.sha256(b"".join((INTEROP / n).read_bytes() for n in ("package.json", "package-lock.json"))).hexdigest()
    stamp_file = INSTALL_DIR / ".installed"
    if not (INSTALL_DIR / "node_modules").is_dir() or not stamp_file.exists() or stamp_file.read_text() != stamp:
        for name in ("package.json", "package-lock.json"):
            shutil.copy(INTEROP / name, INSTALL_DIR / name)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=INSTALL_DIR, check=True, capture_output=True, timeout=600)
        stamp_file.write_text(stamp)
    shutil.copy(INTEROP / "interop.mjs", INSTALL_DIR / "interop.mjs")
    return INSTALL_DIR


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--distinct-created", action="store_true", help="give every proof its own creation time (no shared proof options)")
    add_arguments(parser)
    args = parser.parse_args()
    if args.quick:
        args.count = 50
    fig = Figures("credentials", quick=args.quick)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})

    key = creds.generate_key()
    status_list = creds.StatusList()
    documents = cohort(key, args.count + 1, status_list)
    list_credential = creds.sign(status_list.credential(LIST_URL, key.controller), key)
    cache = creds.StatusListCache()
    cache.put(LIST_URL, list_credential)
    created = "2026-07-01T09:00:00Z"  # one batch, one proof time (as the platform issues a cohort)

    t0 = time.perf_counter()
    creds.sign(documents[0], key, created=created)
    first_sign = time.perf_counter() - t0
    w0, c0 = time.perf_counter(), time.process_time()
    times = [f"2026-07-01T{9 + i // 3600 % 10:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z" if args.distinct_created else created for i in range(args.count)]
    signed = [creds.sign(d, key, created=t) for d, t in zip(documents[1:], times)]
    sign_wall, sign_cpu = time.perf_counter() - w0, time.process_time() - c0

    resolver = creds.DidResolver()  # one verifier session: the status list is checked once
    creds.verify(signed[0], did_resolver=resolver, status_resolver=cache)  # warm
    w0, c0 = time.perf_counter(), time.process_time()
    reports = [creds.verify(s, did_resolver=resolver, status_resolver=cache) for s in signed]
    verify_wall, verify_cpu = time.perf_counter() - w0, time.process_time() - c0
    fig.check("every credential verifies (schema, proof, key, dates, status)", all(r.verified and r.status == "valid" for r in reports),
              "" if all(r.verified for r in reports) else json.dumps(next(r for r in reports if not r.verified).to_json())[:300])

    result: dict = {
        "count": args.count,
        "proof_times": "distinct per credential" if args.distinct_created else "one per batch",
        "machine": {"nproc": os.cpu_count(), "cpu": _cpu_model(), "python": platform.python_version(), "load_avg_at_start": os.getloadavg()},
        # per_cpu_s: credentials per second of CPU time (robust when other work shares the
        # machine); per_wall_s: per second of elapsed time.
        "python": {
            "first_sign_ms": round(first_sign * 1000, 1),
            "sign_per_cpu_s": round(args.count / sign_cpu, 1),
            "sign_per_wall_s": round(args.count / sign_wall, 1),
            "verify_per_cpu_s": round(args.count / verify_cpu, 1),
            "verify_per_wall_s": round(args.count / verify_wall, 1),
            "verify_includes": "schema, proof, issuer-key control, validity dates, revocation status",
        },
    }
    directory = node_dir()
    if directory is None:
        result["node"] = "node/npm not available"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            loader = Path(tmp) / "loader.json"
            loader.write_text(json.dumps({"contexts": {u: contexts.context_document(u) for u in contexts.CONTEXTS}, "documents": {}}, ensure_ascii=False))
            batch = Path(tmp) / "batch.json"
            batch.write_text(json.dumps(signed, ensure_ascii=False))
            command = ["node", str(directory / "interop.mjs"), "verify", str(loader), str(batch)]
            if shutil.which("taskset"):
                command = ["taskset", "-c", "0", *command]
            t0 = time.perf_counter()
            completed = subprocess.run(command, capture_output=True, text=True, check=True, timeout=1800)
            wall = time.perf_counter() - t0
            outcome = json.loads(completed.stdout)
            ok = sum(1 for r in outcome["results"] if r["verified"])
            result["node"] = {
                "verified": f"{ok}/{len(outcome['results'])}",
                "verify_per_cpu_s": round(len(outcome["results"]) / (outcome["cpu_ms"] / 1000), 1),
                "verify_per_wall_s": round(len(outcome["results"]) / (outcome["ms"] / 1000), 1),
                "verify_includes": "@digitalbazaar/vc verifyCredential: proof, controller/purpose, dates (status stubbed)",
                "process_wall_s": round(wall, 2),
            }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    size = f"{args.count:,} OB 3.0 credentials, proof times {result['proof_times']}"
    py = result["python"]
    fig.table("rates", ["implementation", "measure"], ["per CPU second", "per wall second"])
    for what, key, goal in (("sign", "sign", {"op": ">=", "value": 300}), ("verify", "verify", None)):
        fig.add(f"ours: {what}/s per CPU second", py[f"{key}_per_cpu_s"], "/s", table="rates", row=["ours", what], col="per CPU second", size=size,
                goal=None if args.quick else goal, digits=0)
        fig.add(f"ours: {what}/s per wall second", py[f"{key}_per_wall_s"], "/s", table="rates", row=["ours", what], col="per wall second", size=size, digits=0)
    fig.add("ours: first signature in the process", py["first_sign_ms"], "ms", table="rates", row=["ours", "first signature"], col="per wall second",
            size=size, digits=0)
    node = result["node"]
    if isinstance(node, dict):
        peer = "@digitalbazaar/vc verifyCredential + eddsa-rdfc-2022-cryptosuite (Node)"
        fig.add("Node stack: verify/s per CPU second", node["verify_per_cpu_s"], "/s", table="rates", row=["Node stack", "verify"], col="per CPU second",
                size=size, digits=0)
        fig.add("Node stack: verify/s per wall second", node["verify_per_wall_s"], "/s", table="rates", row=["Node stack", "verify"], col="per wall second",
                size=size, digits=0)
        fig.add("ours / Node stack, verifications per CPU second", py["verify_per_cpu_s"] / node["verify_per_cpu_s"], "x", table="rates",
                row=["ours / Node stack", "verify"], col="per CPU second", size=size, peer=peer,
                ratio=py["verify_per_cpu_s"] / node["verify_per_cpu_s"], goal=None if args.quick else {"op": ">=", "value": 1}, digits=2)
        ok, total = node["verified"].split("/")
        fig.check("the Node stack verifies every credential we signed", ok == total, node["verified"])
    else:
        fig.check("the Node peer ran", os.environ.get("CI") != "true", str(node))  # required in CI, optional elsewhere
    fig.finish(args.json)
    return 0


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
