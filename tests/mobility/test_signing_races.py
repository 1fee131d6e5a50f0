"""Signing a learning agreement for the same party twice at once (a double click, two tabs): the agreement's
row lock (PostgreSQL) or the IMMEDIATE transaction (SQLite) lets one signature through; the other finds the
version signed. The unique (agreement, version, party) constraint stands behind the lock."""

from __future__ import annotations

import datetime as dt

from ortaq.audit.models import AuditEvent
from ortaq.errors import DomainError
from ortaq.mobility import during
from ortaq.mobility.models import MobilityAgreementState, Party, Signature
from ortaq.notifications.models import Notification
from tests.jobs.races import at_once, slowed
from tests.jobs.shared_database import shared_db  # noqa: F401
from tests.mobility.test_during_mobility import accepted, components, outcome  # noqa: F401


def test_one_party_signing_twice_at_once_leaves_one_signature(shared_db, transactional_db, world, accepted, outcome, monkeypatch):
    nomination, learner, supervisor = accepted
    agreement = during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=dt.date(2026, 3, 2),
                                                 end_date=dt.date(2026, 5, 31), components=components(outcome.pk))
    notified = set(Notification.objects.values_list("pk", flat=True))
    monkeypatch.setattr(during, "audit_record", slowed(during.audit_record))
    outcomes = at_once(*[lambda: during.mobility_agreement_sign(actor=learner, agreement=agreement, party=Party.LEARNER)] * 2)
    [signature] = [o for o in outcomes if isinstance(o, Signature)]
    [refused] = [o for o in outcomes if not isinstance(o, Signature)]
    assert isinstance(refused, DomainError) and refused.code == "already_signed"
    assert list(Signature.objects.filter(agreement=agreement).values_list("pk", flat=True)) == [signature.pk]
    assert AuditEvent.objects.filter(object_type="mobility.mobilityagreement", object_id=str(agreement.pk), action="approve").count() == 1
    agreement.refresh_from_db()
    assert agreement.state == MobilityAgreementState.SIGNING
    new = list(Notification.objects.exclude(pk__in=notified).values_list("recipient_id", "key"))
    assert len(new) == len(set(new))  # nobody told twice


def test_the_last_two_parties_signing_at_once_complete_the_agreement(shared_db, transactional_db, world, accepted, outcome, monkeypatch):
    nomination, learner, supervisor = accepted
    agreement = during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=dt.date(2026, 3, 2),
                                                 end_date=dt.date(2026, 5, 31), components=components(outcome.pk))
    during.mobility_agreement_sign(actor=learner, agreement=agreement, party=Party.LEARNER)
    monkeypatch.setattr(during, "audit_record", slowed(during.audit_record))
    outcomes = at_once(lambda: during.mobility_agreement_sign(actor=world["coordinator_a"], agreement=agreement, party=Party.SENDING),
                       lambda: during.mobility_agreement_sign(actor=supervisor, agreement=agreement, party=Party.RECEIVING))
    assert all(isinstance(o, Signature) for o in outcomes), outcomes
    agreement.refresh_from_db()
    # Without the lock each would count only its own signature and leave the agreement "signing" for ever.
    assert agreement.state == MobilityAgreementState.SIGNED
