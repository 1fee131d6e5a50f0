"""Worker bodies of the federation: deliver a peer's outbox; on failure the task schedules itself again for
the moment the backoff ends, so a peer that comes back is caught up without anyone acting.

One delivery per peer waits in the queue at a time: a delivery drains the peer's whole outbox when it starts, so a
message committed while one waits (not yet started) travels with it, and a round of 10,000 nominations queues one
task, not 10,000. A delivery already running may have read the outbox before the message was committed, so it does
not count: another is queued. Two commits at the same moment may each queue one; a spare delivery finds nothing
left and ends, which costs little, whereas a missed one would leave messages waiting."""

from collections.abc import Callable, Hashable

from django.db import transaction
from django.tasks import TaskResultStatus, task


@task()
def deliver_to_peer(peer_id: int) -> int:
    from .selectors import active_peers
    from .services import outbox_deliver

    peer = active_peers().filter(pk=peer_id).first()
    if peer is None:
        return 0
    report = outbox_deliver(peer=peer)
    if report.retry_at is not None and not delivery_queued(peer_id):  # one queued since runs, sees the backoff and reschedules
        deliver_to_peer.using(run_after=report.retry_at).enqueue(peer_id)
    return report.delivered


def delivery_queued(peer_id: int) -> bool:
    """Whether a delivery to this peer waits in the database queue, not yet started (soon, or after a backoff, which
    holds every later message of the peer anyway). Other backends (the tests' immediate one) keep no queue: False."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = deliver_to_peer.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=deliver_to_peer.module_path, backend_name=backend.alias,
                                       args_kwargs__args__0=peer_id).exists()


class _OnCommit:
    def __init__(self, func: Callable[[], object]) -> None:
        self.func, self.ran = func, False

    def __call__(self) -> None:
        self.ran = True
        self.func()


def on_commit_once(key: Hashable, func: Callable[[], object]) -> None:
    """`transaction.on_commit(func)`, once per key and transaction: the 10,000 messages of a round to one peer register
    one callback. Django replaces its list of callbacks whenever it drops some (commit, rollback, a savepoint rolled
    back), so a callback counts only while it sits in the current list and has not run (tests run them in place)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        transaction.on_commit(func)  # runs at once
        return
    current = connection.run_on_commit
    seen: tuple[list, dict[Hashable, _OnCommit]] | None = getattr(connection, "_ortaq_on_commit_once", None)
    if seen is None or seen[0] is not current:
        seen = (current, {})
        connection._ortaq_on_commit_once = seen
    registered = seen[1].get(key)
    if registered is not None and not registered.ran:
        return
    seen[1][key] = callback = _OnCommit(func)
    transaction.on_commit(callback)
