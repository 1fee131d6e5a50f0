"""The heartbeat thread of an `ortaq worker` process."""

from __future__ import annotations

import logging
import threading
import time

from django.db import connections

from .services import tasks_recover, worker_beat

logger = logging.getLogger("ortaq.jobs")


class Heartbeat(threading.Thread):
    """Beats every `interval` seconds on the thread's own database connection, and recovers dead workers' tasks
    about twice per lease, so that this worker takes over even while its main loop runs a long task.

    A daemon thread: when the process dies the beats stop, which is the point.
    """

    def __init__(self, *, worker_id: str, lease: float, interval: float) -> None:
        super().__init__(name=f"ortaq-heartbeat-{worker_id[:16]}", daemon=True)
        self.worker_id, self.lease, self.interval = worker_id, lease, interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        next_recovery = time.monotonic() + self.lease / 2
        try:
            while not self._stop_event.wait(self.interval):
                try:
                    worker_beat(worker_id=self.worker_id)
                    if time.monotonic() >= next_recovery:
                        tasks_recover(lease=self.lease)
                        next_recovery = time.monotonic() + self.lease / 2
                except Exception:
                    # A locked or unreachable database must not end the beats for good (a live worker would then
                    # look dead): log, drop the connection and try again at the next beat.
                    logger.exception("worker %s: heartbeat failed", self.worker_id)
                    connections.close_all()
        finally:
            connections.close_all()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=max(10.0, self.interval * 2))
