"""Benchmark: registry list pages and API lists with 10,000 institutions and 50,000 agreements in PostgreSQL.

Measures server time in-process (Django's test client: the whole request/response cycle without a network)
and the number of SQL queries per request, for a coordinator, a ministry analyst and an admin.

    uv run python bench/registry.py [--database-url postgres://postgres@127.0.0.1:5432/ortaq_bench] [--repeat 60]

The database named in the URL is dropped and recreated (PostgreSQL: it must not be a production database).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import Figures, add_arguments  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/ortaq_bench")
    parser.add_argument("--institutions", type=int, default=10_000)
    parser.add_argument("--agreements", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=60)
    add_arguments(parser)
    args = parser.parse_args()
    if args.quick:
        args.institutions, args.agreements, args.repeat = 1_000, 5_000, 5
    fig = Figures("registry", quick=args.quick)

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("ORTAQ_DATA_DIR", "/tmp/ortaq-bench")
    os.environ["DJANGO_SETTINGS_MODULE"] = "ortaq.settings"
    _recreate_database(args.database_url)

    import django

    from ortaq.platform_cli import data_dir_prepare

    data_dir_prepare()  # the secret key, as `ortaq` makes it: importing settings writes nothing
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS.append("testserver")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    users = _populate(args.institutions, args.agreements)
    print(f"populated {args.institutions} institutions, {args.agreements} agreements in {time.perf_counter() - started:.1f} s")
    _measure(users, args.repeat, fig, f"{args.institutions:,} institutions, {args.agreements:,} agreements", quick=args.quick)
    fig.finish(args.json)


def _recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _populate(n_institutions: int, n_agreements: int) -> dict:
    from django.db import connection, transaction

    from ortaq.accounts.models import ApiToken, Membership, User
    from ortaq.agreements.models import Agreement, AgreementParty, CooperationCondition
    from ortaq.institutions.models import Institution

    rng = random.Random(20261129)
    kinds = ["college", "college", "college", "university", "enterprise", "industrial_cluster"]
    countries = ["KZ", "KZ", "CN", "CN", "RU", "UZ", "KG"]
    with transaction.atomic():
        Institution.objects.bulk_create(
            [Institution(kind=rng.choice(kinds), name_original=f"Колледж №{i}", name_latin=f"Kolledzh No{i}", name_en=f"College {i}",
                         name_ru=f"Колледж №{i}", country=rng.choice(countries), region=f"Region {i % 40}", city=f"City {i % 300}")
             for i in range(n_institutions)], batch_size=5000)
        ids = list(Institution.objects.values_list("id", flat=True))
        states = ["draft", "proposed", "approved", "in_effect", "in_effect", "terminated"]
        Agreement.objects.bulk_create(
            [Agreement(kind=rng.choice(["memorandum", "inter_institutional"]), title=f"Agreement {i}", reference=f"B-{i}",
                       start_year=2024 + i % 3, end_year=2028, state=rng.choice(states), initiator_id=rng.choice(ids))
             for i in range(n_agreements)], batch_size=5000)
        parties, conditions = [], []
        for agreement_id, initiator_id in Agreement.objects.values_list("id", "initiator_id"):
            partner = rng.choice(ids)
            while partner == initiator_id:
                partner = rng.choice(ids)
            parties += [AgreementParty(agreement_id=agreement_id, institution_id=initiator_id), AgreementParty(agreement_id=agreement_id, institution_id=partner)]
            conditions.append(CooperationCondition(agreement_id=agreement_id, mobility_type="student_internship", sending_id=initiator_id, receiving_id=partner,
                                                   isced_code="0714", places_per_year=5, duration=3, start_year=2025, end_year=2028))
        AgreementParty.objects.bulk_create(parties, batch_size=10_000)
        CooperationCondition.objects.bulk_create(conditions, batch_size=10_000)
        busy = Institution.objects.get(pk=ids[0])
        # Give the coordinator's college many agreements, as a large college would have.
        extra = Agreement.objects.filter(state__in=["proposed", "in_effect"]).values_list("id", flat=True)[:400]
        AgreementParty.objects.bulk_create([AgreementParty(agreement_id=a, institution=busy) for a in extra], ignore_conflicts=True)
        coordinator = User.objects.create_user("bench-coordinator", password="x")
        Membership.objects.create(user=coordinator, institution=busy, role="coordinator")
        analyst = User.objects.create_user("bench-analyst", password="x")
        Membership.objects.create(user=analyst, institution_id=ids[1], role="ministry_analyst")
        admin = User.objects.create_superuser("bench-admin", password="x")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    from ortaq.accounts.services import api_token_create

    return {name: (user, api_token_create(actor=user, name="bench")[1]) for name, user in
            (("coordinator", coordinator), ("analyst", analyst), ("admin", admin))}


def _measure(users: dict, repeat: int, fig: Figures, size: str, *, quick: bool) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    scenarios = [
        ("UI institutions, page 1", "/en/institutions/"),
        ("UI institutions, page 200", "/en/institutions/?page=200"),
        ("UI institutions, search", "/en/institutions/?q=Kolledzh+No12&country=KZ"),
        ("UI agreements, page 1", "/en/agreements/"),
        ("UI agreements, page 100, in effect", "/en/agreements/?state=in_effect&page=100"),
        ("API institutions, page 1", "/api/v1/institutions/"),
        ("API institutions, page 100", "/api/v1/institutions/?page=100"),
        ("API agreements, page 1", "/api/v1/agreements/"),
        ("API agreements, filtered", "/api/v1/agreements/?state=proposed&page=3"),
    ]
    print(f"\n| who | request | queries | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|---|")
    fig.table("lists", ["who", "request"], ["queries", "p50 ms", "p95 ms", "max ms"])
    statuses = []
    for who, (user, token) in users.items():
        client = Client()
        client.force_login(user)
        for label, url in scenarios:
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if url.startswith("/api/") else {}
            client.get(url, **headers)  # warm up
            times, queries = [], set()
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    response = client.get(url, **headers)
                    times.append((time.perf_counter() - started) * 1000)
                statuses.append((url, response.status_code))
                queries.add(len(ctx.captured_queries))
            times.sort()
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            row = [who, label]
            fig.add(f"{who}: {label}: queries", max(queries), "", table="lists", row=row, col="queries", size=size)
            fig.add(f"{who}: {label}: p50", statistics.median(times), "ms", table="lists", row=row, col="p50 ms", size=size, digits=1)
            fig.add(f"{who}: {label}: p95", p95, "ms", table="lists", row=row, col="p95 ms", size=size, digits=1,
                    goal=None if quick else {"op": "<=", "value": 100})
            fig.add(f"{who}: {label}: max", times[-1], "ms", table="lists", row=row, col="max ms", size=size, digits=1)
            print(f"| {who} | {label} | {'/'.join(map(str, sorted(queries)))} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} |")
    bad = [(url, status) for url, status in statuses if status != 200]
    fig.check("every list answered 200", not bad, f"{len(statuses)} requests" + (f"; {bad[:3]}" if bad else ""))


if __name__ == "__main__":
    main()
