"""Benchmark: 50 simulated users against two web processes and two workers on PostgreSQL (issue 13).

    uv run python bench/load.py [--users 50] [--duration 300] [--quick] [--think 2.0]
                                [--database-url postgres://postgres@127.0.0.1:5432/ortaq_load] [--json PATH] [--raw-json PATH]

Builds a deployment on this machine, on loopback only: the database named in the URL is dropped and recreated
(never a production database) and filled with the demo (`ortaq demo`), a college's closed call with a few
thousand applications and a published placement round (the generator of bench/placement_round.py), an open call
with submitted applications, the college's agreements with its host enterprises, and diplomas with share codes.
Then it starts two `ortaq serve --no-worker` processes on two ports and two `ortaq worker` processes, and drives
simulated people from threads, each with its own cookie jar, keep-alive connections to both web processes (a
round-robin balancer) and its own loopback address (127.0.0.x, so per-client rate limits see distinct clients):

* coordinators (20 %): home, agreements list and detail, mobility calls, the call page of the large call
  (applications page by page, option search), the round page, the open call's page; writes: scores on
  applications, and now and then a dry-run round that the workers compute;
* students (60 %): home, mobility calls, their result in the large call, the open call's form, saving a
  draft application (a write), the wallet, notifications;
* verifiers (20 %, signed out): /verify/<share code> and the VC-API `POST /api/v1/vc/credentials/verify` with
  real credentials, and the paste-a-credential page.

Each person signs in once (demo password; sign-ins are spread over up to 10 s and timed apart, since Argon2
makes them deliberately costly); when everyone is in, all browse for `--duration` seconds: a page chosen by
weight, then a think time drawn uniformly between 0.5 and 1.5 x `--think` seconds (each loop is also bounded by
a request count, so it ends by itself). A request is an error when the status, the redirect or a marker of the
page is not what a browser would expect, or the connection fails. Latency is the time from sending the request
to reading the last byte of the response, on this machine's loopback.

Throttle counters live where the platform keeps them: in the database, or in Redis when `CACHE_URL` is set in the
environment (it is passed on to the processes).

Results: per page count, errors, p50/p95/p99/max in ms, total throughput, CPU seconds of each process and of the
PostgreSQL backends serving the database, and the load average before and after (the machine may be shared), as
JSON (`--raw-json`; `--json` writes the figures and checks bench/run.py collects) and a Markdown table on stdout. Results and figures: docs/benchmarks.md.
Every subprocess is ended in a `finally`; the temporary data folder is removed unless `--keep`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from figures import Figures  # noqa: E402

PASSWORD = "ortaq-demo"
LANGUAGES = ["en", "kk", "ru", "zh-hans"]
HOST = "127.0.0.1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/ortaq_load")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300, help="seconds of load after sign-in")
    parser.add_argument("--think", type=float, default=2.0, help="mean think time between a person's requests, seconds")
    parser.add_argument("--applications", type=int, default=5000, help="applications in the large call")
    parser.add_argument("--options", type=int, default=500, help="options (internship offers) in the large call")
    parser.add_argument("--choices", type=int, default=10, help="options each applicant ranks")
    parser.add_argument("--credentials", type=int, default=150, help="diplomas issued (each with a share code)")
    parser.add_argument("--dry-run-every", type=float, default=60, help="at most one dry-run round per this many seconds (0: none)")
    parser.add_argument("--port", type=int, default=0, help="first web port (default: two free ports)")
    parser.add_argument("--quick", action="store_true", help="5 users for 15 s on a small call: a smoke test")
    parser.add_argument("--raw-json", default=str(Path(tempfile.gettempdir()) / "ortaq-load.json"), help="the full results")
    parser.add_argument("--json", default=None, help="the figures and checks, for bench/run.py")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder (logs of the processes)")
    args = parser.parse_args()
    if args.quick:
        args.users, args.duration, args.applications, args.options, args.credentials = 5, 15, 600, 60, 20
        args.dry_run_every = min(args.dry_run_every, 10) if args.dry_run_every else 0

    data_dir = Path(tempfile.mkdtemp(prefix="ortaq-load-"))
    ports = [args.port, args.port + 1] if args.port else _free_ports(2)
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url, "ORTAQ_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "ortaq.settings",
        "SECRET_KEY": "load-bench-" + os.urandom(16).hex(), "ORTAQ_INSECURE_HTTP": "1", "DEBUG": "0",
        # one public name for both processes, as behind a reverse proxy (links, QR codes, did:web, status lists)
        "SITE_ROOT": f"http://{HOST}:{ports[0]}",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    result = {"machine": _machine(), "command": " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
              "settings": {k: getattr(args, k) for k in ("users", "duration", "think", "applications", "options", "choices", "credentials", "dry_run_every")}}
    processes: list[subprocess.Popen] = []
    try:
        _recreate_database(args.database_url)
        started = time.perf_counter()
        world = _prepare(args, env)
        result["setup_seconds"] = round(time.perf_counter() - started, 1)
        print(f"data ready in {result['setup_seconds']} s: {world.summary}", file=sys.stderr)
        for n, port in enumerate(ports):
            processes.append(_start(["serve", "--no-worker", "--host", HOST, "--port", str(port)], env, data_dir / f"web{n}.log"))
        for n in range(2):
            processes.append(_start(["worker", "--worker-id", f"load{n}", "--interval", "0.5"], env, data_dir / f"worker{n}.log"))
        _wait_ready(ports, processes)
        result["load_average_before"] = os.getloadavg()
        cpu_before = {p.pid: _cpu_seconds(p.pid) for p in processes}
        client_cpu = time.process_time()
        postgres = PostgresCpu(args.database_url)
        run = _run(args, world, ports)
        result["postgres_cpu_seconds"] = postgres.stop()
        result["client_cpu_seconds"] = round(time.process_time() - client_cpu, 1)
        result["process_cpu_seconds"] = {name: round(_cpu_seconds(p.pid) - cpu_before[p.pid], 1)
                                         for name, p in zip(["web0", "web1", "worker0", "worker1"], processes, strict=True)}
        result["load_average_after"] = os.getloadavg()
        result |= run
        result["rounds_computed_by_workers"] = _rounds_done(world)
        for p in processes:
            if p.poll() is not None:
                result.setdefault("crashed", []).append(p.args[3])
    finally:
        for p in processes:
            if p.poll() is None:
                p.terminate()
        for p in processes:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if result.get("errors") or result.get("crashed") or "pages" not in result:
            for log in sorted(data_dir.glob("*.log")):
                tail = log.read_text(errors="replace").splitlines()[-15:]
                print(f"--- {log.name} (last lines)\n" + "\n".join(tail), file=sys.stderr)
        if args.keep:
            print(f"data and logs kept in {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    Path(args.raw_json).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(_markdown(result))
    print(f"\nJSON results: {args.raw_json}")
    _figures(args, result).finish(args.json)


def _figures(args, result: dict) -> Figures:
    fig = Figures("load", quick=args.quick)
    size = f"{args.users} users for {args.duration:.0f} s, think {args.think} s, two web processes, two workers"
    if "pages" in result:
        cols = ["requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"]
        fig.table("pages", ["page"], cols)
        rows = sorted(result["pages"].items(), key=lambda item: -(item[1]["p95_ms"] or 0))
        rows.append(("**all pages** (sign-ins apart)", {"count": result["measured_requests"], "errors": result["errors"], **result["all_pages"]}))
        for label, row in rows:
            for col, key in zip(cols, ["count", "errors", "p50_ms", "p95_ms", "p99_ms", "max_ms"], strict=True):
                goal = {"op": "<=", "value": 300} if key == "p95_ms" and label.startswith("**all") and not args.quick else None
                fig.add(f"{label}: {col}", row[key], "" if key in ("count", "errors") else "ms", table="pages", row=[label], col=col, size=size,
                        digits=None if key in ("count", "errors") else 1, goal=goal)
        fig.table("run", ["measure"], ["value"])
        fig.add("throughput", result["throughput_per_second"], "requests/s", table="run", size=size, digits=1)
        fig.add("load average before", result["load_average_before"][0], "", table="run", size=size, digits=2)
        fig.add("load average after", result["load_average_after"][0], "", table="run", size=size, digits=2)
        cpu = result["process_cpu_seconds"]
        fig.add("CPU of the web processes", cpu["web0"] + cpu["web1"], "s", table="run", size=size, digits=1)
        fig.add("CPU of the PostgreSQL backends", result["postgres_cpu_seconds"], "s", table="run", size=size, digits=1)
    fig.check("every person browsed and every request answered as a browser expects", "pages" in result and not result.get("errors"),
              "; ".join(result.get("error_examples", [])[:3]) or f"{result.get('errors', 'no')} errors")
    fig.check("no web or worker process crashed, no person stuck", not result.get("crashed") and not result.get("stuck_threads"),
              f"crashed {result.get('crashed')}, stuck {result.get('stuck_threads')}")
    if args.dry_run_every:
        fig.check("no dry-run round the coordinators asked for failed in the workers",
                  "failed" not in result.get("rounds_computed_by_workers", {}),
                  str(result.get("rounds_computed_by_workers")))
    return fig


# ---------------------------------------------------------------------------------------------- machine


def _machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    memory = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), 0)
    return {"nproc": os.cpu_count(), "cpu": model, "memory_gib": memory, "python": platform.python_version(),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its waited-for children, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind((HOST, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class PostgresCpu:
    """CPU seconds of the PostgreSQL backends serving this benchmark's database, sampled every second from /proc
    (connections come and go: each web thread reconnects after CONN_MAX_AGE), minus what they had used before."""

    def __init__(self, url: str):
        import psycopg

        self.name, self.stopped = url.rsplit("/", 1)[1], threading.Event()
        self.conn = psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True)
        self.start = self._sample()
        self.last = dict(self.start)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _sample(self) -> dict[int, float]:
        pids = [r[0] for r in self.conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.name]).fetchall()]
        return {pid: cpu for pid in pids if (cpu := _cpu_seconds(pid)) == cpu}  # NaN: ended meanwhile

    def _loop(self) -> None:
        while not self.stopped.wait(1.0):
            for pid, cpu in self._sample().items():
                self.last[pid] = max(cpu, self.last.get(pid, 0.0))

    def stop(self) -> float:
        self.stopped.set()
        self.thread.join()
        for pid, cpu in self._sample().items():
            self.last[pid] = max(cpu, self.last.get(pid, 0.0))
        self.conn.close()
        return round(sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items()), 1)


def _recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = open(log, "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "ortaq.cli", *command], env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)


def _wait_ready(ports: list[int], processes: list[subprocess.Popen], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    for port in ports:
        while True:
            if any(p.poll() is not None for p in processes):
                raise SystemExit("a web or worker process exited during start-up (see its log)")
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=5)
                conn.request("GET", "/en/accounts/login/")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"port {port} did not answer within {timeout} s")
            time.sleep(0.5)


# ---------------------------------------------------------------------------------------------- data


@dataclass
class World:
    call: int
    open_call: int
    round: int
    round_pages: int
    application_pages: int
    open_options: list[int]
    open_applications: list[int]
    agreements: list[int]
    coordinators: list[str]
    students: list[str]
    codes: list[str]
    documents: list[str]  # JSON bodies for the VC-API verify endpoint
    summary: str = ""
    dry_runs: list[int] = field(default_factory=list)


def _prepare(args, env: dict) -> World:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    # The large call first: its generator names its applicants student0, student1, ... and would count the
    # demo's "student" among them if the demo came first.
    import inspect

    from placement_round import _populate

    # points rule (the only one once hosts' rankings were dropped); 2 % of applicants ineligible after submitting
    rule = {"rule": "points"} if "rule" in inspect.signature(_populate).parameters else {}
    call = _populate(args.applications, args.options, args.choices, ineligible=0.02, **rule)
    # `ortaq demo`, the command an operator runs
    subprocess.run([sys.executable, "-m", "ortaq.cli", "demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    world = _people_and_places(args, call)
    _publish_first_round(call, world, env)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()
    return world


def _people_and_places(args, call) -> World:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from ortaq.accounts.models import Membership, User
    from ortaq.agreements import services as agreement_services
    from ortaq.agreements.types import AgreementTerms, ConditionTerms
    from ortaq.credentials import issuance, services as credential_services
    from ortaq.mobility.models import Application, Call, CallOption, Choice
    from ortaq.programmes.models import Programme

    n_coordinators = max(1, round(args.users * 0.2))
    n_verifiers = max(1, round(args.users * 0.2))
    n_students = max(1, args.users - n_coordinators - n_verifiers)
    college = call.owner
    hashed = make_password(PASSWORD)  # one hash (Argon2, as in production) shared by the simulated accounts
    now = timezone.now()
    with transaction.atomic():
        coordinators = []
        for i in range(n_coordinators):
            user = User.objects.create(username=f"coordinator.load{i}", password=hashed, full_name=f"Координатор {i}", full_name_latin=f"Koordinator {i}",
                                       email=f"coordinator.load{i}@load.ortaq.test", preferred_language=LANGUAGES[i % 4])
            Membership.objects.create(user=user, institution=college, role="coordinator")
            coordinators.append(user)
        # the applicants of the large call who will sign in: spread over the call (placed, unplaced, ineligible)
        applicants = list(User.objects.filter(username__regex=r"^student[0-9]+$").order_by("id"))
        step = max(1, len(applicants) // n_students)
        students = applicants[::step][:n_students]
        User.objects.filter(pk__in=[s.pk for s in students]).update(password=hashed)

        # the college's agreements with its host enterprises (in effect, places for the call's year)
        admin = User.objects.get(username="admin")
        hosts = sorted({o.host for o in call.options.select_related("host")[: 10 * 40]}, key=lambda h: h.pk)[:40]
        agreements = []
        for k, host in enumerate(hosts):
            agreement = agreement_services.agreement_create(
                actor=coordinators[0], initiator=college, parties=[college, host],
                terms=AgreementTerms(kind="inter_institutional", title=f"{college.name_latin} – {host.name_latin}: internships (load)", reference=f"LOAD-{k:03d}",
                                     start_year=2025, end_year=2029, summary="Internship places in commissioning and maintenance."))
            agreement_services.condition_add(actor=coordinators[0], agreement=agreement, terms=ConditionTerms(
                mobility_type="student_internship", sending_id=college.pk, receiving_id=host.pk, isced_code="0714", places_per_year=6,
                duration=3, duration_unit="months", start_year=2025, end_year=2029, language="zh", language_framework="hsk",
                language_min_level="3"))
            agreement_services.agreement_propose(actor=coordinators[0], agreement=agreement)
            agreement_services.agreement_approve(actor=coordinators[0], agreement=agreement, institution=college)
            agreement_services.agreement_approve(actor=admin, agreement=agreement, institution=host)
            agreement_services.agreement_put_into_effect(actor=coordinators[0], agreement=agreement)
            agreements.append(agreement.pk)

        # an open call of the same college: the students' drafts go there, and 1,000 classmates have applied
        open_call = Call.objects.create(owner=college, title="Internships, spring 2028 (load)", mobility_type="student_internship", academic_year=2028,
                                        deadline=now + dt.timedelta(days=60), max_choices=5, ranking_rule="points", weight_grade=50, weight_language=20,
                                        weight_motivation=15, weight_interview=15, lottery_seed=20280301, state="open", created_by=coordinators[0])
        CallOption.objects.bulk_create([CallOption(call=open_call, offer=o.offer, host_id=o.host_id, places=3) for o in call.options.order_by("id")[:60]])
        open_options = list(open_call.options.order_by("id").values_list("pk", flat=True))
        signing_in = {s.pk for s in students}
        others = [u for u in applicants if u.pk not in signing_in][: min(1000, len(applicants) // 2)]
        rng = random.Random(2028)
        Application.objects.bulk_create([Application(call=open_call, applicant=u, year_of_study=2 + i % 3, grade=60 + i % 40, motivation="Motivation",
                                                     state="submitted", submitted_at=now, receipt=f"L-{i}") for i, u in enumerate(others)], batch_size=2000)
        open_applications = list(Application.objects.filter(call=open_call).order_by("id").values_list("pk", flat=True))
        Choice.objects.bulk_create([Choice(application_id=a, option_id=o, rank=r) for a in open_applications
                                    for r, o in enumerate(rng.sample(open_options, 5), 1)], batch_size=5000)

    # diplomas of the demo's joint programme, signed by the demo registrar's college and co-signed, with share codes
    registrar = User.objects.get(username="registrar")
    programme = Programme.objects.get(code="DEMO-JP-0714")
    holders = students + [u for u in applicants if u.pk not in signing_in][: max(0, args.credentials - len(students))]
    codes, documents = [], []
    for holder in holders:
        with transaction.atomic():
            credential = issuance.diploma_issue(actor=registrar, programme=programme, holder=holder, graduation_date=dt.date(2026, 6, 30))
            codes.append(credential_services.share_code_create(actor=holder, credential=credential, days=30).code)
        documents.append(json.dumps({"verifiableCredential": credential.document, "options": {}}, ensure_ascii=False))
    world = World(call=call.pk, open_call=open_call.pk, round=0, round_pages=1, application_pages=max(1, -(-call.applications.count() // 50)),
                  open_options=open_options, open_applications=open_applications, agreements=agreements,
                  coordinators=[u.username for u in coordinators], students=[u.username for u in students], codes=codes, documents=documents)
    world.summary = (f"{call.applications.count()} applications x {args.choices} choices, {call.options.count()} options in the large call; "
                     f"{len(open_applications)} applications in the open call; {len(agreements)} agreements; {len(codes)} diplomas; "
                     f"{n_coordinators} coordinators, {n_students} students, {n_verifiers} verifiers")
    return world


def _publish_first_round(call, world: World, env: dict) -> None:
    """Round 1 of the large call, computed by a worker as in production (the coordinator's dry run), then
    published. Publishing goes through an UPDATE, as in bench/placement_round.py: creating and announcing
    thousands of nominations is not what this benchmark times."""
    from django.db import transaction

    from ortaq.accounts.models import User
    from ortaq.mobility.models import Call, PlacementRound

    try:
        from ortaq.mobility.round_services import round_request
    except ImportError:  # before the split of mobility/rounds.py
        from ortaq.mobility.rounds import round_request
    with transaction.atomic():
        placement_round = round_request(actor=User.objects.get(username=world.coordinators[0]), call=call)
    subprocess.run([sys.executable, "-m", "ortaq.cli", "worker", "--batch", "--no-startup-delay"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    placement_round.refresh_from_db()
    if placement_round.state != "dry_run":
        raise SystemExit(f"the first round ended as {placement_round.state}")
    PlacementRound.objects.filter(pk=placement_round.pk).update(state="published")
    Call.objects.filter(pk=call.pk).update(state="published")
    world.round = placement_round.pk
    world.round_pages = max(1, -(-placement_round.outcomes.count() // 100))


def _rounds_done(world: World) -> dict:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        rows = conn.execute("SELECT state, count(*) FROM mobility_placementround WHERE call_id = %s AND number > 1 GROUP BY state", [world.call]).fetchall()
    return dict(rows)


# ---------------------------------------------------------------------------------------------- load


@dataclass
class Sample:
    page: str
    started: float  # seconds since the clock started
    ms: float
    ok: bool
    status: int
    detail: str = ""


class Browser:
    """One person's browser: a cookie jar, one keep-alive connection per web process, round-robin between them."""

    def __init__(self, ports: list[int], source: str, language: str, samples: list, clock: float, rng: random.Random):
        self.ports, self.source, self.language = ports, source, language
        self.samples, self.clock, self.rng = samples, clock, rng
        self.connections: dict[int, http.client.HTTPConnection] = {}
        self.cookies: dict[str, str] = {}
        self.turn = rng.randrange(len(ports))

    def _connection(self, port: int, fresh: bool = False) -> http.client.HTTPConnection:
        if fresh and port in self.connections:
            self.connections.pop(port).close()
        if port not in self.connections:
            self.connections[port] = http.client.HTTPConnection(HOST, port, timeout=60, source_address=(self.source, 0))
        return self.connections[port]

    def close(self) -> None:
        for conn in self.connections.values():
            conn.close()

    def send(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None) -> tuple[int, dict, bytes]:
        self.turn += 1
        port = self.ports[self.turn % len(self.ports)]
        headers = {"Host": f"{HOST}:{self.ports[0]}", "Accept-Language": self.language, "User-Agent": "ortaq-load/1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        for attempt in range(2):
            conn = self._connection(port, fresh=attempt > 0)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # a kept-alive connection the server had closed: browsers retry on a fresh one, and so do we
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.connections.pop(port).close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def page(self, label: str, method: str, path: str, *, expect: int = 200, marker: bytes | None = b"</html>", form: dict | None = None,
             json_body: str | None = None, check=None) -> bytes | None:
        body, content_type = None, None
        if form is not None:
            body, content_type = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}).encode(), "application/x-www-form-urlencoded"
        elif json_body is not None:
            body, content_type = json_body.encode(), "application/json"
        started = time.perf_counter()
        try:
            status, headers, data = self.send(method, path, body, content_type)
        except (OSError, http.client.HTTPException) as error:
            self.samples.append(Sample(label, started - self.clock, (time.perf_counter() - started) * 1000, False, 0, f"{type(error).__name__}: {error}"))
            return None
        elapsed = (time.perf_counter() - started) * 1000
        detail = ""
        if status != expect:
            detail = f"status {status} for {method} {path}" + (f" -> {headers.get('location')}" if "location" in headers else "")
        elif marker is not None and marker not in data:
            detail = f"marker {marker!r} missing in {method} {path}"
        elif check is not None:
            detail = check(status, headers, data) or ""
        self.samples.append(Sample(label, started - self.clock, elapsed, not detail, status, detail))
        return data if not detail else None

    def sign_in(self, username: str) -> bool:
        login = f"/{self.language}/accounts/login/"
        if self.page("sign in (form)", "GET", login) is None:
            return False
        home = f"/{self.language}/"
        return self.page("sign in (POST)", "POST", login, expect=302, marker=None, form={"username": username, "password": PASSWORD, "next": home},
                         check=lambda s, h, d: None if h.get("location") == home else f"signed in to {h.get('location')}") is not None


class Shared:
    """What the people share: the last dry run's time (one at a time) and a stop flag."""

    def __init__(self, every: float):
        self.every, self.lock, self.last = every, threading.Lock(), time.monotonic()

    def dry_run_due(self) -> bool:
        if not self.every:
            return False
        with self.lock:
            if time.monotonic() - self.last >= self.every:
                self.last = time.monotonic()
                return True
        return False


def _coordinator_actions(world: World, b: Browser, shared: Shared):
    lang, rng = b.language, b.rng
    call, open_call = f"/{lang}/mobility/calls/{world.call}/", f"/{lang}/mobility/calls/{world.open_call}/"

    def score():
        application = rng.choice(world.open_applications)
        b.page("open call: save a score (POST)", "POST", f"{open_call}applications/{application}/score/", expect=302, marker=None,
               form={"motivation_score": rng.randint(0, 100), "interview_score": rng.randint(0, 100)},
               check=lambda s, h, d: None if h.get("location") == open_call else f"redirected to {h.get('location')}")
        b.page("open call (coordinator)", "GET", open_call)

    def dry_run():
        if not shared.dry_run_due():
            return b.page("call (coordinator)", "GET", call)
        data = b.page("call: request a dry run (POST)", "POST", f"{call}round/", expect=302, marker=None, form={},
                      check=lambda s, h, d: None if "/mobility/rounds/" in h.get("location", "") or h.get("location") == call else f"redirected to {h.get('location')}")
        return data

    return [
        (8, lambda: b.page("home", "GET", f"/{lang}/")),
        (6, lambda: b.page("agreements", "GET", f"/{lang}/agreements/")),
        (5, lambda: b.page("agreement", "GET", f"/{lang}/agreements/{rng.choice(world.agreements)}/")),
        (8, lambda: b.page("mobility calls", "GET", f"/{lang}/mobility/")),
        (14, lambda: b.page("call (coordinator)", "GET", call)),
        (8, lambda: b.page("call: applications page n", "GET", f"{call}?page={rng.randint(1, world.application_pages)}")),
        (3, lambda: b.page("call: option search", "GET", f"{call}?q=Qiye+{rng.randint(1, 40)}")),
        (8, lambda: b.page("round", "GET", f"/{lang}/mobility/rounds/{world.round}/")),
        (4, lambda: b.page("round: outcomes page n", "GET", f"/{lang}/mobility/rounds/{world.round}/?page={rng.randint(1, world.round_pages)}")),
        (6, lambda: b.page("open call (coordinator)", "GET", open_call)),
        (4, score),
        (3, lambda: b.page("notifications", "GET", f"/{lang}/notifications/")),
        (1, dry_run),
    ]


def _student_actions(world: World, b: Browser, shared: Shared):
    lang, rng = b.language, b.rng
    call, open_call = f"/{lang}/mobility/calls/{world.call}/", f"/{lang}/mobility/calls/{world.open_call}/"

    def save_draft():
        ranks = rng.sample(world.open_options, rng.randint(1, 5))
        form = {"app-year_of_study": rng.randint(2, 4), "app-grade": f"{rng.uniform(60, 99):.2f}", "app-motivation": "I want to learn PLC commissioning.",
                **{f"rank-{i}": o for i, o in enumerate(ranks, 1)}}
        if b.page("open call: save a draft (POST)", "POST", f"{open_call}application/", expect=302, marker=None, form=form,
                  check=lambda s, h, d: None if h.get("location") == open_call else f"redirected to {h.get('location')}") is not None:
            b.page("open call (student)", "GET", open_call, marker=b'id="rank-1"')

    return [
        (8, lambda: b.page("home", "GET", f"/{lang}/")),
        (8, lambda: b.page("mobility calls", "GET", f"/{lang}/mobility/")),
        (14, lambda: b.page("call: own result (student)", "GET", call, marker=b'id="placement-result"')),
        (10, lambda: b.page("open call (student)", "GET", open_call, marker=b'id="rank-1"')),
        (5, save_draft),
        (10, lambda: b.page("wallet", "GET", f"/{lang}/wallet/")),
        (4, lambda: b.page("notifications", "GET", f"/{lang}/notifications/")),
    ]


def _verifier_actions(world: World, b: Browser, shared: Shared):
    lang, rng = b.language, b.rng

    def api_verify(status, headers, data):
        try:
            return None if json.loads(data).get("verified") is True else f"not verified: {data[:200]!r}"
        except ValueError:
            return f"not JSON: {data[:200]!r}"

    return [
        (10, lambda: b.page("verify a share code", "GET", f"/{lang}/verify/{rng.choice(world.codes)}", marker=b'id="verify-status"')),
        (10, lambda: b.page("VC-API verify (POST)", "POST", "/api/v1/vc/credentials/verify", marker=None, json_body=rng.choice(world.documents), check=api_verify)),
        (2, lambda: b.page("verify (form)", "GET", f"/{lang}/verify/")),
    ]


class Phases:
    """Everyone signs in first (spread over a few seconds); browsing starts for all when the last sign-in is
    done, and lasts `duration` seconds. Sign-ins (Argon2, deliberately costly) are timed apart."""

    def __init__(self, people: int, duration: float):
        self.duration, self.start, self.deadline = duration, 0.0, 0.0
        self.barrier = threading.Barrier(people, action=self._go)

    def _go(self) -> None:
        self.start = time.perf_counter()
        self.deadline = self.start + self.duration


def _person(role: str, username: str | None, index: int, world: World, ports: list[int], samples: list, clock: float, start_at: float,
            phases: Phases, think: float, shared: Shared) -> None:
    rng = random.Random(1000 + index)
    source = f"127.0.0.{10 + index}" if index < 240 else HOST
    b = Browser(ports, source, LANGUAGES[index % len(LANGUAGES)], samples, clock, rng)
    try:
        time.sleep(max(0.0, start_at - time.perf_counter()))
        signed_in = b.sign_in(username) if username else True
        try:
            phases.barrier.wait(timeout=600)
        except threading.BrokenBarrierError:
            return
        if not signed_in:
            return
        actions = {"coordinator": _coordinator_actions, "student": _student_actions, "verifier": _verifier_actions}[role](world, b, shared)
        weights = [w for w, _ in actions]
        time.sleep(rng.uniform(0, think))  # people do not all click at the same instant
        bound = int(phases.duration / (0.5 * think) + 10) if think else 1_000_000  # a loop that ends by itself
        for _ in range(bound):
            if time.perf_counter() >= phases.deadline:
                break
            rng.choices(actions, weights)[0][1]()
            pause = rng.uniform(0.5, 1.5) * think
            time.sleep(max(0.0, min(pause, phases.deadline - time.perf_counter())))
    finally:
        b.close()


def _run(args, world: World, ports: list[int]) -> dict:
    samples: list[Sample] = []
    shared = Shared(args.dry_run_every)
    people = ([("coordinator", u) for u in world.coordinators] + [("student", u) for u in world.students]
              + [("verifier", None)] * (args.users - len(world.coordinators) - len(world.students)))
    random.Random(7).shuffle(people)
    phases = Phases(len(people), args.duration)
    spread = min(10.0, args.duration / 10)
    clock = time.perf_counter()
    threads = [threading.Thread(target=_person, args=(role, username, i, world, ports, samples, clock, clock + spread * i / len(people),
                                                      phases, args.think, shared), daemon=True)
               for i, (role, username) in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, (phases.deadline or time.perf_counter() + args.duration + 600) - time.perf_counter() + 120))
    stuck = sum(t.is_alive() for t in threads)
    browsing = [s for s in samples if not s.page.startswith("sign in")]
    pages = {}
    for label in sorted({s.page for s in samples}):
        mine = [s for s in samples if s.page == label]
        pages[label] = {"count": len(mine), "errors": sum(not s.ok for s in mine), **_percentiles(sorted(s.ms for s in mine if s.ok))}
    errors = [s for s in samples if not s.ok]
    return {
        "sign_in_seconds": round(phases.start - clock, 1) if phases.start else None, "measured_seconds": args.duration,
        "people": {r: sum(1 for p in people if p[0] == r) for r in ("coordinator", "student", "verifier")},
        "requests": len(samples), "measured_requests": len(browsing), "throughput_per_second": round(len(browsing) / args.duration, 1),
        "errors": len(errors), "error_examples": [f"{s.page}: {s.detail}" for s in errors[:20]], "stuck_threads": stuck,
        "all_pages": _percentiles(sorted(s.ms for s in browsing if s.ok)), "pages": pages,
    }


def _percentiles(times: list[float]) -> dict:
    if not times:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}

    def q(p: float) -> float:  # nearest rank
        return round(times[min(len(times), max(1, math.ceil(p * len(times)))) - 1], 1)

    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": q(0.95), "p99_ms": q(0.99), "max_ms": round(times[-1], 1)}


def _markdown(result: dict) -> str:
    if "pages" not in result:
        return "(no results)"
    lines = [f"{result['people']} browsing for {result['measured_seconds']:.0f} s after signing in ({result['sign_in_seconds']} s); "
             f"{result['measured_requests']} requests measured ({result['throughput_per_second']}/s), {result['errors']} errors; "
             f"load average {result['load_average_before'][0]:.2f} before, {result['load_average_after'][0]:.2f} after",
             "", "| page | requests | errors | p50 ms | p95 ms | p99 ms | max ms |", "|---|---|---|---|---|---|---|"]
    for label, row in sorted(result["pages"].items(), key=lambda item: -(item[1]["p95_ms"] or 0)):
        lines.append(f"| {label} | {row['count']} | {row['errors']} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | {row['max_ms']} |")
    a = result["all_pages"]
    lines.append(f"| **all pages** (sign-ins apart) | {result['measured_requests']} | {result['errors']} | {a['p50_ms']} | {a['p95_ms']} | {a['p99_ms']} | {a['max_ms']} |")
    lines.append(f"\nCPU seconds during the run: {result['process_cpu_seconds']}, PostgreSQL {result['postgres_cpu_seconds']}, this client {result['client_cpu_seconds']}; "
                 f"dry-run rounds by the workers: {result.get('rounds_computed_by_workers')}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
