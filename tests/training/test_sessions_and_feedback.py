"""Sessions and feedback of a cohort: the trainer adds a session (audited), a participant leaves feedback on a
session through the cohort page and sees it there, and a manager of another college who is not in the cohort
can do neither (refused, nothing written). Sessions have no page of their own yet: they are added by the service
(the cohort's creation form lists them), so the session test drives the service."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ortaq.audit.models import AuditEvent
from ortaq.errors import Forbidden, ValidationFailed
from ortaq.training import services
from ortaq.training.models import Feedback, Session


@pytest.fixture
def enrolled(world, cohort, people):
    trainer, manager_a, _manager_b = people
    enrolment = services.nominate(actor=world["coordinator_a"], cohort=cohort, manager=manager_a)
    return services.enrolment_decide(actor=trainer, enrolment=enrolment, enrol=True)


WHEN = timezone.make_aware(dt.datetime(2026, 4, 6, 10))


def test_the_trainer_adds_a_session_and_it_is_audited_and_listed_on_the_cohort_page(client, cohort, people):
    trainer, *_ = people
    session = services.session_add(actor=trainer, cohort=cohort, starts_at=WHEN, topic="  Data ethics workshop ")
    assert session.topic == "Data ethics workshop" and session.cohort == cohort
    event = AuditEvent.objects.get(object_type="training.session", object_id=str(session.pk))
    assert (event.action, event.actor, event.after) == ("create", trainer, {"topic": "Data ethics workshop"})
    client.force_login(trainer)
    assert "Data ethics workshop" in client.get(f"/en/training/{cohort.pk}/").text


@pytest.mark.parametrize("who", ["manager_a", "manager_b", "coordinator_a"])
def test_only_a_trainer_adds_sessions(world, cohort, people, enrolled, who):
    actor = {"manager_a": people[1], "manager_b": people[2]}.get(who) or world[who]
    before = Session.objects.count()
    with pytest.raises(Forbidden):
        services.session_add(actor=actor, cohort=cohort, starts_at=WHEN, topic="Intruded")
    assert Session.objects.count() == before and not AuditEvent.objects.filter(object_type="training.session").exists()


def test_a_session_without_a_topic_is_refused(cohort, people):
    before = Session.objects.count()
    with pytest.raises(ValidationFailed):
        services.session_add(actor=people[0], cohort=cohort, starts_at=WHEN, topic="   ")
    assert Session.objects.count() == before


def test_a_participant_leaves_feedback_on_the_cohort_page_and_sees_it_there(client, cohort, people, enrolled):
    _trainer, manager_a, _ = people
    session = cohort.sessions.order_by("starts_at").first()
    client.force_login(manager_a)

    response = client.post(f"/en/training/{cohort.pk}/feedback/", {"session": session.pk, "text": "More time for the case study, please"}, follow=True)

    assert response.redirect_chain[-1][0] == f"/en/training/{cohort.pk}/"
    assert "Thank you for your feedback." in response.text
    assert "More time for the case study, please" in response.text
    feedback = Feedback.objects.get()
    assert (feedback.session, feedback.author, feedback.text) == (session, manager_a, "More time for the case study, please")


def test_a_manager_of_another_college_outside_the_cohort_cannot_leave_feedback(client, cohort, people, enrolled):
    _trainer, _manager_a, manager_b = people
    client.force_login(manager_b)
    response = client.post(f"/en/training/{cohort.pk}/feedback/", {"session": cohort.sessions.first().pk, "text": "Intruded"})
    assert response.status_code == 404  # a cohort one is not in is not shown at all
    assert not Feedback.objects.exists()


def test_feedback_on_a_session_of_another_cohort_is_not_found(client, world, course, cohort, people, enrolled):
    trainer, manager_a, _ = people
    other = services.cohort_create(actor=trainer, course=course, title="Autumn 2026", start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 10, 30),
                                   capacity=2, sessions=[(WHEN, "Elsewhere")])
    client.force_login(manager_a)
    response = client.post(f"/en/training/{cohort.pk}/feedback/", {"session": other.sessions.get().pk, "text": "Wrong class"})
    assert response.status_code == 404
    assert not Feedback.objects.exists()
