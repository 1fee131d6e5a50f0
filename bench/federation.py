"""Benchmark: nominations and their agreements between two federated nodes (issue 16, "Scale").

    uv run python bench/federation.py [--count 10000] [--database-prefix postgres://postgres@127.0.0.1:5432/ortaq_bench_fed]

Two `ortaq serve` processes on loopback, each with its own PostgreSQL database (PREFIX_kz, PREFIX_cn, dropped and
recreated) and data folder, trust each other through the command line as operators do. Untimed set-up, through the
platform's services on each node: a Kazakh college on kz and a Chinese college on cn; an inter-institutional
agreement proposed on kz, sent to cn, approved there, the approval sent home, put into effect; a call of the Kazakh
college with one option at the Chinese college (`--count` places), `--count` learners with HSK certificates who
apply, a placement round run and published. Publishing writes one `nomination.sent` per nomination to kz's outbox.

Timed, each in a process of the sending node that calls the same delivery function as `ortaq federation sync`
and the worker (`outbox_deliver`):
1. kz delivers every `nomination.sent` to cn (each request signed, verified against the pinned key, handled in
   cn's inbox transaction: the remote nomination stored, its staff notified, the answer signed and checked);
2. cn's coordinator accepts every nomination (the host's decision service, which queues `nomination.decided`);
3. cn delivers every `nomination.decided` to kz, which applies each decision (the learner and the call's
   coordinator are notified).
Reported: messages per second, the per-message round trip (p50, p95, max: sign, send, verify, apply, signed
answer), the time until every message of the batch was delivered, and the CPU seconds of the sending process
and of the receiving server. Checks: cn holds exactly `--count` remote nominations, all accepted; kz's
nominations are all accepted; each inbox holds each message once.

Then their learning and training agreements, timed the same way: each learner drafts hers (one component) and signs
it and her coordinator signs it at home (untimed per message: a service rate), kz delivers the versions and the two
home signatures of each (3 messages per agreement, in order), cn's coordinator signs every copy on its node, cn
delivers the signatures home, which record them and send the signed state back, and kz delivers those. Checks: every
agreement signed by all three parties on both nodes, each message once.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from figures import Figures, add_arguments  # noqa: E402

NAMES = [("Дана", "Dana"), ("Айгерім", "Aigerim"), ("Нұрлан", "Nurlan"), ("Әсел", "Asel"), ("Ерлан", "Yerlan"), ("Жанар", "Zhanar")]
SURNAMES = [("Серікқызы", "Serikkyzy"), ("Омаров", "Omarov"), ("Жұмабаева", "Zhumabayeva"), ("Ким", "Kim")]


# --------------------------------------------------------------------------- inside one node (a child process)


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "ortaq.settings"
    import django

    django.setup()
    # Tasks (the round, e-mails, the outbox's delivery task) only wait in the database queue: no worker runs, so
    # the round is executed below in this process and delivery happens in the timed steps, nowhere else.


def _institution(name: str, latin: str, country: str, city: str):
    from ortaq.institutions.models import Institution

    return Institution.objects.create(kind="college", name_original=name, name_latin=latin, name_en=latin, country=country, city=city)


def _user(username: str, institution, role: str):
    from ortaq.accounts.models import Membership, User

    user = User.objects.create_user(username=username, password=None, full_name=username.title(), full_name_latin=username.title())
    Membership.objects.create(user=user, institution=institution, role=role)
    return user


def step_cn_init(count: int) -> dict:
    college = _institution("天津职业大学", "Tianjin Vocational University", "CN", "Tianjin")
    _user("tianjin", college, "coordinator")
    return {"college": college.pk}


def step_kz_init(count: int) -> dict:
    from ortaq.accounts.models import LanguageCertificate, Membership, User

    college = _institution("Алматы политехникалық колледжі", "Almaty Polytechnic College", "KZ", "Almaty")
    _user("almaty", college, "coordinator")
    learners = []
    for i in range(count):
        (first, first_latin), (last, last_latin) = NAMES[i % len(NAMES)], SURNAMES[i // len(NAMES) % len(SURNAMES)]
        learners.append(User(username=f"learner{i:05d}", full_name=f"{first} {last}", full_name_latin=f"{first_latin} {last_latin}",
                             password="!", preferred_language="kk"))
    User.objects.bulk_create(learners, batch_size=2000)
    learners = list(User.objects.filter(username__startswith="learner").order_by("username"))
    Membership.objects.bulk_create([Membership(user=u, institution=college, role="student") for u in learners], batch_size=2000)
    LanguageCertificate.objects.bulk_create([LanguageCertificate(user=u, language="zh", framework="hsk", level="4") for u in learners], batch_size=2000)
    return {"college": college.pk, "learners": len(learners)}


def _agreement():
    from ortaq.agreements.models import Agreement

    return Agreement.objects.get()


def step_kz_agreement(count: int) -> dict:
    from ortaq.agreements import services
    from ortaq.agreements.types import AgreementTerms, ConditionTerms
    from ortaq.institutions.models import Institution

    college, partner = Institution.objects.get(node__isnull=True), Institution.objects.get(node__isnull=False, country="CN")
    coordinator = college.memberships.get(role="coordinator").user
    agreement = services.agreement_create(actor=coordinator, initiator=college, parties=[college, partner], terms=AgreementTerms(
        kind="inter_institutional", title="Almaty–Tianjin internships", reference="", summary="", start_year=2025, end_year=2028))
    services.condition_add(actor=coordinator, agreement=agreement, terms=ConditionTerms(
        mobility_type="student_internship", sending_id=college.pk, receiving_id=partner.pk, isced_code="0714", eqf_level="5", nqf_level="5",
        places_per_year=count, duration=3, duration_unit="months", language="zh", language_framework="hsk", language_min_level="3",
        start_year=2025, end_year=2027, inclusion_support=""))
    services.agreement_propose(actor=coordinator, agreement=agreement)
    services.agreement_approve(actor=coordinator, agreement=_agreement(), institution=college)
    return {"agreement": agreement.pk}


def step_cn_approve(count: int) -> dict:
    from ortaq.agreements import services
    from ortaq.institutions.models import Institution

    college = Institution.objects.get(node__isnull=True)
    services.agreement_approve(actor=college.memberships.get(role="coordinator").user, agreement=_agreement(), institution=college)
    return {"state": _agreement().state}


def step_kz_publish(count: int) -> dict:
    import datetime as dt

    from django.utils import timezone

    from ortaq.accounts.models import User
    from ortaq.agreements import services as agreement_services
    from ortaq.federation.models import OutboxMessage
    from ortaq.institutions.models import Institution
    from ortaq.mobility import round_services
    from ortaq.mobility import services as mobility_services
    from ortaq.mobility.forms import ApplicationForm, CallForm
    from ortaq.mobility.models import Call

    college = Institution.objects.get(node__isnull=True)
    coordinator = college.memberships.get(role="coordinator").user
    agreement = _agreement()
    if agreement.state != "in_effect":
        agreement_services.agreement_put_into_effect(actor=coordinator, agreement=agreement)
    form = CallForm(data={"title": "Стажировки в Тяньцзине 2026", "written_in": "ru", "mobility_type": "student_internship", "academic_year": 2026,
                          "deadline": (timezone.now() + dt.timedelta(days=10)).strftime("%Y-%m-%d %H:%M"), "max_choices": 1,
                          "ranking_rule": "points", "weight_grade": 60, "weight_language": 20, "weight_motivation": 10, "weight_interview": 10,
                          "acceptance_days": 14})
    assert form.is_valid(), form.errors
    call = mobility_services.call_create(actor=coordinator, owner=college, call=form.to_input())
    option = mobility_services.call_option_add(actor=coordinator, call=call, condition=_agreement().conditions.get(), places=count)
    mobility_services.call_open(actor=coordinator, call=call)
    call.refresh_from_db()
    application = ApplicationForm(data={"year_of_study": 2, "grade": "80", "motivation": "Mechatronics"})
    assert application.is_valid(), application.errors
    started = time.perf_counter()
    for learner in User.objects.filter(username__startswith="learner").order_by("username"):
        mobility_services.application_save(actor=learner, call=call, submit=True, option_ids=[option.pk], application=application.to_input())
    applied = time.perf_counter() - started
    Call.objects.filter(pk=call.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    call.refresh_from_db()
    placement_round = round_services.round_request(actor=coordinator, call=call)
    placement_round = round_services.round_execute(round_id=placement_round.pk)  # what the worker would run
    round_services.round_publish(actor=coordinator, placement_round=placement_round)
    waiting = OutboxMessage.objects.filter(kind="nomination.sent", state="pending").count()
    return {"applications_seconds": round(applied, 1), "round_state": placement_round.state, "nomination_sent_waiting": waiting}


def _deliver(kind: str) -> dict:
    """Deliver every pending message of `kind` (and anything queued before it) as `sync` does, timing each request."""
    import resource

    from ortaq.federation import services, transport
    from ortaq.federation.models import OutboxMessage, Peer

    peer = Peer.objects.get()
    durations: list[float] = []
    post = transport.post_signed

    def timed(url, body):
        start = time.perf_counter()
        try:
            return post(url, body)
        finally:
            durations.append(time.perf_counter() - start)

    services.transport.post_signed = timed  # the delivery function calls transport.post_signed through the module
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    report = services.outbox_deliver(peer=peer, force=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"kind": kind, "delivered": report.delivered, "rejected": report.rejected, "waiting": report.waiting, "wall_seconds": wall,
            "sender_cpu_seconds": cpu, "durations": durations,
            "of_kind": OutboxMessage.objects.filter(kind=kind, state="delivered").count()}


def step_kz_deliver(count: int) -> dict:
    return _deliver("nomination.sent")


def step_cn_deliver(count: int) -> dict:
    return _deliver("nomination.decided")


def step_cn_decide(count: int) -> dict:
    from ortaq.institutions.models import Institution
    from ortaq.mobility import remote_services
    from ortaq.mobility.models import RemoteNomination

    coordinator = Institution.objects.get(node__isnull=True).memberships.get(role="coordinator").user
    started = time.perf_counter()
    decided = 0
    for row in RemoteNomination.objects.filter(state="pending").order_by("id"):
        remote_services.remote_nomination_decide(actor=coordinator, nomination=row, accept=True)
        decided += 1
    return {"decided": decided, "seconds": time.perf_counter() - started}


def step_kz_agreements(count: int) -> dict:
    """Each learner drafts her training agreement (one component) and signs it, and her coordinator signs it: one
    `mobility_agreement.proposed` and two `mobility_agreement.state` per agreement wait for cn."""
    import datetime as dt

    from django.db.models import Count

    from ortaq.federation.models import OutboxMessage
    from ortaq.institutions.models import Institution
    from ortaq.mobility import during
    from ortaq.mobility.models import Nomination

    coordinator = Institution.objects.get(node__isnull=True).memberships.get(role="coordinator").user
    start = dt.date(2026, 9, 7)
    started = time.perf_counter()
    made = 0
    for nomination in Nomination.objects.filter(state="accepted").select_related("application__applicant").order_by("id"):
        learner = nomination.application.applicant
        agreement = during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=start, end_date=start + dt.timedelta(days=90),
                                                     components=[{"code": "M7", "title": "PLC commissioning", "credits": "5", "hours": "120",
                                                                  "recognition": "Module 7", "outcomes": []}])
        during.mobility_agreement_sign(actor=learner, agreement=agreement, party="learner")
        during.mobility_agreement_sign(actor=coordinator, agreement=agreement, party="sending")
        made += 1
    waiting = dict(OutboxMessage.objects.filter(state="pending").values_list("kind").annotate(n=Count("id")))
    return {"agreements": made, "seconds": time.perf_counter() - started, "waiting": waiting}


def step_kz_deliver_agreements(count: int) -> dict:
    return _deliver("mobility_agreement.proposed")


def step_cn_sign(count: int) -> dict:
    from ortaq.institutions.models import Institution
    from ortaq.mobility import remote_agreement_services
    from ortaq.mobility.models import RemoteMobilityAgreement

    coordinator = Institution.objects.get(node__isnull=True).memberships.get(role="coordinator").user
    started = time.perf_counter()
    signed = 0
    for row in RemoteMobilityAgreement.objects.select_related("nomination__host").order_by("id"):
        remote_agreement_services.remote_agreement_sign(actor=coordinator, agreement=row, expected_version=row.version)
        signed += 1
    return {"signed": signed, "seconds": time.perf_counter() - started}


def step_cn_deliver_signatures(count: int) -> dict:
    return _deliver("mobility_agreement.signed")


def step_kz_deliver_states(count: int) -> dict:
    return _deliver("mobility_agreement.state")


def step_count(count: int) -> dict:
    from django.db.models import Count

    from ortaq.federation.models import InboxMessage
    from ortaq.mobility.models import MobilityAgreement, Nomination, RemoteMobilityAgreement, RemoteNomination

    duplicates = InboxMessage.objects.values("message_id").annotate(n=Count("id")).filter(n__gt=1).count()
    return {"remote": dict(RemoteNomination.objects.values_list("state").annotate(n=Count("id"))),
            "nominations": dict(Nomination.objects.values_list("state").annotate(n=Count("id"))),
            "agreements": dict(MobilityAgreement.objects.values_list("state").annotate(n=Count("id"))),
            "remote_agreements": dict(RemoteMobilityAgreement.objects.values_list("state").annotate(n=Count("id"))),
            "inbox": dict(InboxMessage.objects.values_list("kind").annotate(n=Count("id"))), "duplicate_inbox_ids": duplicates}


STEPS = {"cn-init": step_cn_init, "kz-init": step_kz_init, "kz-agreement": step_kz_agreement, "cn-approve": step_cn_approve,
         "kz-publish": step_kz_publish, "kz-deliver": step_kz_deliver, "cn-decide": step_cn_decide, "cn-deliver": step_cn_deliver,
         "kz-agreements": step_kz_agreements, "kz-deliver-agreements": step_kz_deliver_agreements, "cn-sign": step_cn_sign,
         "cn-deliver-signatures": step_cn_deliver_signatures, "kz-deliver-states": step_kz_deliver_states, "count": step_count}


# --------------------------------------------------------------------------- the orchestrator


class Node:
    def __init__(self, root: Path, name: str, country: str, port: int, database_url: str) -> None:
        self.name, self.port, self.url = name, port, f"http://127.0.0.1:{port}"
        self.database_url = database_url
        self.log = root / f"{name}.log"
        self.env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "SECRET_KEY_FILE"}}
        self.env |= {"DATABASE_URL": database_url, "ORTAQ_DATA_DIR": str(root / name), "SITE_ROOT": self.url, "ORTAQ_NODE_NAME": f"bench {name}",
                     "ORTAQ_NODE_COUNTRY": country, "ORTAQ_INSECURE_HTTP": "1", "ORTAQ_WARMUP": "0",
                     "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
        self.server: subprocess.Popen | None = None

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "ortaq.cli", *args], env=self.env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"{self.name}: ortaq {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def step(self, name: str, count: int) -> dict:
        done = subprocess.run([sys.executable, __file__, "--node-step", name, "--count", str(count)], env=self.env,
                              capture_output=True, text=True, timeout=7200)
        if done.returncode != 0:
            raise SystemExit(f"{self.name}: step {name} failed:\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self) -> None:
        with open(self.log, "w") as log:
            self.server = subprocess.Popen([sys.executable, "-m", "ortaq.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-worker"],
                                           env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            assert self.server.poll() is None, self.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{self.url}/.well-known/ortaq-node.json", timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"{self.name} did not start:\n{self.log.read_text()[-3000:]}")

    def server_cpu_seconds(self) -> float:
        """User + system CPU of the server process (and its children, none here), from /proc."""
        assert self.server is not None
        fields = Path(f"/proc/{self.server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()


def _recreate(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database-prefix", default="postgres://postgres@127.0.0.1:5432/ortaq_bench_fed")
    parser.add_argument("--database-url", default=None, help="bench/run.py's name for the prefix (PREFIX_kz, PREFIX_cn)")
    parser.add_argument("--node-step", choices=sorted(STEPS), default=None, help=argparse.SUPPRESS)
    add_arguments(parser)
    args = parser.parse_args()
    if args.node_step:
        _setup_django()
        print(json.dumps(STEPS[args.node_step](args.count), default=str))
        return
    if args.quick:
        args.count = 50
    prefix = args.database_url or args.database_prefix
    fig = Figures("federation", quick=args.quick)
    root = Path(tempfile.mkdtemp(prefix="ortaq-bench-federation-"))
    kz = Node(root, "kz", "KZ", _free_port(), f"{prefix}_kz")
    cn = Node(root, "cn", "CN", _free_port(), f"{prefix}_cn")
    try:
        started = time.perf_counter()
        for node in (kz, cn):
            _recreate(node.database_url)
            node.cli("manage", "migrate", "--verbosity", "0")
        print(json.dumps({"cn-init": cn.step("cn-init", args.count), "kz-init": kz.step("kz-init", args.count)}), file=sys.stderr)
        kz.start()
        cn.start()
        kz.cli("federation", "peer", "add", cn.url)
        cn.cli("federation", "peer", "add", kz.url)
        print(json.dumps({"kz-agreement": kz.step("kz-agreement", args.count)}), file=sys.stderr)
        kz.cli("federation", "sync")
        print(json.dumps({"cn-approve": cn.step("cn-approve", args.count)}), file=sys.stderr)
        cn.cli("federation", "sync")
        published = kz.step("kz-publish", args.count)
        print(json.dumps({"kz-publish": published, "setup_seconds": round(time.perf_counter() - started, 1)}), file=sys.stderr)

        cpu_before = cn.server_cpu_seconds()
        sent = kz.step("kz-deliver", args.count)
        sent["receiver_cpu_seconds"] = cn.server_cpu_seconds() - cpu_before
        decided = cn.step("cn-decide", args.count)
        cpu_before = kz.server_cpu_seconds()
        back = cn.step("cn-deliver", args.count)
        back["receiver_cpu_seconds"] = kz.server_cpu_seconds() - cpu_before
        # Their learning and training agreements: drafted and signed at home, sent, signed by the host on its node,
        # the signatures home, the signed state back.
        drafted = kz.step("kz-agreements", args.count)
        print(json.dumps({"kz-agreements": drafted}), file=sys.stderr)
        cpu_before = cn.server_cpu_seconds()
        proposed = kz.step("kz-deliver-agreements", args.count)
        proposed["receiver_cpu_seconds"] = cn.server_cpu_seconds() - cpu_before
        host_signed = cn.step("cn-sign", args.count)
        cpu_before = kz.server_cpu_seconds()
        signatures = cn.step("cn-deliver-signatures", args.count)
        signatures["receiver_cpu_seconds"] = kz.server_cpu_seconds() - cpu_before
        cpu_before = cn.server_cpu_seconds()
        states = kz.step("kz-deliver-states", args.count)
        states["receiver_cpu_seconds"] = cn.server_cpu_seconds() - cpu_before
        at_cn, at_kz = cn.step("count", args.count), kz.step("count", args.count)
    finally:
        kz.stop()
        cn.stop()
    n = args.count
    size = f"{n:,} nominations, two nodes on loopback, PostgreSQL each"
    fig.table("delivery", ["direction"], ["messages/s", "p50 per message", "p95 per message", "max", "all delivered after",
                                           "sender CPU per message", "receiver CPU per message"])
    for label, run in (("kz → cn: nomination.sent", sent), ("cn → kz: nomination.decided", back),
                       ("kz → cn: agreement versions and home signatures (mobility_agreement.proposed, .state ×2)", proposed),
                       ("cn → kz: the host's signatures (mobility_agreement.signed)", signatures),
                       ("kz → cn: the signed state (mobility_agreement.state)", states)):
        d = [x * 1000 for x in run["durations"]]
        row = [label]
        fig.add("rate", run["delivered"] / run["wall_seconds"], "/s", table="delivery", row=row, col="messages/s", size=size, digits=0)
        fig.add("p50", statistics.median(d), "ms", table="delivery", row=row, col="p50 per message", size=size, digits=1)
        fig.add("p95", _percentile(d, 0.95), "ms", table="delivery", row=row, col="p95 per message", size=size, digits=1)
        fig.add("max", max(d), "ms", table="delivery", row=row, col="max", size=size, digits=0)
        fig.add("all delivered", run["wall_seconds"], "s", table="delivery", row=row, col="all delivered after", size=size, digits=1)
        fig.add("sender CPU", run["sender_cpu_seconds"] * 1000 / max(run["delivered"], 1), "ms", table="delivery", row=row,
                col="sender CPU per message", size=size, digits=1)
        fig.add("receiver CPU", run["receiver_cpu_seconds"] * 1000 / max(run["delivered"], 1), "ms", table="delivery", row=row,
                col="receiver CPU per message", size=size, digits=1)
    fig.table("decisions", ["measure"], ["value"])
    fig.add("host accepts every nomination (decision service, queues nomination.decided)", decided["decided"] / decided["seconds"], "/s",
            table="decisions", size=size, digits=0)
    fig.add("learner drafts and signs, her coordinator signs (three messages queued per agreement)", drafted["agreements"] / drafted["seconds"], "/s",
            table="decisions", size=size, digits=0)
    fig.add("host signs every agreement on its node (queues mobility_agreement.signed)", host_signed["signed"] / host_signed["seconds"], "/s",
            table="decisions", size=size, digits=0)
    print(json.dumps({"sent": {k: v for k, v in sent.items() if k != "durations"}, "decided": decided,
                      "back": {k: v for k, v in back.items() if k != "durations"}, "cn": at_cn, "kz": at_kz, "publish": published}, indent=1))
    fig.check("kz published one nomination.sent per learner", published["nomination_sent_waiting"] == n, str(published))
    fig.check("every nomination.sent delivered, none rejected or waiting", sent["of_kind"] == n and sent["rejected"] == 0 and sent["waiting"] == 0, str(sent["of_kind"]))
    fig.check("cn holds every nomination once, all accepted", at_cn["remote"] == {"accepted": n}, str(at_cn["remote"]))
    fig.check("every decision delivered and applied at home", back["of_kind"] == n and at_kz["nominations"] == {"accepted": n}, str(at_kz["nominations"]))
    fig.check("every agreement version and home signature delivered (3 per agreement)", proposed["delivered"] == 3 * n and proposed["rejected"] == 0
              and proposed["waiting"] == 0, str({k: v for k, v in proposed.items() if k != "durations"}))
    fig.check("every host signature delivered, and every signed state back", signatures["delivered"] == n and states["delivered"] == n
              and signatures["rejected"] == states["rejected"] == 0, f"{signatures['delivered']}, {states['delivered']}")
    fig.check("all agreements signed by the three parties on both nodes", at_kz["agreements"] == {"signed": n} and at_cn["remote_agreements"] == {"signed": n},
              f"kz {at_kz['agreements']}, cn {at_cn['remote_agreements']}")
    fig.check("each inbox holds each message once", at_cn["duplicate_inbox_ids"] == 0 and at_kz["duplicate_inbox_ids"] == 0
              and at_cn["inbox"].get("nomination.sent") == n and at_kz["inbox"].get("nomination.decided") == n,
              f"cn {at_cn['inbox']}, kz {at_kz['inbox']}")
    shutil.rmtree(root, ignore_errors=True)
    fig.finish(args.json)


if __name__ == "__main__":
    main()
