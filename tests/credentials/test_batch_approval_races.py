"""Approving a batch twice at once (a double click, or two registrars): the row lock (PostgreSQL) or the
IMMEDIATE transaction (SQLite) lets one approval through; the other finds the batch already approved."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from ortaq.audit.models import AuditEvent
from ortaq.credentials import services
from ortaq.credentials.models import BatchState, IssuanceBatch
from ortaq.errors import DomainError
from ortaq.notifications.models import Notification
from tests.jobs.cohort import make_cohort, request_batch
from tests.jobs.races import at_once, slowed
from tests.jobs.shared_database import shared_db  # noqa: F401


def test_two_approvals_of_a_batch_at_once_approve_it_once_and_queue_one_run(shared_db, transactional_db, settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued, not run
    cohort = make_cohort(2)
    batch = request_batch(cohort)
    monkeypatch.setattr(services, "audit_record", slowed(services.audit_record))
    first, second = cohort.approvers
    outcomes = at_once(lambda: services.batch_approve(actor=first, batch=batch),
                       lambda: services.batch_approve(actor=second, batch=batch))
    [approved] = [o for o in outcomes if isinstance(o, IssuanceBatch)]
    [refused] = [o for o in outcomes if not isinstance(o, IssuanceBatch)]
    assert isinstance(refused, DomainError) and refused.code == "state"
    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED and batch.approved_by == approved.approved_by
    assert AuditEvent.objects.filter(object_type="credentials.issuancebatch", object_id=str(batch.pk), action="approve").count() == 1
    assert DBTaskResult.objects.filter(task_path="ortaq.credentials.tasks.run_batch").count() == 1
    assert Notification.objects.count() == 0  # approving notifies nobody; above all, nobody twice


def test_a_reinstatement_racing_a_revocation_never_writes_valid_over_revoked(shared_db, transactional_db, monkeypatch):
    from ortaq.credentials.models import CredentialState, IssuedCredential

    cohort = make_cohort(1)
    batch = request_batch(cohort)
    services.batch_approve(actor=cohort.approvers[0], batch=batch)  # tests run tasks at once: issued now
    credential = IssuedCredential.objects.get()
    services.credential_set_state(actor=cohort.requester, credential=credential, state=CredentialState.SUSPENDED, reason="under review")
    monkeypatch.setattr(services, "mark_stale", slowed(services.mark_stale))
    outcomes = at_once(
        lambda: services.credential_set_state(actor=cohort.approvers[0], credential=credential, state=CredentialState.REVOKED, reason="fraud"),
        lambda: services.credential_set_state(actor=cohort.approvers[1], credential=credential, state=CredentialState.VALID, reason="cleared"))
    credential.refresh_from_db()
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    # Either order is possible; what must never happen is "valid" written after "revoked".
    if refused:
        assert credential.state == CredentialState.REVOKED and refused[0].code == "revoked"
    else:
        assert credential.state == CredentialState.REVOKED
    assert AuditEvent.objects.filter(object_type="credentials.issuedcredential", action="transition").count() == 3 - len(refused)
