"""Writes of the worker's lease protocol: register, beat, unregister, and recover what dead workers held.

Every `ortaq worker` registers its worker id, then beats every few seconds from a thread of its own. Any worker
(at start, then from that thread) looks for tasks still RUNNING under a worker whose last beat is older than the
lease, and puts them back to READY so that the next free worker runs them again. Task bodies are written to be
run again (they skip what is done), so a recovered task finishes without duplicates; a task recovered
MAX_RECOVERIES times is marked FAILED instead, so that a task that kills its worker does not loop for ever.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from ortaq.audit.services import audit_record

from .models import TaskRecovery, WorkerHeartbeat

logger = logging.getLogger("ortaq.jobs")

MAX_RECOVERIES = 5


class WorkerLost(Exception):
    """Recorded as the error of a task whose workers died under it more than MAX_RECOVERIES times."""


def lease_seconds() -> float:
    return float(getattr(settings, "WORKER_LEASE_SECONDS", 60))


def beat_interval(lease: float) -> float:
    """Several beats per lease, so that one slow beat (a busy database) does not make a live worker look dead."""
    return max(0.2, min(5.0, lease / 4))


@transaction.atomic
def worker_register(*, worker_id: str) -> WorkerHeartbeat:
    now = timezone.now()
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(), "started_at": now, "beat_at": now})
    return heartbeat


def worker_beat(*, worker_id: str) -> None:
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=timezone.now()):
        # Pruned as long dead (this process was stopped, e.g. SIGSTOP, for longer than the prune age): come back.
        worker_register(worker_id=worker_id)


def worker_unregister(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def _orphans(lease: dt.timedelta, *, lock: bool) -> list[tuple[DBTaskResult, str]]:
    """RUNNING tasks whose worker gave no sign of life for longer than the lease, with that worker's id.

    A worker with no heartbeat row (it stopped cleanly mid-task, its row was pruned, or it is a plain
    `db_worker` that never beats) is judged by when it claimed the task instead.
    """
    cutoff = timezone.now() - lease
    beats = dict(WorkerHeartbeat.objects.values_list("worker_id", "beat_at"))
    running = DBTaskResult.objects.running().order_by("started_at")
    if lock:
        # On PostgreSQL two recovering workers must not both requeue (and both count) the same task: the
        # second skips rows the first holds. SQLite has no row locks; the EXCLUSIVE transaction serialises.
        running = running.select_for_update(skip_locked=True)
    orphans = []
    for task in running:
        owner = task.worker_ids[-1] if task.worker_ids else ""
        last_sign_of_life = beats.get(owner) or task.started_at or task.enqueued_at
        if last_sign_of_life < cutoff:
            orphans.append((task, owner))
    return orphans


def tasks_recover(*, lease: float | None = None) -> list[TaskRecovery]:
    """Put the tasks of dead workers back in the queue (or fail them after MAX_RECOVERIES); audited."""
    lease_delta = dt.timedelta(seconds=lease if lease is not None else lease_seconds())
    if not _orphans(lease_delta, lock=False):  # the common case, without taking SQLite's write lock
        return []
    recoveries = []
    with exclusive_transaction(DBTaskResult.objects.db):
        for task, owner in _orphans(lease_delta, lock=True):
            number = TaskRecovery.objects.filter(task=task).count() + 1
            if number > MAX_RECOVERIES:
                outcome = TaskRecovery.Outcome.FAILED
                task.set_failed(WorkerLost(f"{number - 1} workers died running this task; the last was {owner}"))
            else:
                outcome = TaskRecovery.Outcome.REQUEUED
                # Conditional, so a task its worker finished after all (a long pause, not a death) stays finished.
                if not DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(status=TaskResultStatus.READY):
                    continue
            recoveries.append(TaskRecovery.objects.create(task=task, worker_id=owner, number=number, outcome=outcome))
            audit_record(actor=None, action="transition", obj=task, before={"status": "RUNNING", "worker_id": owner},
                         after={"status": "FAILED" if outcome == TaskRecovery.Outcome.FAILED else "READY", "recoveries": number},
                         summary=task.task_path)
            logger.warning("task %s (%s) was RUNNING under worker %s, silent for over %s s: %s (recovery %d of %d)",
                           task.pk, task.task_path, owner, lease_delta.total_seconds(), outcome, number, MAX_RECOVERIES)
        # Rows of workers silent for a day (and over 100 leases) only clutter the table; their tasks were recovered above.
        WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - max(dt.timedelta(days=1), 100 * lease_delta)).delete()
    return recoveries
