"""A small, hand-countable world of mobilities for the analytics tests.

College A (KZ, Almaty) sends interns to partner C (CN, Xinjiang; in the Tianjin cluster; has accessibility
facilities) under agreement A–C; college B (KZ, Astana) sends to C under agreement B–C. For academic year 2026:

    A→C (ISCED 0714, EQF 5): 12 submitted applications (2 drafts and 1 withdrawn do not count); 3 applicants
        recorded accessibility needs with consent, a 4th without consent (not counted); round 1 placed 9,
        round 2 (the later published round, the one that counts) placed 8; a dry run placing 12 does not count;
        8 nominations, 1 declined; 6 signed agreements (departed) and 1 draft; completed: 1 with a transcript,
        2 with verified logbook weeks (a 4th with only a submitted week does not count). Needs: p0–p2 all the way.
    B→C (ISCED 0715, EQF 4): 3 submitted applications, 2 placed, 2 nominations pending, none departed.
    Places: A→C 10 a year 2025–2027 (8 offered in 2026, 1 reserved for inclusion, inclusion support offered);
        B→C 4 a year in 2026 only (3 offered).
    Credentials issued by A this year: 7 diplomas, 1 revoked, 1 suspended; 1 verification recorded.
    Recognition (A's 6 departed): 6 dossiers, 5 decided 10 days after the mobility ended, each with one
        component recognised in full and one refused (50 %); 1 still open.
    Professional development (cohort starting October 2026): 7 managers of A nominated, 6 enrolled, 5 completed.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from ortaq.agreements.models import Agreement, AgreementParty, CooperationCondition
from ortaq.credentials.models import IssuedCredential, IssuerProfile
from ortaq.institutions.models import Institution
from ortaq.mobility.models import (
    Application,
    Call,
    CallOption,
    Choice,
    Component,
    LogbookEntry,
    MobilityAgreement,
    Nomination,
    PlacementOutcome,
    PlacementRound,
    TranscriptEntry,
)
from tests.conftest import make_institution, make_user

YEAR = 2026


def _agreement(initiator, partner, *, isced, eqf, places, start, end, support="") -> CooperationCondition:
    agreement = Agreement.objects.create(kind="inter_institutional", title=f"{initiator} – {partner}", start_year=2025, end_year=2028,
                                         state="in_effect", initiator=initiator)
    AgreementParty.objects.create(agreement=agreement, institution=initiator)
    AgreementParty.objects.create(agreement=agreement, institution=partner)
    return CooperationCondition.objects.create(
        agreement=agreement, mobility_type="student_internship", sending=initiator, receiving=partner, isced_code=isced, eqf_level=eqf,
        places_per_year=places, duration=3, start_year=start, end_year=end, inclusion_support=support)


def _call(owner, condition, *, places, reserved=0) -> tuple[Call, CallOption]:
    call = Call.objects.create(owner=owner, title=f"Internships {owner}", mobility_type="student_internship", academic_year=YEAR,
                               deadline=timezone.now(), lottery_seed=1, state="published")
    option = CallOption.objects.create(call=call, condition=condition, host=condition.receiving, places=places, reserved_inclusion=reserved)
    return call, option


def _applications(call, option, institution, prefix, n, *, needs=()) -> list[Application]:
    apps = []
    for i in range(n):
        person = make_user(f"{prefix}{i}", (institution, "student"))
        if i in needs:
            person.accessibility_needs = "Wheelchair access"
            person.accessibility_consent_at = timezone.now()
            person.save()
        application = Application.objects.create(call=call, applicant=person, state="submitted", submitted_at=timezone.now())
        Choice.objects.create(application=application, option=option, rank=1)
        apps.append(application)
    return apps


def _round(call, number, state, placed, unplaced, option) -> list[PlacementOutcome]:
    placement_round = PlacementRound.objects.create(call=call, number=number, state=state)
    outcomes = [PlacementOutcome.objects.create(round=placement_round, application=a, option=option) for a in placed]
    for a in unplaced:
        PlacementOutcome.objects.create(round=placement_round, application=a, option=None)
    return outcomes


def _mobility_agreement(nomination, state) -> MobilityAgreement:
    return MobilityAgreement.objects.create(nomination=nomination, kind="training", start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 5, 31), state=state)


def _recognition(mobility_agreements, world) -> None:
    from ortaq.recognition.models import Dossier, Item

    decided_at = timezone.make_aware(dt.datetime(2027, 6, 10, 12))  # the mobilities end on 31 May 2027: 10 days
    for i, ma in enumerate(mobility_agreements):
        decided = i < 5
        dossier = Dossier.objects.create(mobility_agreement=ma, student=ma.nomination.application.applicant, home_institution=world.a,
                                         state="decided" if decided else "open", decided_at=decided_at if decided else None)
        for j, decision in enumerate(("full", "refused") if decided else ("pending",)):
            component = Component.objects.create(agreement=ma, code=f"R{i}{j}", title="Component", credits=5)
            Item.objects.create(dossier=dossier, component=component, decision=decision)


def _training(world) -> None:
    from ortaq.training.models import Cohort, Course, Enrolment, TrainingProgramme

    programme = TrainingProgramme.objects.create(code="LEAD", title_en="Leadership", provider=world.c)
    course = Course.objects.create(programme=programme, code="L1", title_en="Leading a college")
    cohort = Cohort.objects.create(course=course, title="Autumn 2026", start_date=dt.date(2026, 10, 1), end_date=dt.date(2026, 12, 1), capacity=20)
    for i, state in enumerate(["completed"] * 5 + ["not_completed", "declined"]):
        manager = make_user(f"manager_a{i}", (world.a, "manager_in_training"))
        Enrolment.objects.create(cohort=cohort, manager=manager, institution=world.a, state=state, nominated_by=world["coordinator_a"])


@pytest.fixture
def figures(world):
    from ortaq.analytics.services import aggregates_refresh, verification_record

    Institution.objects.filter(pk=world.a.pk).update(region="Almaty")
    Institution.objects.filter(pk=world.b.pk).update(region="Astana")
    cluster = make_institution("Tianjin cluster", country="CN", kind="industrial_cluster")
    Institution.objects.filter(pk=world.c.pk).update(region="Xinjiang", parent_cluster=cluster, accessibility_facilities=["step_free"])
    for inst in (world.a, world.b, world.c):
        inst.refresh_from_db()

    ac = _agreement(world.a, world.c, isced="0714", eqf="5", places=10, start=2025, end=2027, support="Sign-language interpreting")
    bc = _agreement(world.b, world.c, isced="0715", eqf="4", places=4, start=2026, end=2026)

    call_a, option_a = _call(world.a, ac, places=8, reserved=1)
    apps_a = _applications(call_a, option_a, world.a, "applicant_a", 12, needs=(0, 1, 2))
    apps_a[3].applicant.accessibility_needs = "Hearing"
    apps_a[3].applicant.save()  # needs without consent: not counted
    for i, state in enumerate(("draft", "draft", "withdrawn")):
        person = make_user(f"other_a{i}", (world.a, "student"))
        Application.objects.create(call=call_a, applicant=person, state=state)
    _round(call_a, 1, "published", apps_a[:9], apps_a[9:], option_a)
    outcomes = _round(call_a, 2, "published", apps_a[:8], apps_a[8:], option_a)
    _round(call_a, 3, "dry_run", apps_a, [], option_a)
    nominations = [
        Nomination.objects.create(outcome=o, application=o.application, option=option_a, host=world.c, state="declined" if i == 7 else "accepted")
        for i, o in enumerate(outcomes)
    ]
    agreements = [_mobility_agreement(n, "signed") for n in nominations[:6]] + [_mobility_agreement(nominations[6], "draft")]
    supervisor = world["coordinator_c"]
    component = Component.objects.create(agreement=agreements[0], code="M1", title="PLC commissioning", credits=5)
    TranscriptEntry.objects.create(agreement=agreements[0], component=component, host_grade="A", host_scale="cn", home_grade="5",
                                   credits_host=5, credits_home=5, recorded_by=supervisor)
    for ma, state in ((agreements[1], "verified"), (agreements[2], "verified"), (agreements[3], "submitted")):
        LogbookEntry.objects.create(agreement=ma, week_start=dt.date(2027, 3, 1), hours=30, description="Wiring", state=state)

    call_b, option_b = _call(world.b, bc, places=3)
    apps_b = _applications(call_b, option_b, world.b, "applicant_b", 3)
    outcomes_b = _round(call_b, 1, "published", apps_b[:2], apps_b[2:], option_b)
    for o in outcomes_b:
        Nomination.objects.create(outcome=o, application=o.application, option=option_b, host=world.c, state="pending")

    issuer = IssuerProfile.objects.create(institution=world.a, did="did:web:example.org:issuers:a")
    holder = world["student_a"]
    for i, state in enumerate(["valid"] * 5 + ["revoked", "suspended"]):
        credential = IssuedCredential.objects.create(kind="diploma", issuer=issuer, holder=holder, idempotency_key=f"k{i}", document={},
                                                     revocation_index=i, suspension_index=i, state=state, verify_code=f"CODE{i}")
    verification_record(credential=credential)

    _recognition(agreements[:6], world)
    _training(world)

    refresh = aggregates_refresh()
    return SimpleNamespace(world=world, cluster=cluster, ac=ac, bc=bc, refresh=refresh)
