"""Writes of the analytics app: rebuilding the pre-aggregated tables, and recording verifications.

The rebuild reads the source apps' models (never their views), groups in the database, and replaces the
fact tables in one transaction, so a reader sees either the old or the new figures, never half of each.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role
from ortaq.agreements.selectors import conditions_of_agreements_in
from ortaq.audit.services import audit_record
from ortaq.credentials.selectors import credential_rows
from ortaq.errors import Forbidden
from ortaq.institutions.selectors import institution_rows
from ortaq.mobility.selectors import funnel_groups, option_facets, places_offered_and_nominated

from .models import CredentialFact, MobilityFact, PlacesFact, RecognitionFact, Refresh, Stage, TrainingFact, VerificationEvent
from .tasks import refresh_aggregates

if TYPE_CHECKING:
    from ortaq.accounts.types import User
    from ortaq.credentials.types import IssuedCredential

BATCH = 5000
REFRESH_LOCK = 0x6F72_7461_7131  # the advisory lock key of aggregates_refresh on PostgreSQL ("ortaq1")
# Agreements whose places count: approved by all parties (in effect or not yet), or run and since terminated.
COUNTED_AGREEMENT_STATES = ("approved", "in_effect", "terminated")



def _institutions() -> dict[int, tuple[str, str, int | None, bool]]:
    return {
        pk: (country, region, cluster, bool(facilities))
        for pk, country, region, cluster, facilities in institution_rows().values_list(
            "id", "country", "region", "parent_cluster_id", "accessibility_facilities"
        ).iterator(chunk_size=BATCH)
    }


def _mobility_facts(institutions, options) -> list[MobilityFact]:
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for stage, groups in funnel_groups().items():
        for g in groups:
            host, isced, eqf = options.get(g["g_option"], (None, "", ""))
            key = (g["g_year"], g["g_owner"], host, isced, eqf, g["g_kind"], stage)
            totals[key][0] += g["people"]
            totals[key][1] += g["with_needs"]
    facts = []
    stage_order = {s: i for i, s in enumerate(Stage.values)}
    for (year, owner, host, isced, eqf, kind, stage), (people, with_needs) in sorted(totals.items(), key=lambda kv: (stage_order[kv[0][6]], kv[0][0])):
        s_country, s_region, s_cluster, _ = institutions.get(owner, ("", "", None, False))
        r_country, r_region, r_cluster, r_facilities = institutions.get(host, ("", "", None, False))
        facts.append(MobilityFact(
            academic_year=year, sending_id=owner, receiving_id=host, sending_country=s_country, receiving_country=r_country,
            sending_region=s_region, receiving_region=r_region, sending_cluster_id=s_cluster, receiving_cluster_id=r_cluster,
            receiving_has_facilities=r_facilities, isced_code=isced, eqf_level=eqf, mobility_type=kind, stage=stage,
            people=people, with_needs=with_needs,
        ))
    return facts


def _places_facts(institutions) -> list[PlacesFact]:
    offered, nominated = places_offered_and_nominated()
    facts = []
    conditions = conditions_of_agreements_in(COUNTED_AGREEMENT_STATES).values_list(
        "id", "agreement_id", "agreement__title", "agreement__start_year", "agreement__end_year", "start_year", "end_year",
        "sending_id", "receiving_id", "isced_code", "eqf_level", "mobility_type", "places_per_year", "inclusion_support",
    )
    for (cid, aid, title, a_start, a_end, start, end, sending, receiving, isced, eqf, kind, places, support) in conditions.iterator(chunk_size=BATCH):
        s_country, s_region, _, _ = institutions.get(sending, ("", "", None, False))
        r_country, r_region, _, _ = institutions.get(receiving, ("", "", None, False))
        for year in range(max(start, a_start), min(end, a_end) + 1):
            offered_places, reserved = offered.get((cid, year), (0, 0))
            facts.append(PlacesFact(
                academic_year=year, agreement_id=aid, agreement_title=title[:300], condition_id=cid, sending_id=sending,
                receiving_id=receiving, sending_country=s_country, receiving_country=r_country, sending_region=s_region,
                receiving_region=r_region, isced_code=isced, eqf_level=eqf or "", mobility_type=kind, places=places,
                offered=offered_places, reserved_inclusion=reserved, nominated=nominated.get((cid, year), 0),
                has_inclusion_support=bool(support.strip()),
            ))
    return facts


def academic_year_of(year: int, month: int) -> int:
    """Academic years start in September: March 2026 belongs to 2025/26, written 2025."""
    return year if month >= 9 else year - 1


def _credential_facts(institutions) -> list[CredentialFact]:
    counts: dict[tuple, dict[str, int]] = defaultdict(lambda: {"issued": 0, "revoked": 0, "suspended": 0, "verified": 0})
    issued = (
        credential_rows().annotate(y=ExtractYear("issued_at"), m=ExtractMonth("issued_at"))
        .values("issuer__institution_id", "kind", "y", "m")
        .annotate(issued=Count("id"), revoked=Count("id", filter=Q(state="revoked")), suspended=Count("id", filter=Q(state="suspended")))
    )
    for row in issued:
        key = (academic_year_of(row["y"], row["m"]), row["issuer__institution_id"], row["kind"])
        for measure in ("issued", "revoked", "suspended"):
            counts[key][measure] += row[measure]
    verified = (
        VerificationEvent.objects.annotate(y=ExtractYear("verified_at"), m=ExtractMonth("verified_at"))
        .values("issuer_institution_id", "kind", "y", "m")
        .annotate(n=Count("id"))
    )
    for row in verified:
        counts[(academic_year_of(row["y"], row["m"]), row["issuer_institution_id"], row["kind"])]["verified"] += row["n"]
    facts = []
    for (year, institution, kind), measures in counts.items():
        country, region, _, _ = institutions.get(institution, ("", "", None, False))
        facts.append(CredentialFact(academic_year=year, institution_id=institution, country=country, region=region, kind=kind, **measures))
    return facts


RECOGNISED = ("full", "partial")
DECIDED_DOSSIER_STATES = ("decided", "appealed", "final")


def _recognition_facts(institutions, options) -> list[RecognitionFact]:
    """Dossiers by the flow of the mobility they recognise; empty while the recognition app is not installed."""
    if not apps.is_installed("ortaq.recognition"):
        return []
    from ortaq.recognition.selectors import dossier_rows, item_rows

    items = {
        row["dossier_id"]: (row["decided"], row["recognised"])
        for row in item_rows().values("dossier_id").annotate(
            decided=Count("id", filter=~Q(decision="pending")), recognised=Count("id", filter=Q(decision__in=RECOGNISED)))
    }
    prefix = "mobility_agreement__nomination__"
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for d in dossier_rows().values(
        "id", "state", "decided_at", end=F("mobility_agreement__end_date"), g_year=F(f"{prefix}application__call__academic_year"),
        g_owner=F(f"{prefix}application__call__owner_id"), g_kind=F(f"{prefix}application__call__mobility_type"), g_option=F(f"{prefix}option_id"),
    ).iterator(chunk_size=BATCH):
        host, isced, eqf = options.get(d["g_option"], (None, "", ""))
        sums = totals[(d["g_year"], d["g_owner"], host, isced, eqf, d["g_kind"])]
        sums[0] += 1
        if d["state"] in DECIDED_DOSSIER_STATES and d["decided_at"]:
            sums[1] += 1
            sums[4] += max(0, (d["decided_at"].date() - d["end"]).days)
        decided, recognised = items.get(d["id"], (0, 0))
        sums[2] += decided
        sums[3] += recognised
    facts = []
    for (year, owner, host, isced, eqf, kind), (dossiers, decided, items_decided, items_recognised, days) in totals.items():
        s_country, s_region, _, _ = institutions.get(owner, ("", "", None, False))
        r_country, r_region, _, _ = institutions.get(host, ("", "", None, False))
        facts.append(RecognitionFact(
            academic_year=year, sending_id=owner, receiving_id=host, sending_country=s_country, receiving_country=r_country,
            sending_region=s_region, receiving_region=r_region, isced_code=isced, eqf_level=eqf, mobility_type=kind, dossiers=dossiers,
            decided=decided, items_decided=items_decided, items_recognised=items_recognised, days_to_decision=days,
        ))
    return facts


ENROLLED_STATES = ("enrolled", "completed", "not_completed")


def _training_facts(institutions) -> list[TrainingFact]:
    """Managers' enrolments by institution and the academic year their cohort starts; empty without the training app."""
    if not apps.is_installed("ortaq.training"):
        return []
    from ortaq.training.selectors import enrolment_rows, growth_percent

    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    growth: dict[tuple, list[float]] = defaultdict(list)
    for enrolment in enrolment_rows().select_related("cohort").prefetch_related("self_assessments"):
        value = growth_percent(enrolment)
        if value is not None:
            growth[(academic_year_of(enrolment.cohort.start_date.year, enrolment.cohort.start_date.month), enrolment.institution_id)].append(value)
    rows = (enrolment_rows().annotate(y=ExtractYear("cohort__start_date"), m=ExtractMonth("cohort__start_date"))
            .values("institution_id", "state", "y", "m").annotate(n=Count("id")))
    for row in rows:
        sums = counts[(academic_year_of(row["y"], row["m"]), row["institution_id"])]
        sums[0] += row["n"]
        sums[1] += row["n"] if row["state"] in ENROLLED_STATES else 0
        sums[2] += row["n"] if row["state"] == "completed" else 0
    facts = []
    for (year, institution), (nominated, enrolled, completed) in counts.items():
        country, region, _, _ = institutions.get(institution, ("", "", None, False))
        gains = growth.get((year, institution), [])
        facts.append(TrainingFact(academic_year=year, institution_id=institution, country=country, region=region,
                                  nominated=nominated, enrolled=enrolled, completed=completed,
                                  growth_people=len(gains), growth_percent_sum=sum(gains)))
    return facts


def _choices(mobility, places, credentials) -> dict:
    regions: dict[str, set[str]] = defaultdict(set)
    for f in [*mobility, *places]:
        for country, region in ((f.sending_country, f.sending_region), (f.receiving_country, f.receiving_region)):
            if country and region:
                regions[country].add(region)
    return {
        "years": sorted({f.academic_year for f in [*mobility, *places, *credentials]}, reverse=True),
        "countries": sorted({c for f in [*mobility, *places] for c in (f.sending_country, f.receiving_country) if c}),
        "regions": {country: sorted(names) for country, names in sorted(regions.items())},
        "fields": sorted({f.isced_code for f in [*mobility, *places] if f.isced_code}),
        "levels": sorted({f.eqf_level for f in [*mobility, *places] if f.eqf_level}),
    }


def _one_refresh_at_a_time() -> None:
    """Hold the refresh lock until the transaction ends.

    Two refreshes at once (the hourly one and an analyst's) on PostgreSQL would each delete only the fact rows
    committed before their DELETE began, then both insert: every figure counted twice. SQLite's IMMEDIATE
    transactions already take the write lock at BEGIN, which serialises them there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])


def _progress(refresh: Refresh, step: int) -> None:
    """Record how far a rebuild is, committed at once (outside the rebuild's transaction) so its page sees it."""
    refresh.step = step
    Refresh.objects.filter(pk=refresh.pk).update(step=step)


def aggregates_refresh(*, refresh_id: int | None = None) -> Refresh:
    """Rebuild every fact table from the source data. Safe to run at any time, and again.

    `refresh_id` names the record of a rebuild someone asked for (aggregates_refresh_request); its state and
    step follow the work, and it says `failed` if the rebuild raised (a worker that died leaves it running:
    the task is handed to another worker, which runs it again from the start).
    """
    started = time.perf_counter()
    refresh = Refresh.objects.filter(pk=refresh_id).first() if refresh_id else None
    if refresh is None:
        refresh = Refresh()
    refresh.started_at, refresh.state, refresh.step, refresh.finished_at = timezone.now(), Refresh.State.RUNNING, 0, None
    refresh.save()
    try:
        institutions = _institutions()
        _progress(refresh, 1)
        options = option_facets()
        mobility = _mobility_facts(institutions, options)
        _progress(refresh, 2)
        places = _places_facts(institutions)
        _progress(refresh, 3)
        credentials = _credential_facts(institutions)
        _progress(refresh, 4)
        recognition = _recognition_facts(institutions, options)
        _progress(refresh, 5)
        training = _training_facts(institutions)
        _progress(refresh, 6)
        with transaction.atomic():
            _one_refresh_at_a_time()
            for model, facts in ((MobilityFact, mobility), (PlacesFact, places), (CredentialFact, credentials),
                                 (RecognitionFact, recognition), (TrainingFact, training)):
                model.objects.all().delete()
                model.objects.bulk_create(facts, batch_size=BATCH)
            refresh.finished_at = timezone.now()
            refresh.rows = len(mobility) + len(places) + len(credentials) + len(recognition) + len(training)
            refresh.seconds = time.perf_counter() - started
            refresh.state, refresh.step = Refresh.State.DONE, Refresh.STEPS
            # The recognition and training panels appear once there is something to show.
            refresh.choices = {**_choices(mobility, places, credentials), "recognition": bool(recognition), "training": bool(training)}
            refresh.save()
    except Exception:
        Refresh.objects.filter(pk=refresh.pk).update(state=Refresh.State.FAILED)
        raise
    Refresh.objects.filter(pk__in=Refresh.objects.order_by("-started_at").values_list("pk", flat=True)[20:]).delete()
    return refresh


PENDING_FOR = dt.timedelta(minutes=15)  # a queued or running rebuild younger than this is joined, not queued again


def aggregates_refresh_request(*, actor: User) -> Refresh:
    """Queue a rebuild now (admins and ministry analysts; otherwise the scheduled refresh does it).

    A rebuild already waiting or running is returned instead of queuing another: asking twice costs one rebuild.
    """
    access = access_for(actor)
    if not (access.is_admin or access.is_ministry):
        raise Forbidden()
    pending = Refresh.objects.filter(state__in=(Refresh.State.QUEUED, Refresh.State.RUNNING),
                                     started_at__gte=timezone.now() - PENDING_FOR).order_by("-started_at").first()
    if pending is not None:
        return pending
    refresh = Refresh.objects.create(started_at=timezone.now(), state=Refresh.State.QUEUED, requested_by=actor,
                                     scope=sorted(access.institutions_with({Role.COORDINATOR})))
    audit_record(actor=actor, action="create", obj=refresh)
    transaction.on_commit(lambda: refresh_aggregates.enqueue(refresh.pk))
    return refresh


def verification_record(*, credential: IssuedCredential) -> VerificationEvent:
    """Count one successful verification (called by the credentials app; stores no verifier or holder)."""
    return VerificationEvent.objects.create(issuer_institution_id=credential.issuer.institution_id, kind=credential.kind)
