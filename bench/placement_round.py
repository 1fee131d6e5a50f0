"""Benchmark: a placement round of a national call in PostgreSQL, and the applicant's result page (issue 5).

Generates a call with N options (each an internship offer of its own host enterprise), N applicants who each
rank 20 options (skewed popularity), language certificates, call- and option-level eligibility rules and
reserved inclusion seats; then times `round_execute` (load and build the instance, solve, persist outcomes,
cutoffs and explanations) and the applicant's result page (GET /en/mobility/calls/<pk>/, Django's test
client in-process: the whole request/response cycle without a network).

    uv run python bench/placement_round.py [--database-url postgres://postgres@127.0.0.1:5432/ortaq_bench_rounds]
        [--applicants 200000] [--options 20000] [--choices 20] [--verify]

`--verify` also runs the reference round of tests/mobility/round_oracle.py (`build_instance` over ORM objects,
`load_instance`, `solve`), checks that the round built the same engine instance and stored the same outcomes,
explanations, cutoffs and stats, then declines some nominations and checks a second round the same way. It is
slow: use it with small sizes. (tests/mobility/test_round_oracle.py checks the same on generated calls.)

The database named in the URL is dropped and recreated (PostgreSQL: it must not be a production database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from figures import Figures, add_arguments  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/ortaq_bench_rounds")
    parser.add_argument("--applicants", type=int, default=200_000)
    parser.add_argument("--options", type=int, default=20_000)
    parser.add_argument("--choices", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--ineligible", type=float, default=0.02,
                        help="share of applicants who became ineligible after submitting (grade, year or a withdrawn certificate)")
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="keep the data of the previous run (its rounds are deleted)")
    add_arguments(parser)
    args = parser.parse_args()
    if args.quick:  # small enough for the reference path: --verify is part of the smoke test
        args.applicants, args.options, args.requests, args.verify = 3_000, 300, 5, True
    fig = Figures("placement_round", quick=args.quick)
    size = f"{args.applicants:,} applications x {args.choices} choices, {args.options:,} options"

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("ORTAQ_DATA_DIR", "/tmp/ortaq-bench")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)  # settings refuse to start without one
    os.environ["DJANGO_SETTINGS_MODULE"] = "ortaq.settings"
    if not args.reuse:
        _recreate_database(args.database_url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS.append("testserver")
    call_command("migrate", verbosity=0)
    print(f"machine: {platform.machine()}, nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} at start, "
          f"Python {platform.python_version()}")
    started = time.perf_counter()
    if args.reuse:
        from ortaq.mobility.models import Call

        call = Call.objects.get(title="National internships 2027")
        call.rounds.all().delete()
        Call.objects.filter(pk=call.pk).update(state="closed")
        print(f"reusing {call.applications.count()} applications, {call.options.count()} options")
    else:
        call = _populate(args.applicants, args.options, args.choices, args.ineligible)
        print(f"populated {args.applicants} applications x {args.choices} choices, {args.options} options "
          f"in {time.perf_counter() - started:.1f} s (not timed below)")

    from ortaq.mobility import round_services
    from ortaq.mobility.models import PlacementRound

    placement_round = PlacementRound.objects.create(call=call, number=1)
    timings: dict[str, float] = {}
    load_before = os.getloadavg()[0]
    backend = _backend_pid()
    cpu, server_cpu = time.process_time(), _cpu_of(backend)
    round_services.round_execute(round_id=placement_round.pk, timings=timings)
    cpu, server_cpu = time.process_time() - cpu, _cpu_of(backend) - server_cpu
    placement_round.refresh_from_db()
    print(f"\nround_execute, load average {load_before:.2f} before:")
    for phase in ("load", "solve", "persist", "total"):
        print(f"  {phase:8s} {timings[phase]:6.2f} s")
    print(f"  CPU: this process {cpu:.2f} s, its PostgreSQL backend {server_cpu:.2f} s; stats {placement_round.stats}")
    fig.table("round", ["measure"], ["value"])
    fig.add("load average before the round", load_before, "", table="round", size=size, digits=2)
    for phase, label in (("load", "load + build"), ("solve", "solve"), ("persist", "persist (COPY + ANALYZE + commit)")):
        fig.add(f"round: {label}", timings[phase], "s", table="round", size=size, digits=2)
    fig.add("round total", timings["total"], "s", table="round", size=size, digits=2, goal=None if args.quick else {"op": "<=", "value": 30})
    fig.add("round CPU: Python", cpu, "s", table="round", size=size, digits=1)
    fig.add("round CPU: PostgreSQL backend", server_cpu, "s", table="round", size=size, digits=1)
    fig.check("the round placed applicants", placement_round.state != "failed" and (placement_round.stats or {}).get("placed", 0) > 0,
              f"state {placement_round.state}, placed {(placement_round.stats or {}).get('placed')}")
    if args.verify:
        try:
            _verify(call, placement_round)
            fig.check("--verify: same instance, outcomes, explanations, cutoffs and stats as the reference, in two rounds", True)
        except AssertionError as error:
            fig.check("--verify: same instance, outcomes, explanations, cutoffs and stats as the reference, in two rounds", False, str(error))
    _measure_page(call, placement_round, args.requests, fig, size, quick=args.quick)
    fig.finish(args.json)


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a local process (the PostgreSQL backend serving this connection)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _copy(table: str, columns: str, lines) -> None:
    from django.db import connection

    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for k, line in enumerate(lines, 1):
            buffer.write(line)
            if k % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def _populate(n: int, m: int, k: int, ineligible: float):
    from django.db import connection, transaction
    from django.utils import timezone

    from ortaq.accounts.models import LanguageCertificate, Membership, User
    from ortaq.institutions.models import Institution
    from ortaq.mobility.models import Application, Call, CallOption, Choice, InternshipOffer

    rng = np.random.default_rng(20261129)
    now = timezone.now()
    with transaction.atomic():
        college = Institution.objects.create(kind="college", name_original="Колледж", name_latin="Kolledzh", name_en="Sending College", country="KZ")
        hosts = Institution.objects.bulk_create(
            [Institution(kind="enterprise", name_original=f"企业 {i}", name_latin=f"Qiye {i}", name_en=f"Enterprise {i}", country="CN")
             for i in range(max(1, m // 10))], batch_size=5000)
        host_ids = [h.pk for h in hosts]
        english = rng.random(m) < 0.10  # a tenth of the offers need English B1
        offers = InternshipOffer.objects.bulk_create(
            [InternshipOffer(host_id=host_ids[j % len(host_ids)], title=f"Internship {j}", tasks="Commissioning", city="Tianjin",
                             start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 5, 31), places=10, isced_code="0714",
                             language="en" if english[j] else "", language_framework="cefr" if english[j] else "",
                             language_min_level="B1" if english[j] else "", state="published") for j in range(m)], batch_size=5000)
        call = Call.objects.create(owner=college, title="National internships 2027", mobility_type="student_internship", academic_year=2027,
                                   deadline=now - dt.timedelta(days=1), max_choices=k, min_year_of_study=2, min_grade=50, language="zh",
                                   ranking_rule="points", lottery_seed=20270901, state="closed")
        capacity = np.maximum(1, rng.poisson(0.9 * n / max(m, 1), m))
        reserve = (rng.random(m) < 0.10).astype(int)
        CallOption.objects.bulk_create(
            [CallOption(call=call, offer=offer, host_id=offer.host_id, places=int(capacity[j]), reserved_inclusion=int(reserve[j]))
             for j, offer in enumerate(offers)], batch_size=5000)
        option_ids = list(call.options.order_by("id").values_list("id", flat=True))

        User.objects.bulk_create(
            [User(username=f"student{i}", password="!", full_name=f"Студент {i}",
                  accessibility_consent_at=now if i % 10 == 0 else None) for i in range(n)], batch_size=10_000)
        user_ids = list(User.objects.filter(username__startswith="student").order_by("id").values_list("id", flat=True))
        Membership.objects.bulk_create([Membership(user_id=u, institution=college, role="student") for u in user_ids], batch_size=10_000)
        # Submitting checks eligibility, so applicants are eligible when they submit; a share `ineligible` became
        # ineligible afterwards: half by a grade or year corrected below the call's minimum, half by withdrawing
        # the English certificate that options needing English B1 require.
        late = rng.random(n) < ineligible
        call_level = late & (rng.random(n) < 0.5)
        english_b1 = np.array([i % 10 >= 7 or i % 13 == 0 for i in range(n)]) & (np.arange(n) % 4 > 0)  # B1, B2 or C1
        certificates = []
        for i, u in enumerate(user_ids):
            if i % 10 < 6:
                certificates.append(LanguageCertificate(user_id=u, language="zh", framework="hsk", level=str(1 + i % 6)))
            if (i % 10 >= 7 or i % 13 == 0) and not (late[i] and not call_level[i]):
                certificates.append(LanguageCertificate(user_id=u, language="en", framework="cefr", level=["A2", "B1", "B2", "C1"][i % 4]))
        LanguageCertificate.objects.bulk_create(certificates, batch_size=10_000)
        grades = np.round(rng.uniform(50, 100, n), 2)
        years = rng.choice([2, 3, 4], size=n, p=[0.4, 0.35, 0.25])
        low = call_level & (rng.random(n) < 0.5)
        grades[low] = np.round(rng.uniform(35, 49.99, int(low.sum())), 2)
        years[call_level & ~low] = 1
        motivation = rng.integers(0, 101, n)
        interview = rng.integers(0, 101, n)
        table = Application._meta.db_table
        _copy(table, "call_id, applicant_id, year_of_study, grade, motivation, share_accessibility_needs, state, submitted_at, receipt, "
                     "motivation_score, interview_score, updated_at",
              (f"{call.pk}\t{u}\t{years[i]}\t{grades[i]:.2f}\tMotivation\t{'t' if i % 10 == 0 else 'f'}\tsubmitted\t{now.isoformat()}\t"
               f"R-{i}\t{motivation[i]}\t{interview[i]}\t{now.isoformat()}\n" for i, u in enumerate(user_ids)))
        application_ids = list(Application.objects.filter(call=call).order_by("id").values_list("id", flat=True))

        # choices: skewed popularity, k distinct options each; options needing English only for those who had B1+
        popularity = rng.lognormal(0.0, 1.0, m)
        popularity /= popularity.sum()
        plain = np.where(english, 0.0, popularity)
        plain /= plain.sum()
        draws_any = rng.choice(m, size=(n, 3 * k), p=popularity).tolist()
        draws_plain = rng.choice(m, size=(n, 3 * k), p=plain).tolist()
        picks = []
        for i in range(n):
            prefs = list(dict.fromkeys(draws_any[i] if english_b1[i] else draws_plain[i]))[:k]
            while len(prefs) < k:
                prefs = list(dict.fromkeys(prefs + [j for j in rng.integers(0, m, size=4 * k).tolist() if english_b1[i] or not english[j]]))[:k]
            picks.append(prefs)
        _copy(Choice._meta.db_table, "application_id, option_id, rank",
              (f"{a}\t{option_ids[j]}\t{r}\n" for a, prefs in zip(application_ids, picks) for r, j in enumerate(prefs, 1)))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return Call.objects.get(pk=call.pk)


def _verify_round(call, placement_round) -> None:
    sys.path.insert(0, str(ROOT))  # the reference lives with the tests
    from ortaq.mobility.round_input import load_round_input
    from tests.mobility.round_oracle import reference_outcomes

    inst, outcomes, cutoffs, stats = reference_outcomes(call)
    fast = load_round_input(call).instance
    for name in ("applicant_ids", "placement_ids", "app_ptr", "app_pref", "entry_rank", "capacity", "pl_ptr", "pl_app", "pl_priority",
                 "uses_priorities", "member", "reserved", "categories", "lottery_seed", "tie_breaking"):
        a, b = getattr(inst, name), getattr(fast, name)
        same = np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
        assert same, f"instance field {name} differs"
    stored = {o.application_id: (o.option_id, o.explanations) for o in placement_round.outcomes.all()}
    assert stored == outcomes, "outcomes or explanations differ"
    assert placement_round.cutoffs == cutoffs, "cutoffs differ"
    assert {k: v for k, v in placement_round.stats.items() if k != "seconds"} == {k: v for k, v in stats.items() if k != "seconds"}
    ineligible = sum(1 for _, e in outcomes.values() for item in e if item["reason"] == "not_eligible")
    print(f"verified round {placement_round.number}: same instance, {len(stored)} outcomes ({ineligible} not_eligible explanations), "
          f"{len(cutoffs)} cutoffs and stats as the reference implementation")


def _verify(call, placement_round) -> None:
    from ortaq.mobility import round_services
    from ortaq.mobility.models import Nomination, PlacementRound

    _verify_round(call, placement_round)
    # decline the nominations of some placed applicants, then run a second round
    placed = list(placement_round.outcomes.filter(option__isnull=False).select_related("option").order_by("application_id")[::7][:500])
    Nomination.objects.bulk_create([Nomination(outcome=o, application_id=o.application_id, option=o.option, host_id=o.option.host_id, state="declined")
                                    for o in placed])
    second = PlacementRound.objects.create(call=call, number=2)
    round_services.round_execute(round_id=second.pk)
    second.refresh_from_db()
    _verify_round(call, second)
    PlacementRound.objects.filter(pk=second.pk).delete()


def _measure_page(call, placement_round, repeat: int, fig: Figures, size: str, *, quick: bool) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from ortaq.mobility.models import PlacementRound

    # publish without round_publish (which is not what this benchmark times): the page shows published rounds only
    PlacementRound.objects.filter(pk=placement_round.pk).update(state="published")
    type(call).objects.filter(pk=call.pk).update(state="published")
    # the applicant with the longest explanation (unplaced or placed low: the page's worst case)
    outcome = max(placement_round.outcomes.only("application_id", "explanations").order_by("id")[:5000], key=lambda o: len(o.explanations))
    applicant = outcome.application.applicant
    client = Client()
    client.force_login(applicant)
    url = f"/en/mobility/calls/{call.pk}/"
    response = client.get(url)
    fig.check("the applicant's result page shows her result", response.status_code == 200 and b'id="placement-result"' in response.content,
              f"status {response.status_code}")
    times, queries = [], set()
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        queries.add(len(ctx.captured_queries))
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(f"\napplicant result page {url} ({len(outcome.explanations)} explanations, {len(response.content) // 1024} KiB): "
          f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms over {repeat} requests; "
          f"queries {'/'.join(map(str, sorted(queries)))}")
    fig.table("page", ["measure"], ["value"])
    fig.add("applicant result page p50", statistics.median(times), "ms", table="page", size=size, digits=1)
    fig.add("applicant result page p95", p95, "ms", table="page", size=size, digits=1, goal=None if quick else {"op": "<=", "value": 100})
    fig.add("applicant result page max", times[-1], "ms", table="page", size=size, digits=1)
    fig.add("applicant result page queries", max(queries), "", table="page", size=size)


if __name__ == "__main__":
    main()
