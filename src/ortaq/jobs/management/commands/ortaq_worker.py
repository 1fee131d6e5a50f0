"""`ortaq worker` (`ortaq manage ortaq_worker`): django-tasks-db's `db_worker` with a heartbeat and leases.

The options are db_worker's, plus `--lease`. While the worker runs, a thread beats its heartbeat and recovers
tasks left RUNNING by workers that died (see ortaq.jobs.services); the worker also recovers once as it starts.
"""

from __future__ import annotations

from argparse import ArgumentTypeError
from typing import Any

from django_tasks_db.management.commands import db_worker

from ortaq.jobs.heartbeat import Heartbeat
from ortaq.jobs.services import beat_interval, lease_seconds, tasks_recover, worker_register, worker_unregister


def _positive_seconds(value: str) -> float:
    seconds = db_worker.valid_interval(value)
    if seconds <= 0:
        raise ArgumentTypeError("Must be greater than zero")
    return seconds


class Command(db_worker.Command):
    help = "Run background tasks from the database queue; take over the tasks of workers that died."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--lease", type=_positive_seconds, default=None,
                            help="seconds without a heartbeat after which a worker's running task is put back in the "
                                 "queue (default: ORTAQ_WORKER_LEASE, 60); use the same value on every worker")
        # The autoreloader would run the tasks in a child process while this one beats for it: off unless asked.
        parser.set_defaults(reload=False)

    # (*args, **options) as Django calls it: db_worker's handle() names each of its options, and `--lease`
    # travels among them until it is taken out here
    def handle(self, *args: Any, **options: Any) -> None:
        lease: float = options.pop("lease", None) or lease_seconds()
        worker_id = options["worker_id"]
        worker_register(worker_id=worker_id)
        heartbeat = Heartbeat(worker_id=worker_id, lease=lease, interval=beat_interval(lease))
        try:
            tasks_recover(lease=lease)
            heartbeat.start()
            super().handle(*args, **options)
        finally:
            if heartbeat.is_alive():
                heartbeat.stop()
            worker_unregister(worker_id=worker_id)
