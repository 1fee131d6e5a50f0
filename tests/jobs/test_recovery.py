"""Leases: a task RUNNING under a worker that stopped beating goes back to the queue, once, audited; a live
worker's task is left alone; a task that keeps killing its workers ends FAILED instead of looping."""

from __future__ import annotations

import datetime as dt
import threading

from django.db import connections
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ortaq.audit.models import AuditEvent
from ortaq.jobs import services
from ortaq.jobs.models import TaskRecovery, WorkerHeartbeat
from tests.jobs.shared_database import shared_db  # noqa: F401

LEASE = 60


def running_task(worker_id: str, *, started_seconds_ago: float = 600) -> DBTaskResult:
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}}, task_path="ortaq.analytics.tasks.refresh_aggregates", backend_name="default",
        status=TaskResultStatus.RUNNING, worker_ids=[worker_id], started_at=timezone.now() - dt.timedelta(seconds=started_seconds_ago))


def heartbeat(worker_id: str, *, seconds_ago: float) -> WorkerHeartbeat:
    beat = timezone.now() - dt.timedelta(seconds=seconds_ago)
    return WorkerHeartbeat.objects.create(worker_id=worker_id, hostname="node", pid=1, started_at=beat, beat_at=beat)


def test_a_task_of_a_worker_silent_for_longer_than_the_lease_goes_back_to_the_queue_audited(db):
    heartbeat("dead", seconds_ago=LEASE + 5)
    task = running_task("dead")
    [recovery] = services.tasks_recover(lease=LEASE)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY and task.worker_ids == ["dead"]
    assert (recovery.worker_id, recovery.number, recovery.outcome) == ("dead", 1, TaskRecovery.Outcome.REQUEUED)
    [event] = AuditEvent.objects.filter(object_type="django_tasks_database.dbtaskresult", object_id=str(task.pk))
    assert event.action == "transition" and event.actor is None
    assert event.before == {"status": "RUNNING", "worker_id": "dead"} and event.after == {"status": "READY", "recoveries": 1}
    assert services.tasks_recover(lease=LEASE) == []  # READY now: nothing more to do


def test_a_task_of_a_worker_that_beats_is_left_running_however_long_it_takes(db):
    heartbeat("alive", seconds_ago=1)
    task = running_task("alive", started_seconds_ago=3 * 3600)
    assert services.tasks_recover(lease=LEASE) == []
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING and not TaskRecovery.objects.exists()


def test_a_worker_that_never_beat_is_judged_by_when_it_claimed_the_task(db):
    """A plain `db_worker`, or an `ortaq worker` stopped mid-task, has no heartbeat row."""
    fresh, stale = running_task("plain-1", started_seconds_ago=5), running_task("plain-2", started_seconds_ago=LEASE + 5)
    assert [r.task_id for r in services.tasks_recover(lease=LEASE)] == [stale.pk]
    fresh.refresh_from_db()
    assert fresh.status == TaskResultStatus.RUNNING


def test_a_task_whose_workers_keep_dying_is_failed_after_five_recoveries_instead_of_looping(db):
    task = running_task("w0")
    for number in range(1, services.MAX_RECOVERIES + 2):
        heartbeat(f"w{number - 1}", seconds_ago=LEASE + 5)
        [recovery] = services.tasks_recover(lease=LEASE)
        assert recovery.number == number
        task.refresh_from_db()
        if number <= services.MAX_RECOVERIES:
            assert task.status == TaskResultStatus.READY and recovery.outcome == TaskRecovery.Outcome.REQUEUED
            task.claim(f"w{number}")  # the next worker takes it, and dies too
    assert task.status == TaskResultStatus.FAILED and recovery.outcome == TaskRecovery.Outcome.FAILED
    assert task.exception_class_path == "ortaq.jobs.services.WorkerLost" and "w5" in task.traceback
    assert services.tasks_recover(lease=LEASE) == []
    assert TaskRecovery.objects.filter(task=task).count() == services.MAX_RECOVERIES + 1


def test_a_worker_registers_beats_and_unregisters(db):
    services.worker_register(worker_id="w")
    WorkerHeartbeat.objects.filter(worker_id="w").update(beat_at=timezone.now() - dt.timedelta(hours=1))
    services.worker_beat(worker_id="w")
    assert WorkerHeartbeat.objects.get(worker_id="w").beat_at > timezone.now() - dt.timedelta(minutes=1)
    WorkerHeartbeat.objects.all().delete()  # pruned while the process was stopped: the next beat registers again
    services.worker_beat(worker_id="w")
    assert WorkerHeartbeat.objects.filter(worker_id="w").exists()
    services.worker_unregister(worker_id="w")
    assert not WorkerHeartbeat.objects.exists()


def test_heartbeats_of_workers_dead_for_a_day_are_pruned_after_their_tasks_are_recovered(db):
    heartbeat("long-dead", seconds_ago=2 * 86400)
    heartbeat("alive", seconds_ago=1)
    task = running_task("long-dead", started_seconds_ago=3 * 86400)
    assert [r.task_id for r in services.tasks_recover(lease=LEASE)] == [task.pk]
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]


def test_two_workers_recovering_at_once_requeue_a_dead_workers_task_once(shared_db, transactional_db):
    """On PostgreSQL the second skips the row the first has locked; on SQLite the EXCLUSIVE transactions queue up
    and the second finds the task READY. Either way: one recovery, one audit record."""
    heartbeat("dead", seconds_ago=LEASE + 5)
    task = running_task("dead")
    barrier, results, errors = threading.Barrier(2), [], []

    def recover():
        try:
            barrier.wait(timeout=30)
            results.append(services.tasks_recover(lease=LEASE))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=recover) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and sorted(len(r) for r in results) == [0, 1]
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY
    assert TaskRecovery.objects.filter(task=task).count() == 1
    assert AuditEvent.objects.filter(object_id=str(task.pk)).count() == 1
