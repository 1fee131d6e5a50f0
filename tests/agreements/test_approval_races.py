"""Approving the same version for the same party twice at once (a double click, or two coordinators): the
agreement's row lock (PostgreSQL) or the IMMEDIATE transaction (SQLite) lets one approval through; the other
finds it approved already. The unique (agreement, institution, version) constraint stands behind the lock."""

from __future__ import annotations

from ortaq.accounts.models import Role
from ortaq.agreements import services
from ortaq.agreements.models import AgreementApproval, AgreementState
from ortaq.audit.models import AuditEvent
from ortaq.errors import DomainError
from ortaq.notifications.models import Notification
from tests.conftest import agreement_terms, condition_terms, make_institution, make_user
from tests.jobs.races import at_once, slowed
from tests.jobs.shared_database import shared_db  # noqa: F401


def test_two_approvals_for_one_party_at_once_record_one_approval(shared_db, transactional_db, monkeypatch):
    a, c = make_institution("College A"), make_institution("Partner C", country="CN")
    coordinators = [make_user(f"coordinator_a{i}", (a, Role.COORDINATOR)) for i in range(2)]
    agreement = services.agreement_create(actor=coordinators[0], terms=agreement_terms(), initiator=a, parties=[a, c])
    services.condition_add(actor=coordinators[0], agreement=agreement, terms=condition_terms(a, c))
    services.agreement_propose(actor=coordinators[0], agreement=agreement)
    monkeypatch.setattr(services, "audit_record", slowed(services.audit_record))
    outcomes = at_once(*(lambda who=who: services.agreement_approve(actor=who, agreement=agreement, institution=a) for who in coordinators))
    [approval] = [o for o in outcomes if isinstance(o, AgreementApproval)]
    [refused] = [o for o in outcomes if not isinstance(o, AgreementApproval)]
    assert isinstance(refused, DomainError) and refused.code == "already_approved"
    assert list(AgreementApproval.objects.values_list("pk", flat=True)) == [approval.pk]
    assert AuditEvent.objects.filter(object_type="agreements.agreement", object_id=str(agreement.pk), action="approve").count() == 1
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.PROPOSED  # C has not approved yet
    assert Notification.objects.count() == 0  # approving notifies nobody; above all, nobody twice


def test_the_last_two_parties_approving_at_once_move_the_agreement_to_approved_once(shared_db, transactional_db, monkeypatch):
    a, c = make_institution("College A"), make_institution("Partner C", country="CN")
    coordinator_a, coordinator_c = make_user("coordinator_a", (a, Role.COORDINATOR)), make_user("coordinator_c", (c, Role.COORDINATOR))
    agreement = services.agreement_create(actor=coordinator_a, terms=agreement_terms(), initiator=a, parties=[a, c])
    services.condition_add(actor=coordinator_a, agreement=agreement, terms=condition_terms(a, c))
    services.agreement_propose(actor=coordinator_a, agreement=agreement)
    monkeypatch.setattr(services, "audit_record", slowed(services.audit_record))
    outcomes = at_once(lambda: services.agreement_approve(actor=coordinator_a, agreement=agreement, institution=a),
                       lambda: services.agreement_approve(actor=coordinator_c, agreement=agreement, institution=c))
    assert all(isinstance(o, AgreementApproval) for o in outcomes), outcomes
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.APPROVED
    # Without the lock each would see only its own approval and neither would complete the agreement.
    assert AuditEvent.objects.filter(object_id=str(agreement.pk), action="transition", after__state="approved").count() == 1
