"""A placed applicant accepts or declines her placement by a deadline; a decline, or silence past the deadline,
frees the seat for the next round (issue 15)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ortaq.audit.models import AuditEvent
from ortaq.errors import DomainError, Forbidden
from ortaq.mobility import acceptance, round_services, selectors
from ortaq.mobility.models import ApplicationState, Nomination, NominationState, PlacementAnswer
from ortaq.mobility.worklist import inbox_items, reminder_items
from ortaq.notifications.models import Notification
from tests.mobility.conftest import apply_all, close, students


@pytest.fixture
def published(world, open_call, django_capture_on_commit_callbacks):
    """Four applicants for three seats (two at C's condition, one at the enterprise's offer); the first round is published."""
    people = students(world, 4)
    applications, condition_option, offer_option = apply_all(open_call, people, [95, 80, 70, 60])
    close(open_call)
    with django_capture_on_commit_callbacks(execute=True):
        placement_round = round_services.round_request(actor=world["coordinator_a"], call=open_call)
    placement_round.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)
    return placement_round, applications, condition_option, offer_option


def _nomination(application) -> Nomination:
    return application.nominations.exclude(state=NominationState.DECLINED).get()


def test_publication_gives_each_placement_a_deadline_seven_days_later_by_default(published):
    placement_round, applications, *_ = published
    nomination = _nomination(applications[0])
    assert placement_round.call.acceptance_days == 7
    assert nomination.answer == PlacementAnswer.PENDING
    assert nomination.answer_by == placement_round.published_at + dt.timedelta(days=7)


def test_accepting_is_recorded_audited_and_told_to_the_sending_coordinator(world, published):
    _round, applications, *_ = published
    nomination = _nomination(applications[0])
    answered = acceptance.placement_answer(actor=applications[0].applicant, nomination=nomination, accept=True)
    assert answered.answer == PlacementAnswer.ACCEPTED and answered.state == NominationState.PENDING  # the host still decides
    assert AuditEvent.objects.filter(object_id=str(nomination.pk), after__answer="accepted").exists()
    assert Notification.objects.filter(recipient=world["coordinator_a"], key="placement_accepted").count() == 1
    with pytest.raises(DomainError):
        acceptance.placement_answer(actor=applications[0].applicant, nomination=nomination, accept=False)


def test_only_the_placed_applicant_answers(world, published):
    _round, applications, *_ = published
    with pytest.raises(Forbidden):
        acceptance.placement_answer(actor=world["coordinator_a"], nomination=_nomination(applications[0]), accept=True)


def test_a_decline_frees_the_seat_for_the_next_round_and_she_is_not_placed_again(world, published, django_capture_on_commit_callbacks):
    placement_round, applications, condition_option, offer_option = published
    nomination = _nomination(applications[0])
    acceptance.placement_answer(actor=applications[0].applicant, nomination=nomination, accept=False)
    nomination.refresh_from_db()
    assert nomination.state == NominationState.WITHDRAWN and nomination.answer == PlacementAnswer.DECLINED
    applications[0].refresh_from_db()
    assert applications[0].state == ApplicationState.WITHDRAWN
    assert Notification.objects.filter(recipient=world["coordinator_a"], key="placement_declined").exists()
    with django_capture_on_commit_callbacks(execute=True):
        second = round_services.round_request(actor=world["coordinator_a"], call=placement_round.call)
    second.refresh_from_db()
    after = {o.application_id: o.option_id for o in second.outcomes.all()}
    assert applications[0].pk not in after
    assert after[applications[3].pk] is not None  # the fourth, unplaced before, takes a freed seat
    assert second.stats["placed"] == 3


def test_silence_past_the_deadline_lapses_the_placement_once_and_the_next_round_frees_its_seat(world, published, django_capture_on_commit_callbacks):
    placement_round, applications, *_ = published
    later = timezone.now() + dt.timedelta(days=8)
    nomination = _nomination(applications[1])
    assert selectors.placement_answer_state(nomination, now=later) == PlacementAnswer.LAPSED
    assert acceptance.placements_lapse(now=later) == 3
    assert acceptance.placements_lapse(now=later) == 0  # idempotent: nothing is lapsed (or told) twice
    nomination.refresh_from_db()
    assert nomination.answer == PlacementAnswer.LAPSED and nomination.state == NominationState.WITHDRAWN
    assert Notification.objects.filter(recipient=world["coordinator_a"], key="placement_lapsed").count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        second = round_services.round_request(actor=world["coordinator_a"], call=placement_round.call)
    second.refresh_from_db()
    assert {o.application_id for o in second.outcomes.filter(option__isnull=False)} == {applications[3].pk}


def test_answering_after_the_deadline_is_refused_and_lapses_the_placement(world, published):
    _round, applications, *_ = published
    nomination = _nomination(applications[0])
    Nomination.objects.filter(pk=nomination.pk).update(answer_by=timezone.now() - dt.timedelta(minutes=1))
    nomination.refresh_from_db()
    with pytest.raises(DomainError):
        acceptance.placement_answer(actor=applications[0].applicant, nomination=nomination, accept=True)
    nomination.refresh_from_db()
    assert nomination.answer == PlacementAnswer.LAPSED


def test_the_inbox_asks_the_placed_applicant_with_the_deadline_and_the_reminder_comes_before_it(world, published):
    _round, applications, *_ = published
    nomination = _nomination(applications[0])
    items = [i for i in inbox_items(actor=applications[0].applicant) if i.kind == "mobility.answer"]
    assert len(items) == 1 and items[0].deadline == nomination.answer_by
    assert items[0].url == reverse("mobility:placement", args=[nomination.pk])
    due = reminder_items(now=nomination.answer_by - dt.timedelta(days=2), horizon=dt.timedelta(days=3))
    assert (applications[0].applicant_id, f"mobility.placement:{nomination.pk}") in {(u, i.ref) for u, i in due if i.kind == "mobility.answer"}
    acceptance.placement_answer(actor=applications[0].applicant, nomination=nomination, accept=True)
    assert not [i for i in inbox_items(actor=applications[0].applicant) if i.kind == "mobility.answer"]


def test_the_student_answers_from_her_result_with_the_buttons_of_her_call_page(client, world, published):
    _round, applications, *_ = published
    nomination = _nomination(applications[0])
    client.force_login(applications[0].applicant)
    page = client.get(reverse("mobility:call", args=[applications[0].call_id])).content.decode()
    assert reverse("mobility:placement_answer", args=[nomination.pk]) in page
    response = client.post(reverse("mobility:placement_answer", args=[nomination.pk]), {"answer": "accept"})
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.answer == PlacementAnswer.ACCEPTED
    assert client.post(reverse("mobility:placement_answer", args=[nomination.pk]), {"answer": "decline"}).status_code == 400


def test_past_the_deadline_her_pages_offer_no_buttons_and_say_the_seat_went_to_the_next_round(client, published):
    _round, applications, *_ = published
    nomination = _nomination(applications[0])
    Nomination.objects.filter(pk=nomination.pk).update(answer_by=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(applications[0].applicant)
    for url in (reverse("mobility:call", args=[applications[0].call_id]), reverse("mobility:placement", args=[nomination.pk])):
        page = client.get(url).content.decode()
        assert reverse("mobility:placement_answer", args=[nomination.pk]) not in page
        assert "the seat goes to the next round" in page


def test_the_reminders_job_lapses_placements_past_their_deadline(world, published):
    from ortaq.notifications.reminders import send_due_reminders

    _round, applications, *_ = published
    nomination = _nomination(applications[0])
    send_due_reminders(now=nomination.answer_by + dt.timedelta(hours=1))
    nomination.refresh_from_db()
    assert nomination.answer == PlacementAnswer.LAPSED and nomination.state == NominationState.WITHDRAWN
