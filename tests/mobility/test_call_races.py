"""Opening a call twice at once (a double click, two coordinators): the call's row lock (PostgreSQL) or the
IMMEDIATE transaction (SQLite) lets one through; the other finds it open. Every student is told once."""

from __future__ import annotations

from ortaq.audit.models import AuditEvent
from ortaq.errors import DomainError
from ortaq.mobility import services
from ortaq.mobility.models import Call, CallState
from ortaq.notifications.models import Notification
from tests.jobs.races import at_once, slowed
from tests.jobs.shared_database import shared_db  # noqa: F401
from tests.mobility.conftest import application_input, call_input, students


def test_a_call_opened_twice_at_once_opens_once_and_tells_each_student_once(shared_db, transactional_db, world, agreement_ac_in_effect, published_offer, monkeypatch):
    call = services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input())
    services.call_option_add(actor=world["coordinator_a"], call=call, condition=agreement_ac_in_effect.conditions.get(), places=2)
    people = [world["student_a"], *students(world, 3)]
    monkeypatch.setattr(services, "audit_record", slowed(services.audit_record))
    outcomes = at_once(*[lambda: services.call_open(actor=world["coordinator_a"], call=Call.objects.get(pk=call.pk))] * 2)
    assert sorted(type(o).__name__ for o in outcomes) == ["Call", "DomainError"]
    [refused] = [o for o in outcomes if isinstance(o, DomainError)]
    assert refused.code == "state"
    call.refresh_from_db()
    assert call.state == CallState.OPEN
    assert AuditEvent.objects.filter(object_type="mobility.call", object_id=str(call.pk), action="transition").count() == 1
    told = sorted(Notification.objects.filter(key="call_opened").values_list("recipient_id", flat=True))
    assert told == sorted(p.pk for p in people)


def test_an_application_withdrawn_twice_at_once_is_withdrawn_once(shared_db, transactional_db, world, open_call, monkeypatch):
    person = students(world, 1)[0]
    application = services.application_save(actor=person, call=open_call, application=application_input(year_of_study=2, grade="90"),
                                             option_ids=[open_call.options.first().pk], submit=True)
    monkeypatch.setattr(services, "audit_record", slowed(services.audit_record))
    outcomes = at_once(*[lambda: services.application_withdraw(actor=person, application=type(application).objects.get(pk=application.pk))] * 2)
    assert sorted(type(o).__name__ for o in outcomes) == ["Application", "DomainError"]
    assert AuditEvent.objects.filter(object_type="mobility.application", object_id=str(application.pk), after__state="withdrawn").count() == 1
