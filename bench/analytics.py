"""Benchmark: analytics dashboards over 1,000,000 applications and 200,000 people in PostgreSQL.

Generates a network of colleges and hosts (KZ and CN), agreements with one cooperation condition each, one
call per sending institution, year and mobility type, 1,000,000 submitted applications (first choice only),
a published placement round per call placing 60 %, nominations, signed learning agreements and verified
logbook weeks, and credentials; loads it with PostgreSQL COPY; rebuilds the aggregates (timed); then times
each dashboard in-process (Django's test client: the whole request/response cycle without a network) with
filter combinations, for a ministry analyst, a college coordinator and an anonymous visitor.

    uv run python bench/analytics.py [--database-url postgres://postgres@127.0.0.1:5432/ortaq_bench_analytics]
                                     [--applications 1000000] [--people 200000] [--repeat 15]

The database named in the URL is dropped and recreated (PostgreSQL: it must not be a production database).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import Figures, add_arguments  # noqa: E402

YEARS = [2022, 2023, 2024, 2025, 2026]
TYPES = ["student_internship", "student_study", "teacher_internship", "staff_training"]
KZ_REGIONS = ["Almaty", "Astana", "Shymkent", "Karaganda", "Aktobe", "Atyrau", "Pavlodar", "Kostanay", "Zhambyl region", "Turkistan region",
              "East Kazakhstan", "West Kazakhstan", "North Kazakhstan", "Mangystau", "Kyzylorda", "Akmola region", "Abai region"]
CN_REGIONS = ["Tianjin", "Xinjiang", "Shaanxi", "Beijing", "Shanghai", "Jiangsu", "Zhejiang", "Guangdong", "Sichuan", "Gansu",
              "Henan", "Hubei", "Hunan", "Shandong", "Liaoning", "Jilin", "Heilongjiang", "Yunnan", "Fujian", "Anhui"]
FIELDS = ["0711", "0712", "0713", "0714", "0715", "0716", "0721", "0731", "0732", "0811", "0841", "1013", "1015", "1041", "0413", "0612"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/ortaq_bench_analytics")
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--institutions", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="keep the database a previous run populated")
    add_arguments(parser)
    args = parser.parse_args()
    if args.quick:  # a fiftieth of the data: the generator, the refresh and every dashboard still run
        args.applications, args.people, args.institutions, args.repeat = 20_000, 4_000, 200, 3
    fig = Figures("analytics", quick=args.quick)

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("ORTAQ_DATA_DIR", "/tmp/ortaq-bench")
    os.environ["DJANGO_SETTINGS_MODULE"] = "ortaq.settings"
    if not args.reuse:
        _recreate_database(args.database_url)

    import django

    from ortaq.platform_cli import data_dir_prepare

    data_dir_prepare()  # the secret key, as `ortaq` makes it: importing settings writes nothing
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS.append("testserver")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0].split(" on ")[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {pg_version}")
    started = time.perf_counter()
    if args.reuse:
        users = _existing_users()
    else:
        users, counts = _populate(args)
        print(f"populated {counts} in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have done in a live database

    from ortaq.analytics.models import MobilityFact, PlacesFact
    from ortaq.analytics.services import aggregates_refresh

    refresh = aggregates_refresh()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    facts, places = MobilityFact.objects.count(), PlacesFact.objects.count()
    print(f"aggregates refreshed in {refresh.seconds:.1f} s: {facts} mobility facts, {places} places facts")
    size = f"{args.applications:,} applications, {args.people:,} people, {args.institutions:,} institutions"
    fig.add("aggregate refresh (aggregates_refresh)", refresh.seconds, "s", size=size, digits=1)
    fig.add("mobility facts", facts, "", size=size)
    fig.add("places facts", places, "", size=size)
    fig.check("the refresh built facts from the applications", facts > 0 and places > 0, f"{facts} mobility, {places} places facts")
    _measure(users, args.repeat, fig, size, quick=args.quick)
    fig.finish(args.json)


def _recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _column_defaults(model, columns: list[str]) -> tuple[list[str], tuple]:
    """The model's NOT NULL columns that `columns` leaves out, with the value Django would store by default.

    COPY bypasses the ORM, so a column added later (the credential's `pdf`, say) would otherwise arrive as NULL;
    its Python-side default (or "" for a blank text or file field, `now` for auto_now) is what a save would
    write. A required column without a default stops the benchmark with its name: the generator must learn it."""
    import datetime as dt

    from django.db import connection, models
    from django.utils import timezone

    extra, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in columns or field.null or field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = timezone.now() if isinstance(field, models.DateTimeField) else dt.date.today()
        elif field.has_default():
            value = field.get_default()
        elif field.blank and isinstance(field, (models.CharField, models.TextField, models.FileField)):
            value = ""
        else:
            raise SystemExit(f"bench/analytics.py: {model.__name__}.{field.name} is required and has no default; the generator must fill it")
        if isinstance(field, models.JSONField):
            value = json.dumps(value)
        elif not isinstance(value, (str, int, float, dt.date)):
            value = field.get_db_prep_save(value, connection)
        extra.append(field.column)
        values.append(value)
    return extra, tuple(values)


def _copy(model, rows, columns: list[str]) -> int:
    """COPY rows (tuples in `columns` order, ids included) into the model's table, then move its id sequence on.
    Columns of the current model that `columns` does not name get their defaults (`_column_defaults`)."""
    from django.db import connection

    n = 0
    table = model._meta.db_table
    extra, defaults = _column_defaults(model, columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{table}" ({", ".join(columns + extra)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row + defaults if extra else row)
                n += 1
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")
    return n


def _populate(args) -> tuple[dict, dict]:
    from django.db import transaction
    from django.utils import timezone

    from ortaq.accounts.models import Membership, User
    from ortaq.agreements.models import Agreement, AgreementParty, CooperationCondition
    from ortaq.credentials.models import IssuedCredential, IssuerProfile
    from ortaq.institutions.models import Institution
    from ortaq.mobility.models import Application, Call, CallOption, Choice, LogbookEntry, MobilityAgreement, Nomination, PlacementOutcome, PlacementRound

    rng = random.Random(20261129)
    now = timezone.now()
    counts: dict[str, int] = {}
    with transaction.atomic():
        # Institutions: 40 clusters, then colleges and hosts in KZ and CN (hosts belong to a cluster).
        inst = []
        for i in range(1, args.institutions + 1):
            if i <= 40:
                country, kind, cluster = ("KZ" if i <= 20 else "CN"), "industrial_cluster", None
            else:
                country = "KZ" if i % 5 < 3 else "CN"
                kind = "college" if i % 4 else "enterprise"
                cluster = (rng.randint(1, 20) if country == "KZ" else rng.randint(21, 40)) if kind == "enterprise" or i % 3 == 0 else None
            region = rng.choice(KZ_REGIONS if country == "KZ" else CN_REGIONS)
            facilities = json.dumps(["step_free_access"] if i % 7 == 0 else [])
            inst.append((i, kind, f"Institution {i}", f"Institution {i}", "", "", "", f"Institution {i}", "", country, region, "City", "", "", "", "", "", "", "", "",
                         facilities, cluster, None, False, now, now))
        counts["institutions"] = _copy(Institution, inst, ["id", "kind", "name_original", "name_latin", "name_kk", "name_ru", "name_zh", "name_en", "short_name",
                                                             "country", "region", "city", "address", "website", "email", "phone", "kz_bin", "education_code",
                                                             "cn_uscc", "schac", "accessibility_facilities", "parent_cluster_id", "registered_by_id", "is_demo", "created_at", "updated_at"])
        colleges = [r[0] for r in inst if r[1] == "college"]
        country_of = {r[0]: r[9] for r in inst}
        hosts_by_country = {c: [r[0] for r in inst if r[1] != "industrial_cluster" and r[9] == c] for c in ("KZ", "CN")}

        # People: 200,000; 3 % recorded accessibility needs with consent.
        counts["people"] = _copy(User, (
            (i, "!", False, f"p{i}", "", "", "", False, True, now, f"Person {i}", f"Person {i}", "en", "", "", "", "Needs" if i % 33 == 0 else "",
             now if i % 33 == 0 else None)
            for i in range(1, args.people + 1)), ["id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active",
                                                  "date_joined", "full_name", "full_name_latin", "preferred_language", "iin", "passport_number", "passport_country",
                                                  "accessibility_needs", "accessibility_consent_at"])

        # Agreements: each college has 5 partners abroad; one condition per agreement (college sends).
        agreements, parties, conditions = [], [], []
        conditions_of: dict[int, list[tuple[int, int]]] = {}
        aid = 0
        for college in colleges:
            abroad = "CN" if country_of[college] == "KZ" else "KZ"
            for partner in rng.sample(hosts_by_country[abroad], 5):
                aid += 1
                agreements.append((aid, "inter_institutional", f"Agreement {aid}", "", "", 2022, 2027, "in_effect", college, 1, "", True, None, now, now))
                parties += [(2 * aid - 1, aid, college), (2 * aid, aid, partner)]
                conditions.append((aid, aid, rng.choice(TYPES), college, partner, rng.choice(FIELDS), rng.choice(["4", "5", "6"]), "", rng.randint(5, 40), 3,
                                   "months", "", "", "", 2022, 2027, "Sign-language interpreting" if aid % 9 == 0 else ""))
                conditions_of.setdefault(college, []).append((aid, partner))
        counts["agreements"] = _copy(Agreement, agreements, ["id", "kind", "title", "reference", "summary", "start_year", "end_year", "state", "initiator_id",
                                                             "version", "terminated_reason", "is_demo", "created_by_id", "created_at", "updated_at"])
        _copy(AgreementParty, parties, ["id", "agreement_id", "institution_id"])
        _copy(CooperationCondition, conditions, ["id", "agreement_id", "mobility_type", "sending_id", "receiving_id", "isced_code", "eqf_level", "nqf_level",
                                                 "places_per_year", "duration", "duration_unit", "language", "language_framework", "language_min_level",
                                                 "start_year", "end_year", "inclusion_support"])

        # Calls: one per college and year; its options are the college's conditions.
        calls, options, rounds = [], [], []
        options_of_call: dict[int, list[tuple[int, int]]] = {}
        cid = oid = 0
        for college in colleges:
            for year in YEARS:
                cid += 1
                calls.append((cid, college, f"Call {cid}", "student_internship", year, now, 3, None, None, "", "", "", "points", 50, 20, 15, 15, cid, "published", None, now))
                rounds.append((cid, cid, 1, "published", 100, "{}", "{}", "", None, now, now))
                for condition_id, partner in conditions_of[college]:
                    oid += 1
                    options.append((oid, cid, condition_id, None, partner, rng.randint(3, 30), 1 if oid % 11 == 0 else 0))
                    options_of_call.setdefault(cid, []).append((oid, partner))
        counts["calls"] = _copy(Call, calls, ["id", "owner_id", "title", "mobility_type", "academic_year", "deadline", "max_choices", "min_year_of_study", "min_grade",
                                              "language", "language_framework", "language_min_level", "ranking_rule", "weight_grade", "weight_language",
                                              "weight_motivation", "weight_interview", "lottery_seed", "state", "created_by_id", "created_at"])
        counts["call options"] = _copy(CallOption, options, ["id", "call_id", "condition_id", "offer_id", "host_id", "places", "reserved_inclusion"])
        _copy(PlacementRound, rounds, ["id", "call_id", "number", "state", "progress", "stats", "cutoffs", "error", "created_by_id", "created_at", "published_at"])

        # Applications spread over the calls; applicant k % people keeps (call, applicant) unique.
        per_call = args.applications // len(calls)
        extra = args.applications - per_call * len(calls)
        apps, choices, outcomes, nominations, agreements_m, logbook = [], [], [], [], [], []
        k = 0
        for call_id, *_ in calls:
            for _ in range(per_call + (1 if extra > 0 else 0)):
                k += 1
                option_id, host = rng.choice(options_of_call[call_id])
                apps.append((k, call_id, (k % args.people) + 1, None, None, None, "", False, "submitted", now, "", None, None, now))
                choices.append((k, k, option_id, 1))
                if k % 10 < 6:  # placed
                    outcomes.append((k, call_id, k, option_id, "[]"))
                    declined = k % 10 == 5
                    nominations.append((k, k, k, option_id, host, "declined" if declined else "accepted", "", None, None))
                    if not declined and k % 10 < 4:  # departed
                        agreements_m.append((k, k, "training", "2027-03-01", "2027-05-31", 30, 1, "signed", now))
                        if k % 2 == 0:  # completed
                            logbook.append((k, k, "2027-03-01", 30, "Work", "", "verified", 30, None, False, now, ""))
            extra -= 1
        counts["applications"] = _copy(Application, apps, ["id", "call_id", "applicant_id", "programme_id", "year_of_study", "grade", "motivation",
                                                           "share_accessibility_needs", "state", "submitted_at", "receipt", "motivation_score", "interview_score", "updated_at"])
        _copy(Choice, choices, ["id", "application_id", "option_id", "rank"])
        counts["placements"] = _copy(PlacementOutcome, outcomes, ["id", "round_id", "application_id", "option_id", "explanations"])
        _copy(Nomination, nominations, ["id", "outcome_id", "application_id", "option_id", "host_id", "state", "reason", "decided_by_id", "decided_at"])
        counts["signed agreements"] = _copy(MobilityAgreement, agreements_m, ["id", "nomination_id", "kind", "start_date", "end_date", "weekly_hours", "version", "state", "created_at"])
        _copy(LogbookEntry, logbook, ["id", "agreement_id", "week_start", "hours", "description", "evidence", "state", "verified_hours", "verified_by_id",
                                      "verified_via_link", "verified_at", "supervisor_comment"])

        # Credentials: 20,000 from 100 issuers.
        issuers = [IssuerProfile(institution_id=c, did=f"did:web:bench:{c}") for c in colleges[:100]]
        IssuerProfile.objects.bulk_create(issuers)
        issuer_ids = list(IssuerProfile.objects.values_list("id", flat=True))
        counts["credentials"] = _copy(IssuedCredential, (
            (i, f"00000000-0000-4000-8000-{i:012d}", "diploma" if i % 3 else "module", issuer_ids[i % len(issuer_ids)], (i % args.people) + 1, f"bench-{i}", "{}", "{}",
             i, i, "revoked" if i % 50 == 0 else "valid", "", "kk", "en", f"V{i:010d}", now, None, None)
            for i in range(1, 20_001)), ["id", "public_id", "kind", "issuer_id", "holder_id", "idempotency_key", "title", "document", "revocation_index",
                                         "suspension_index", "state", "state_reason", "language", "second_language", "verify_code", "issued_at", "issued_by_id", "batch_id"])

        busy = max(conditions_of, key=lambda c: len(conditions_of[c]))
        coordinator = User.objects.create_user("bench-coordinator", password="x")
        Membership.objects.create(user=coordinator, institution_id=busy, role="coordinator")
        analyst = User.objects.create_user("bench-analyst", password="x")
        Membership.objects.create(user=analyst, institution_id=1, role="ministry_analyst")
    return {"analyst": analyst, "coordinator": coordinator, "anonymous": None, "busy": busy}, counts


def _existing_users() -> dict:
    from ortaq.accounts.models import User

    coordinator = User.objects.get(username="bench-coordinator")
    return {"analyst": User.objects.get(username="bench-analyst"), "coordinator": coordinator, "anonymous": None,
            "busy": coordinator.memberships.get().institution_id}


def _measure(users: dict, repeat: int, fig: Figures, size: str, *, quick: bool) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    busy = users["busy"]
    dashboards = {
        "analyst": [
            ("no filter", ""), ("year", "year=2026"), ("year + country", "year=2025&country=CN"), ("region", "region=Almaty"),
            ("institution", f"institution={busy}"), ("field (broad)", "isced=07"), ("level + type", "level=5&mobility_type=student_internship"),
            ("every filter", "year=2026&country=KZ&region=Almaty&isced=0714&level=5&mobility_type=student_internship&stage=placed"),
            ("flows of applicants", "stage=applied"),
        ],
        "coordinator": [("own, no filter", ""), ("own, year + field", "year=2026&isced=07"), ("partners", "view=partners"),
                        ("partners, year + region", "view=partners&year=2026&region=Tianjin")],
        "anonymous": [("open data, no filter", ""), ("open data, year + country + type", "year=2026&country=CN&mobility_type=staff_training")],
    }
    api = [("API open dataset flows_country", "/api/v1/analytics/datasets/flows_country?year=2026"),
           ("API open dataset funnel", "/api/v1/analytics/datasets/funnel")]
    print("\n| who | dashboard | queries | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|---|")
    fig.table("dashboards", ["who", "dashboard"], ["queries", "p50 ms", "p95 ms", "max ms"])
    statuses = []
    for who, scenarios in dashboards.items():
        client = Client()
        if users[who] is not None:
            client.force_login(users[who])
        items = [(label, f"/en/analytics/?{query}") for label, query in scenarios]
        if who == "anonymous":
            items += api
        for label, url in items:
            client.get(url)  # warm up
            times, queries = [], set()
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - started) * 1000)
                statuses.append((url, response.status_code))
                queries.add(len(ctx.captured_queries))
            times.sort()
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            row = [who, label]
            fig.add(f"{who}: {label}: queries", max(queries), "", table="dashboards", row=row, col="queries", size=size)
            fig.add(f"{who}: {label}: p50", statistics.median(times), "ms", table="dashboards", row=row, col="p50 ms", size=size, digits=1)
            fig.add(f"{who}: {label}: p95", p95, "ms", table="dashboards", row=row, col="p95 ms", size=size, digits=1,
                    goal=None if quick else {"op": "<=", "value": 500})
            fig.add(f"{who}: {label}: max", times[-1], "ms", table="dashboards", row=row, col="max ms", size=size, digits=1)
            print(f"| {who} | {label} | {'/'.join(map(str, sorted(queries)))} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} |")
    bad = [(url, status) for url, status in statuses if status != 200]
    fig.check("every dashboard and open dataset answered 200", not bad, f"{len(statuses)} requests" + (f"; {bad[:3]}" if bad else ""))


if __name__ == "__main__":
    main()
