"""The home page's inbox runs the same number of queries whatever waits: one or five of everything (agreements
to approve, drafts, agreements to sign, logbook weeks, changes, evaluations, nominations, rounds, calls,
applications, results to recognise, dossiers, appeals, batches, credentials, self-assessments, cohorts to run)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ortaq.agreements.models import Agreement, AgreementParty
from ortaq.credentials.models import IssuanceBatch, IssuedCredential, IssuerProfile
from ortaq.mobility.models import (
    Application, Call, CallOption, ChangeProposal, Component, InternshipOffer, LogbookEntry, MobilityAgreement, Nomination, PlacementOutcome,
    PlacementRound, TranscriptEntry,
)
from ortaq.programmes.models import LearningOutcome, Module, Programme
from ortaq.recognition.models import Appeal, Dossier
from ortaq.training.models import Cohort, Course, Enrolment, Session, TrainingProgramme
from tests.conftest import make_user

KIND = re.compile(r'data-kind="([\w.]+)"')


@pytest.fixture
def people(world):
    return {**world.users, "supervisor_c": make_user("supervisor_c", (world.c, "company_supervisor")),
            "manager_a": make_user("manager_a", (world.a, "manager_in_training")), "trainer_c": make_user("trainer_c", (world.c, "trainer"))}


class Grower:
    """Adds `n` more of every kind of waiting work for A's coordinator, registrar and student, C's supervisor and
    trainer and A's manager in training, each time it is called."""

    def __init__(self, world, people):
        self.world, self.people, self.made = world, people, 0
        self.offer = InternshipOffer.objects.create(host=world.c, title="Workshop", tasks="PLC", city="Tianjin", start_date=dt.date(2026, 3, 1),
                                                    end_date=dt.date(2026, 6, 1), places=50, isced_code="0714", state="published")
        programme = Programme.objects.create(code="P-INBOX", title_en="Mechatronics", isced_code="0714")
        self.outcome = LearningOutcome.objects.create(module=Module.objects.create(programme=programme, code="M1", title_en="PLC", credits=5),
                                                      code="LO1", text_en="Programs a PLC")
        self.issuer = IssuerProfile.objects.create(institution=world.a, did="did:web:inbox.example")
        course = Course.objects.create(programme=TrainingProgramme.objects.create(code="T-INBOX", title_en="AI", provider=world.c), code="AI-1", title_en="AI")
        self.course = course

    def _call(self, title: str, **extra) -> Call:
        data = {"owner": self.world.a, "title": title, "mobility_type": "student_internship", "academic_year": 2026, "lottery_seed": 1,
                "deadline": timezone.now() - dt.timedelta(days=20), "state": "published"}
        return Call.objects.create(**{**data, **extra})

    def _nomination(self, applicant, state: str) -> Nomination:
        call = self._call(f"Call {self.made}")
        option = CallOption.objects.create(call=call, offer=self.offer, host=self.world.c, places=1)
        application = Application.objects.create(call=call, applicant=applicant, state="submitted")
        placement_round = PlacementRound.objects.create(call=call, number=1, state="published")
        outcome = PlacementOutcome.objects.create(round=placement_round, application=application, option=option)
        return Nomination.objects.create(outcome=outcome, application=application, option=option, host=self.world.c, state=state)

    def grow(self, n: int) -> None:
        world, people, today = self.world, self.people, timezone.localdate()
        for _i in range(n):
            self.made += 1
            i = self.made
            for state in ("proposed", "draft"):
                agreement = Agreement.objects.create(kind="memorandum", title=f"{state} {i}", start_year=2026, end_year=2027, initiator=world.a, state=state)
                AgreementParty.objects.bulk_create([AgreementParty(agreement=agreement, institution=world.a), AgreementParty(agreement=agreement, institution=world.c)])
            learner = make_user(f"learner{i}", (world.a, "student"))
            signed = MobilityAgreement.objects.create(nomination=self._nomination(learner, "accepted"), kind="training", state="signed",
                                                      start_date=today - dt.timedelta(days=40), end_date=today + dt.timedelta(days=7))
            Component.objects.create(agreement=signed, code="T1", title="Commissioning").outcomes.set([self.outcome])
            for week in range(2):
                LogbookEntry.objects.create(agreement=signed, week_start=signed.start_date + dt.timedelta(days=7 * week), hours=30, description="Work")
            ChangeProposal.objects.create(agreement=signed, base_version=1, components=[], reason_code="other", proposed_by=learner)
            MobilityAgreement.objects.create(nomination=self._nomination(make_user(f"signer{i}", (world.a, "student")), "accepted"), kind="training",
                                             state="signing", start_date=today + dt.timedelta(days=10), end_date=today + dt.timedelta(days=70))
            returned = MobilityAgreement.objects.create(nomination=self._nomination(make_user(f"returned{i}", (world.a, "student")), "accepted"),
                                                        kind="training", state="signed", start_date=today - dt.timedelta(days=90),
                                                        end_date=today - dt.timedelta(days=10))
            component = Component.objects.create(agreement=returned, code="T1", title="Commissioning", credits=3, hours=90)
            TranscriptEntry.objects.create(agreement=returned, component=component, host_grade="90", host_scale="percent", home_grade="A-",
                                           credits_host=3, credits_home=3, recorded_by=people["coordinator_c"])
            self._nomination(make_user(f"nominee{i}", (world.a, "student")), "pending")
            self._nomination(people["student_a"], "accepted")  # the student's agreement to prepare
            PlacementRound.objects.create(call=self._call(f"Closed {i}", state="closed"), number=1, state="dry_run")
            self._call(f"Overdue {i}", state="open", deadline=timezone.now() - dt.timedelta(hours=1))
            Application.objects.create(call=self._call(f"Open {i}", state="open", deadline=timezone.now() + dt.timedelta(days=5)), applicant=people["student_a"])
            dossier = Dossier.objects.create(mobility_agreement=signed, student=learner, home_institution=world.a)
            Appeal.objects.create(dossier=dossier, reason="Covered")
            IssuanceBatch.objects.create(kind="diploma", issuer=self.issuer, graduation_date=today, requested_by=people["coordinator_a"])
            IssuedCredential.objects.create(kind="training", issuer=self.issuer, holder=people["student_a"], idempotency_key=f"inbox-{i}", document={},
                                            revocation_index=i, suspension_index=i, verify_code=f"INBOX{i}")
            cohort = Cohort.objects.create(course=self.course, title=f"Cohort {i}", start_date=today + dt.timedelta(days=3),
                                           end_date=today + dt.timedelta(days=30), capacity=20)
            cohort.trainers.add(people["trainer_c"])
            Session.objects.create(cohort=cohort, starts_at=timezone.now() + dt.timedelta(days=4), topic="Opening")
            Enrolment.objects.create(cohort=cohort, manager=people["manager_a"], institution=world.a, state="enrolled", nominated_by=people["coordinator_a"])
            Enrolment.objects.create(cohort=cohort, manager=make_user(f"nominated{i}", (world.a, "manager_in_training")), institution=world.a,
                                     nominated_by=people["coordinator_a"])
            ended = Cohort.objects.create(course=self.course, title=f"Ended {i}", start_date=today - dt.timedelta(days=40),
                                          end_date=today - dt.timedelta(days=2), capacity=20, state="running")
            ended.trainers.add(people["trainer_c"])
            Enrolment.objects.create(cohort=ended, manager=make_user(f"finished{i}", (world.a, "manager_in_training")), institution=world.a,
                                     state="enrolled", nominated_by=people["coordinator_a"])


def home(client) -> tuple[int, set[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/en/")
    assert response.status_code == 200
    return len(ctx.captured_queries), set(KIND.findall(response.text))


WHO = {
    "coordinator_a": {"agreements.approve", "agreements.propose", "mobility.sign", "mobility.change", "mobility.publish", "mobility.close",
                      "mobility.recognition", "recognition.decide", "recognition.appeal"},
    "coordinator_c": {"agreements.approve", "mobility.sign", "mobility.change", "mobility.verify", "mobility.evaluate", "mobility.nominations"},
    "supervisor_c": {"mobility.sign", "mobility.verify", "mobility.evaluate", "mobility.nominations"},
    "registrar_a": {"credentials.approve", "recognition.appeal"},
    "student_a": {"mobility.application", "mobility.prepare", "credentials.received"},
    "manager_a": {"training.self_assessment", "training.session"},
    "trainer_c": {"training.enrol", "training.complete", "training.session"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(WHO))
def test_the_home_page_runs_the_same_queries_for_one_or_five_of_everything_waiting(client, world, people, who):
    grower = Grower(world, people)
    client.force_login(people[who])
    grower.grow(1)
    one, kinds = home(client)
    assert WHO[who] <= kinds, WHO[who] - kinds
    grower.grow(4)
    five, kinds_after = home(client)
    assert kinds_after == kinds
    assert five == one


@pytest.mark.django_db
def test_the_counts_shown_grow_with_the_work_waiting(client, world, people):
    grower = Grower(world, people)
    client.force_login(people["supervisor_c"])
    grower.grow(3)
    page = client.get("/en/").text
    verify = re.search(r'data-kind="mobility.verify">\s*<a href="([^"]+)">[^<]*</a>\s*<span class="badge"[^>]*>(\d+)<', page)
    assert verify and verify[1] == "/en/mobility/agreements/mine/" and verify[2] == "6"  # two weeks on each of three agreements
