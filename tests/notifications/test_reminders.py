"""Reminders before deadlines: a draft application before its call closes, an agreement a party has not signed
before the mobility starts, a self-assessment not done before a course starts. Each recipient is reminded in
their language and time zone, in-app and by e-mail, once 3 days and once 1 day before, never twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from ortaq.engines import frameworks as fw
from ortaq.i18n import reader_time_zone
from ortaq.mobility.models import (
    Application, Call, CallOption, InternshipOffer, MobilityAgreement, Nomination, PlacementOutcome, PlacementRound, Signature,
)
from ortaq.notifications import services
from ortaq.notifications.models import Notification
from ortaq.notifications.reminders import send_due_reminders, window_for
from ortaq.training.models import Cohort, Course, Enrolment, SelfAssessment, TrainingProgramme
from tests.conftest import make_user

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    """Run the reminders at a moment, with the e-mails that go out once each reminder is committed."""

    def run(now=NOW):
        with django_capture_on_commit_callbacks(execute=True):
            return send_due_reminders(now=now)

    return run


def draft_application(world, *, deadline: dt.datetime, applicant=None) -> Application:
    call = Call.objects.create(owner=world.a, title="Tianjin internships", mobility_type="student_internship", academic_year=2026,
                               deadline=deadline, lottery_seed=1, state="open")
    return Application.objects.create(call=call, applicant=applicant or world["student_a"])


def agreement_to_sign(world, *, starts: dt.date, host_person) -> MobilityAgreement:
    """A learning agreement between A's student and C, as the services leave it before anyone signs."""
    offer = InternshipOffer.objects.create(host=world.c, title="Workshop intern", tasks="PLC", city="Tianjin", start_date=starts,
                                           end_date=starts + dt.timedelta(days=60), places=1, isced_code="0714", state="published")
    call = Call.objects.create(owner=world.a, title="Internships", mobility_type="student_internship", academic_year=2026,
                               deadline=NOW - dt.timedelta(days=30), lottery_seed=1, state="published")
    option = CallOption.objects.create(call=call, offer=offer, host=world.c, places=1)
    application = Application.objects.create(call=call, applicant=world["student_a"], state="submitted")
    placement_round = PlacementRound.objects.create(call=call, number=1, state="published")
    outcome = PlacementOutcome.objects.create(round=placement_round, application=application, option=option)
    nomination = Nomination.objects.create(outcome=outcome, application=application, option=option, host=world.c, state="accepted",
                                           decided_by=host_person)
    return MobilityAgreement.objects.create(nomination=nomination, kind="training", start_date=starts, end_date=starts + dt.timedelta(days=60),
                                            state="signing")


def reminders_of(user, key: str | None = None):
    qs = Notification.objects.filter(recipient=user, key__startswith="reminder_")
    return qs.filter(key=key) if key else qs


def test_the_narrowest_window_the_time_left_falls_in_is_the_one_reminded():
    assert window_for(dt.timedelta(days=5)) is None
    assert window_for(dt.timedelta(days=2, hours=12)) == 3
    assert window_for(dt.timedelta(hours=20)) == 1
    assert window_for(dt.timedelta(0)) is None
    assert window_for(dt.timedelta(hours=-1)) is None


@pytest.mark.django_db
def test_a_draft_application_is_reminded_3_days_then_1_day_before_the_deadline_and_never_twice(world, remind):
    student = world["student_a"]
    student.email = "student@example.org"
    student.save()
    application = draft_application(world, deadline=NOW + dt.timedelta(days=2, hours=4))

    assert remind().sent == 1
    first = reminders_of(student).get()
    assert (first.key, first.params["window"], first.params["call"]["$names"]["en"]) == ("reminder_application", 3, "Tianjin internships")
    assert first.url == f"/mobility/calls/{application.call_id}/"
    assert len(mail.outbox) == 1 and "Tianjin internships" in mail.outbox[0].subject

    result = remind(NOW + dt.timedelta(hours=5))
    assert (result.sent, result.skipped) == (0, 1)
    assert reminders_of(student).count() == 1 and len(mail.outbox) == 1

    assert remind(NOW + dt.timedelta(days=1, hours=10)).sent == 1
    assert remind(NOW + dt.timedelta(days=1, hours=12)).sent == 0
    assert sorted(reminders_of(student).values_list("params__window", flat=True)) == [1, 3]
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_nothing_is_reminded_far_from_the_deadline_after_it_or_once_the_application_is_submitted(world, remind):
    far = draft_application(world, deadline=NOW + dt.timedelta(days=10))
    past = draft_application(world, deadline=NOW - dt.timedelta(hours=1), applicant=world["student_b"])
    submitted = draft_application(world, deadline=NOW + dt.timedelta(days=1), applicant=world["teacher_a"])
    Application.objects.filter(pk=submitted.pk).update(state="submitted")
    assert remind().sent == 0
    assert not Notification.objects.filter(key__startswith="reminder_").exists()
    assert far.pk and past.pk


@pytest.mark.django_db
def test_the_deadline_is_written_in_the_recipient_s_language_and_time_zone(world, remind):
    kazakh = world["student_a"]
    kazakh.preferred_language, kazakh.email = "ru", "kazakh@example.org"
    kazakh.save()
    chinese = make_user("student_cn", (world.c, "student"))
    chinese.preferred_language, chinese.email = "en", "chinese@example.org"
    chinese.save()
    deadline = dt.datetime(2026, 12, 5, 13, 0, tzinfo=dt.UTC)
    draft_application(world, deadline=deadline)
    draft_application(world, deadline=deadline, applicant=chinese)
    remind()
    mails = {message.to[0]: message.body for message in mail.outbox}
    in_almaty, in_tianjin = mails["kazakh@example.org"], mails["chinese@example.org"]
    assert "18:00" in in_almaty and "Asia/Almaty" in in_almaty and "декабря" in in_almaty
    assert "9 p.m." in in_tianjin and "Asia/Shanghai" in in_tianjin and "Dec" in in_tianjin
    # In the app too: each reader's own zone, whatever language the page is in.
    subject, body = services.render(reminders_of(chinese).get(), "en", reader_time_zone(chinese))
    assert "Tianjin internships" in subject and "9 p.m." in body


@pytest.mark.django_db
def test_an_agreement_reminds_only_the_parties_that_have_not_signed(world, remind):
    host_coordinator = world["coordinator_c"]
    agreement = agreement_to_sign(world, starts=(NOW + dt.timedelta(days=2)).date(), host_person=host_coordinator)
    Signature.objects.create(agreement=agreement, version=1, party="learner", sha256="x" * 64, signed_by=world["student_a"])

    assert remind().sent == 2
    assert not reminders_of(world["student_a"]).exists()
    for person in (world["coordinator_a"], host_coordinator):
        reminder = reminders_of(person, "reminder_agreement_sign").get()
        assert reminder.url == f"/mobility/agreements/{agreement.pk}/"
        assert reminder.params["learner"] == world["student_a"].display_name
    assert not reminders_of(world["coordinator_b"]).exists()
    assert remind().sent == 0


@pytest.mark.django_db
def test_a_manager_is_reminded_of_the_self_assessment_before_the_course_until_it_is_done(world, remind):
    manager = make_user("manager_a", (world.a, "manager_in_training"))
    programme = TrainingProgramme.objects.create(code="AI", title_en="AI in colleges", provider=world.c)
    course = Course.objects.create(programme=programme, code="AI-1", title_en="AI basics")
    soon = Cohort.objects.create(course=course, title="Winter cohort", start_date=(NOW + dt.timedelta(days=1)).date(),
                                 end_date=(NOW + dt.timedelta(days=40)).date(), capacity=10)
    Enrolment.objects.create(cohort=soon, manager=manager, institution=world.a, state="enrolled", nominated_by=world["coordinator_a"])
    assert remind().sent == 1
    reminder = reminders_of(manager, "reminder_self_assessment").get()
    assert services.render(reminder, "en")[0] == "Reminder: your self-assessment for Winter cohort"
    assert reminder.url.startswith(f"/training/{soon.pk}/self-assessment/before/")

    later = Cohort.objects.create(course=course, title="Spring cohort", start_date=(NOW + dt.timedelta(days=2)).date(),
                                  end_date=(NOW + dt.timedelta(days=40)).date(), capacity=10)
    done = Enrolment.objects.create(cohort=later, manager=manager, institution=world.a, state="enrolled", nominated_by=world["coordinator_a"])
    for spec in fw.competency_frameworks():
        SelfAssessment.objects.create(enrolment=done, phase="before", framework=spec.code, ratings={})
    assert remind().sent == 0


@pytest.mark.django_db
def test_the_command_sends_what_is_due_and_says_how_many(world, capsys, django_capture_on_commit_callbacks):
    draft_application(world, deadline=timezone.now() + dt.timedelta(hours=30))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ortaq_remind")
        call_command("ortaq_remind")
    out = capsys.readouterr().out
    assert "reminders: 1 sent, 0 already sent" in out and "reminders: 0 sent, 1 already sent" in out
    assert reminders_of(world["student_a"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_remind_once(world):
    """The recipient's row is locked while a reminder is looked for and made: the second run waits, then finds it.
    (PostgreSQL: SQLite serialises writing transactions anyway, IMMEDIATE at BEGIN.)"""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite takes the database lock at BEGIN")
    draft_application(world, deadline=NOW + dt.timedelta(hours=20))
    start, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            start.wait()
            results.append(send_due_reminders(now=NOW).sent)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and sorted(results) == [0, 1]
    assert reminders_of(world["student_a"]).count() == 1


@pytest.mark.django_db
def test_the_worker_s_task_sends_what_is_due(world, django_capture_on_commit_callbacks):
    from ortaq.notifications.reminders import send_reminders

    draft_application(world, deadline=timezone.now() + dt.timedelta(hours=30))
    with django_capture_on_commit_callbacks(execute=True):
        result = send_reminders.enqueue()
    assert result.return_value == 1
    assert reminders_of(world["student_a"]).get().params["window"] == 3


@pytest.mark.django_db
def test_a_reminder_names_the_call_in_the_recipient_s_language_version_not_the_author_s(world, remind):
    kazakh = world["student_a"]
    kazakh.preferred_language, kazakh.email = "kk", "kazakh@example.org"
    kazakh.save()
    english = make_user("student_en", (world.a, "student"))
    english.preferred_language, english.email = "en", "english@example.org"
    english.save()
    application = draft_application(world, deadline=NOW + dt.timedelta(days=2))
    Call.objects.filter(pk=application.call_id).update(title="Стажировки в Тяньцзине", written_in="ru",
                                                        translations={"kk": {"title": "Тяньцзиндегі тағылымдамалар"}})
    Application.objects.create(call=application.call, applicant=english)
    assert remind().sent == 2
    mails = {message.to[0]: message for message in mail.outbox}
    assert "Тяньцзиндегі тағылымдамалар" in mails["kazakh@example.org"].subject
    assert "Тяньцзиндегі тағылымдамалар" in mails["kazakh@example.org"].body
    assert "Стажировки" not in mails["kazakh@example.org"].subject
    # An English reader has no English version: the author's Russian text comes next (FALLBACK_ORDER).
    assert "Стажировки в Тяньцзине" in mails["english@example.org"].subject
    # In the app too, whatever language the page is read in later.
    subject, _body = services.render(reminders_of(kazakh).get(), "kk", reader_time_zone(kazakh))
    assert "Тяньцзиндегі тағылымдамалар" in subject and "Стажировки" not in subject


@pytest.mark.django_db
def test_a_self_assessment_reminder_names_the_cohort_in_the_recipient_s_language_version(world, remind):
    manager = make_user("manager_zh", (world.c, "manager_in_training"))
    manager.preferred_language = "zh-hans"
    manager.save()
    programme = TrainingProgramme.objects.create(code="AI", title_en="AI in colleges", provider=world.c)
    course = Course.objects.create(programme=programme, code="AI-1", title_en="AI basics")
    cohort = Cohort.objects.create(course=course, title="Қысқы топ", written_in="kk", translations={"zh-hans": {"title": "冬季班"}},
                                   start_date=(NOW + dt.timedelta(days=1)).date(), end_date=(NOW + dt.timedelta(days=40)).date(), capacity=10)
    Enrolment.objects.create(cohort=cohort, manager=manager, institution=world.c, state="enrolled", nominated_by=world["coordinator_c"])
    assert remind().sent == 1
    reminder = reminders_of(manager, "reminder_self_assessment").get()
    assert "冬季班" in services.render(reminder, "zh-hans")[0]
    assert "Қысқы топ" in services.render(reminder, "kk")[0]
