"""Benchmark: a cohort's dual diplomas issued in the platform — signed credential (issuer + two co-signers) and
stored PDF certificate per graduate — by `ortaq worker` processes (django.tasks, django-tasks-db backend) against
PostgreSQL; then the public verification page.

    uv run python bench/credentials_issuance.py [--count 10000] [--workers 2] [--verify-repeat 100]
                                                [--database-url postgres://postgres@127.0.0.1:5432/ortaq_bench_issuance]

The database named in the URL is dropped and recreated (PostgreSQL: never a production database); files go
under ORTAQ_DATA_DIR (default /tmp/ortaq-bench-issuance, media wiped first).

What is timed: the cohort is split into `--workers` batches (one per worker, as a registrar would prepare one
batch per group); the workers are started and idle first; the clock starts before the approvals (which enqueue
one `run_batch` task each) and stops when every batch is DONE. The workers' CPU time (user + system, from
/proc) is reported beside the wall clock. Then GET /en/verify/<code> through django.test.Client (the whole
request/response cycle in-process, no network) for `--verify-repeat` random credentials, with the issuer's
status lists already built (as after the first verification). Prints a JSON summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from figures import Figures, add_arguments  # noqa: E402

NAMES = [("Дана", "Dana"), ("Айгерім", "Aigerim"), ("Нұрлан", "Nurlan"), ("Әсел", "Asel"), ("Ерлан", "Yerlan"), ("Жанар", "Zhanar"),
         ("Ли Мин", "Li Ming"), ("Ван Фан", "Wang Fang"), ("Мария", "Mariya"), ("Тимур", "Timur")]
SURNAMES = [("Серікқызы", "Serikkyzy"), ("Омаров", "Omarov"), ("Жұмабаева", "Zhumabayeva"), ("Ким", "Kim"), ("Петрова", "Petrova")]
LANGUAGES = ["kk"] * 5 + ["ru"] * 3 + ["zh-hans", "en"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/ortaq_bench_issuance")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--verify-repeat", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=3600)
    add_arguments(parser)
    args = parser.parse_args()
    if args.quick:
        args.count, args.verify_repeat, args.timeout = 20, 10, 600
    fig = Figures("credentials_issuance", quick=args.quick)

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("ORTAQ_DATA_DIR", "/tmp/ortaq-bench-issuance")
    os.environ["DJANGO_SETTINGS_MODULE"] = "ortaq.settings"
    shutil.rmtree(Path(os.environ["ORTAQ_DATA_DIR"]) / "media", ignore_errors=True)
    _recreate_database(args.database_url)

    import django

    from ortaq.platform_cli import data_dir_prepare

    data_dir_prepare()  # the secret key, as `ortaq` makes it: importing settings writes nothing
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS.append("testserver")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    registrar, programme, holders = _populate(args.count)
    print(f"populated {args.count} graduates in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    result = {"machine": _machine(), "count": args.count, "workers": args.workers}
    result["issuance"] = _issue(registrar, programme, holders, args.workers, args.timeout)
    result["verification_page"] = _verify_page(args.verify_repeat)
    result["load_average_end"] = os.getloadavg()
    print(json.dumps(result, indent=2, ensure_ascii=False))
    issued, page = result["issuance"], result["verification_page"]
    size = f"{args.count:,} dual diplomas (three proofs + PDF each), {args.workers} workers"
    fig.table("issuance", ["measure"], ["value"])
    fig.add("wall clock, approve -> every batch done", issued["wall_seconds"], "s", table="issuance", size=size, digits=1,
            goal=None if args.quick else {"op": "<=", "value": 600})
    fig.add("rate", issued["per_second"], "/s", table="issuance", size=size, digits=1)
    fig.add("worker CPU per credential", issued["cpu_ms_per_credential"], "ms", table="issuance", size=size, digits=1)
    fig.add("PDF mean size", issued["pdf_mean_kb"], "KB", table="issuance", size=size, digits=0)
    fig.add("load average at approval", issued["load_average_at_approval"][0], "", table="issuance", size=size, digits=2)
    fig.table("verify_page", ["measure"], ["value"])
    fig.add("verification page p50", page["p50_ms"], "ms", table="verify_page", size=size, digits=1)
    fig.add("verification page p95", page["p95_ms"], "ms", table="verify_page", size=size, digits=1, goal=None if args.quick else {"op": "<=", "value": 150})
    fig.add("verification page max", page["max_ms"], "ms", table="verify_page", size=size, digits=1)
    fig.add("verification page CPU p50", page["cpu_p50_ms"], "ms", table="verify_page", size=size, digits=1)
    fig.add("verification page queries", int(page["queries_per_request"]), "", table="verify_page", size=size)
    every = issued["issued"] == issued["with_pdf"] == issued["distinct_holders"] == issued["pdf_files"] == args.count
    fig.check("every graduate got exactly one credential with its PDF", every,
              f"issued {issued['issued']}, with PDF {issued['with_pdf']}, holders {issued['distinct_holders']}, files {issued['pdf_files']}")
    fig.check("every batch is done", all(state == "done" for state, _ in issued["batches"].values()), str(issued["batches"]))
    fig.finish(args.json)


def _recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(), "load_average_start": os.getloadavg()}


def _populate(count: int):
    from django.db import connection, transaction

    from ortaq.accounts.models import Membership, User
    from ortaq.credentials.keys import issuer_ensure
    from ortaq.institutions.models import Institution
    from ortaq.programmes.models import Programme

    rng = random.Random(20261129)
    with transaction.atomic():
        joint = Institution.objects.create(kind="joint_college", name_original="Қазақстан-Қытай бірлескен колледжі", name_latin="Kazakhstan-China Joint College",
                                           name_en="Kazakhstan-China Joint College", name_kk="Қазақстан-Қытай бірлескен колледжі", name_ru="Казахстанско-китайский совместный колледж",
                                           name_zh="哈中联合学院", country="KZ", city="Almaty")
        college = Institution.objects.create(kind="college", name_original="Алматы политехникалық колледжі", name_latin="Almaty Polytechnic College",
                                             name_en="Almaty Polytechnic College", name_kk="Алматы политехникалық колледжі", country="KZ", city="Almaty")
        partner = Institution.objects.create(kind="college", name_original="乌鲁木齐职业大学", name_latin="Urumqi Vocational University",
                                             name_en="Urumqi Vocational University", name_zh="乌鲁木齐职业大学", country="CN", city="Urumqi")
        programme = Programme.objects.create(code="JP-0714", title_en="Mechatronics", title_kk="Мехатроника", title_ru="Мехатроника", title_zh="机电一体化",
                                             qualification_kz="Техник-мехатроник", qualification_cn="机电一体化技术", isced_code="0714", eqf_level="5", kz_nqf_level="5")
        programme.awarding_institutions.set([joint, college, partner])
        registrar = User.objects.create_user("bench-registrar", password=None)
        Membership.objects.create(user=registrar, institution=joint, role="registrar")
        users = []
        for i in range(count):
            (first, first_latin), (last, last_latin) = rng.choice(NAMES), rng.choice(SURNAMES)
            users.append(User(username=f"graduate{i:05d}", password="!", full_name=f"{first} {last}", full_name_latin=f"{first_latin} {last_latin}",
                              preferred_language=rng.choice(LANGUAGES)))
        User.objects.bulk_create(users, batch_size=5000)
        holders = list(User.objects.filter(username__startswith="graduate").order_by("pk"))
        Membership.objects.bulk_create([Membership(user=u, institution=college, role="student") for u in holders], batch_size=5000)
        # Issuers (with their first keys) exist before the run, as after any earlier batch: see the note in docs/benchmarks.md.
        for institution in (joint, college, partner):
            issuer_ensure(actor=None, institution=institution)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return registrar, programme, holders


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _issue(registrar, programme, holders, workers: int, timeout: float) -> dict:
    from django.db import transaction

    from ortaq.credentials import services
    from ortaq.credentials.models import BatchState, IssuanceBatch, IssuedCredential

    size = -(-len(holders) // workers)
    batches = [services.batch_request(actor=registrar, programme=programme, holders=holders[i * size:(i + 1) * size], graduation_date=dt.date(2026, 6, 30))
               for i in range(workers)]
    log_dir = Path(os.environ["ORTAQ_DATA_DIR"]) / "worker-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}  # the same code as this process
    procs = []
    for n in range(workers):
        log = open(log_dir / f"worker{n}.log", "w")  # noqa: SIM115
        procs.append(subprocess.Popen([sys.executable, "-m", "ortaq.cli", "worker", "--no-startup-delay", "--interval", "0.2", "--worker-id", f"bench{n}"],
                                      env=env, stdout=log, stderr=subprocess.STDOUT))
    time.sleep(8)  # Django set-up and the migration check: the workers are idle and polling before the clock starts
    cpu_before = [_cpu_seconds(p.pid) for p in procs]
    load_before = os.getloadavg()
    started = time.perf_counter()
    for batch in batches:
        with transaction.atomic():
            services.batch_approve(actor=registrar, batch=batch)
    progress, finished = [], {}
    try:
        while True:
            states = {b.pk: (b.state, b.done) for b in IssuanceBatch.objects.filter(pk__in=[b.pk for b in batches])}
            now = time.perf_counter() - started
            for pk, (state, _done) in states.items():
                if state in (BatchState.DONE, BatchState.FAILED) and pk not in finished:
                    finished[pk] = (state, round(now, 1))
            if len(finished) == len(batches):
                break
            if not progress or now - progress[-1][0] >= 30:
                progress.append((round(now, 1), sum(d for _, d in states.values())))
                print(f"  {now:7.1f} s: {progress[-1][1]} issued", file=sys.stderr)
            if now > timeout:
                raise SystemExit("timeout")
            time.sleep(0.5)
        wall = time.perf_counter() - started
        cpu = [_cpu_seconds(p.pid) - b for p, b in zip(procs, cpu_before, strict=True)]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    issued = IssuedCredential.objects.count()
    with_pdf = IssuedCredential.objects.exclude(pdf="").count()
    media = Path(os.environ["ORTAQ_DATA_DIR"]) / "media"
    sizes = [f.stat().st_size for f in media.rglob("*.pdf")]
    return {
        "wall_seconds": round(wall, 1), "per_second": round(issued / wall, 1),
        "worker_cpu_seconds": [round(c, 1) for c in cpu], "cpu_ms_per_credential": round(1000 * sum(cpu) / max(issued, 1), 1),
        "batches": {str(pk): v for pk, v in finished.items()}, "issued": issued, "with_pdf": with_pdf,
        "distinct_holders": IssuedCredential.objects.values("holder").distinct().count(),
        "pdf_files": len(sizes), "pdf_mean_kb": round(statistics.mean(sizes) / 1024, 1) if sizes else None,
        "progress": progress, "load_average_at_approval": load_before,
    }


def _verify_page(repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from ortaq.credentials.models import IssuedCredential, IssuerProfile
    from ortaq.credentials.status_lists import PURPOSES, status_list_document

    for issuer in IssuerProfile.objects.all():
        for purpose in PURPOSES:
            status_list_document(issuer, purpose)  # the issuer's lists cached (built after the batch marked nothing stale)
    codes = list(IssuedCredential.objects.values_list("verify_code", flat=True))
    rng = random.Random(7)
    client = Client()
    times, cpu, queries = [], [], []
    for i in range(repeat + 3):
        code = rng.choice(codes)
        with CaptureQueriesContext(connection) as captured:
            t, c = time.perf_counter(), time.process_time()
            response = client.get(f"/en/verify/{code}", REMOTE_ADDR=f"10.1.{i // 250}.{i % 250}")
            elapsed, cpu_elapsed = time.perf_counter() - t, time.process_time() - c
        assert response.status_code == 200 and b'id="verify-status"' in response.content, response.status_code
        if i >= 3:  # the first requests warm the process (contexts, templates)
            times.append(elapsed * 1000)
            cpu.append(cpu_elapsed * 1000)
            queries.append(len(captured))
    times.sort()
    return {"requests": len(times), "p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * len(times)) - 1], 1),
            "max_ms": round(times[-1], 1), "cpu_p50_ms": round(statistics.median(cpu), 1), "queries_per_request": statistics.median(queries)}


if __name__ == "__main__":
    main()
