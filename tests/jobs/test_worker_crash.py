"""A worker killed with SIGKILL in the middle of a credential batch: another worker takes the task over once the
dead one's lease has run out, and the batch finishes with every credential issued exactly once.

Real `ortaq worker` processes on a database this test shares with them (tests/jobs/shared_database.py), on
SQLite and on PostgreSQL alike. Every wait is bounded; the workers are killed whatever happens.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import transaction
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ortaq.audit.models import AuditEvent
from ortaq.credentials import services
from ortaq.credentials.models import BatchState, IssuanceBatch, IssuedCredential
from ortaq.jobs.models import TaskRecovery, WorkerHeartbeat
from tests.jobs.cohort import make_cohort, request_batch
from tests.jobs.shared_database import shared_db  # noqa: F401

COHORT = 30
LEASE = "3"  # seconds; production's default is 60
DEADLINE = 240  # seconds for the whole batch on a busy two-core machine; only reached if it never finishes


class Worker:
    def __init__(self, shared, worker_id: str) -> None:
        self.worker_id = worker_id
        self.log_path = Path(shared.data_dir) / f"{worker_id}.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ortaq.cli", "worker", "--worker-id", worker_id, "--lease", LEASE, "--interval", "0.1",
             "--no-startup-delay", "-v", "2"],
            env={**shared.env, "ORTAQ_DEBUG_CLI": "1"}, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        """SIGTERM, as an operator stops a worker; SIGKILL if it has not stopped 30 s later."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self.log.close()


def wait_for(condition, *workers: Worker, what: str):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if value := condition():
            return value
        for worker in workers:
            assert worker.process.poll() is None, f"{worker.worker_id} exited while waiting for {what}:\n{worker.output()}"
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}:\n" + "\n".join(w.output() for w in workers))


def hold_the_batch_still(batch: IssuanceBatch) -> int:
    """Inside a transaction: lock what the worker writes next, so that it is killed at a known point however fast
    the machine is (on PostgreSQL the batch row, which its progress update and its credentials' foreign keys wait
    for; on SQLite the database's write lock, which an IMMEDIATE transaction took at BEGIN). Returns its progress."""
    return IssuanceBatch.objects.select_for_update().get(pk=batch.pk).done


def test_a_batch_whose_worker_is_killed_is_finished_by_another_worker_with_one_credential_per_graduate(shared_db, transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    cohort = make_cohort(COHORT)
    batch = request_batch(cohort)
    workers = [Worker(shared_db, "crash-test-first")]
    try:
        services.batch_approve(actor=cohort.approvers[0], batch=batch)
        task = DBTaskResult.objects.get()
        wait_for(lambda: IssuanceBatch.objects.get(pk=batch.pk).done >= 3, *workers, what="the first credentials")
        with transaction.atomic():
            assert hold_the_batch_still(batch) < COHORT
            workers[0].process.send_signal(signal.SIGKILL)
            workers[0].process.wait(timeout=30)
        task.refresh_from_db()
        assert task.status == TaskResultStatus.RUNNING and task.worker_ids == ["crash-test-first"]
        assert IssuanceBatch.objects.get(pk=batch.pk).state == BatchState.RUNNING

        workers.append(Worker(shared_db, "crash-test-second"))
        wait_for(lambda: DBTaskResult.objects.filter(pk=task.pk).exclude(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists(),
                 workers[1], what="the task to finish")
    finally:
        for worker in workers:
            worker.stop()

    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL, workers[1].output()
    assert task.worker_ids == ["crash-test-first", "crash-test-second"] and task.return_value == COHORT
    batch.refresh_from_db()
    assert batch.state == BatchState.DONE and batch.done == COHORT
    credentials = list(IssuedCredential.objects.filter(batch=batch))
    assert sorted(c.holder_id for c in credentials) == sorted(g.pk for g in cohort.graduates)
    assert len({c.revocation_index for c in credentials}) == len({c.suspension_index for c in credentials}) == COHORT
    assert all(c.pdf and c.pdf.storage.exists(c.pdf.name) and c.pdf.size > 1000 for c in credentials)
    # Each credential's issue is audited once, however many workers ran the batch.
    audited = list(AuditEvent.objects.filter(object_type="credentials.issuedcredential", action="create").values_list("object_id", flat=True))
    assert sorted(audited) == sorted(str(c.pk) for c in credentials)
    [recovery] = TaskRecovery.objects.all()
    assert (recovery.task_id, recovery.worker_id, recovery.number, recovery.outcome) == (task.pk, "crash-test-first", 1, "requeued")
    assert AuditEvent.objects.filter(object_id=str(task.pk), action="transition").count() == 1
    # The second worker stopped cleanly and removed its heartbeat; the dead one's remains until pruned.
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["crash-test-first"]
