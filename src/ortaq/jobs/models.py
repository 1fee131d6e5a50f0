"""Leases on background tasks. django-tasks-db marks a task RUNNING under a worker id and trusts that worker to
finish it; a worker killed with SIGKILL, by the OOM killer or by a power cut never does. Each `ortaq worker`
therefore beats a heartbeat here, and a task whose worker has stopped beating is put back in the queue."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """One running `ortaq worker` process (the row goes when it stops cleanly)."""

    worker_id = models.CharField(max_length=64, unique=True)  # the id django-tasks-db records in worker_ids
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class TaskRecovery(models.Model):
    """A task taken back from a worker that died holding it: the counter that stops a poison task looping."""

    class Outcome(models.TextChoices):
        REQUEUED = "requeued"
        FAILED = "failed"

    # Cascades with django-tasks-db's own pruning of finished results.
    task = models.ForeignKey("django_tasks_database.DBTaskResult", on_delete=models.CASCADE, related_name="+")
    worker_id = models.CharField(max_length=64)
    number = models.PositiveSmallIntegerField()  # 1 for the task's first recovery
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "number"], name="one_recovery_per_task_and_number")]

    def __str__(self) -> str:
        return f"{self.task_id} #{self.number} {self.outcome}"
