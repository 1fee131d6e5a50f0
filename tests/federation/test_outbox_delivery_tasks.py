"""Delivery tasks in the database queue (django-tasks-db, as in production): one waits per peer, however many
messages its transaction wrote, and it carries them all; a message committed while the delivery runs, or while it
waits out a backoff, is never left behind."""

import datetime as dt

import pytest
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ortaq.federation import services, transport
from ortaq.federation.models import OutboxMessage, Peer
from tests.federation.conftest import RemoteNode
from tests.federation.test_outbox import FlakyPeer

pytestmark = pytest.mark.django_db

TASK = "ortaq.federation.tasks.deliver_to_peer"


@pytest.fixture
def queued(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued, run below as the worker does


@pytest.fixture
def peers(remote, monkeypatch):
    other = RemoteNode(node_id="https://ru.ortaq.example")
    served = {remote.node_id: remote, other.node_id: other}
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: served[url.rstrip("/")].manifest())
    return services.peer_add(actor=None, url=remote.node_id), services.peer_add(actor=None, url=other.node_id)


def _waiting(peer: Peer) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=TASK, status=TaskResultStatus.READY, args_kwargs__args__0=peer.pk))


def _commit(capture, peer: Peer, numbers) -> None:
    """One transaction writing these messages to the peer, and what happens when it commits."""
    with capture(execute=True), transaction.atomic():
        for n in numbers:
            services.outbox_enqueue(peer=peer, kind="ping", payload={"n": n}, reason="test")


def _claim(row: DBTaskResult) -> DBTaskResult:
    row.claim("test-worker")  # RUNNING: what a worker does before it runs the task
    return row


def _run(row: DBTaskResult) -> int:
    row.set_successful(row.task.call(*row.task_result.args))
    return row.return_value


def test_fifty_messages_to_one_peer_in_one_transaction_queue_one_delivery_that_carries_them_all(
        queued, peers, monkeypatch, django_capture_on_commit_callbacks):
    fake = FlakyPeer()
    monkeypatch.setattr(transport, "post_signed", fake)
    cn, ru = peers
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for n in range(50):
            services.outbox_enqueue(peer=cn, kind="ping", payload={"n": n}, reason="test")
        services.outbox_enqueue(peer=ru, kind="ping", payload={"n": 50}, reason="test")
    assert len(callbacks) == 2  # one per peer, not one per message
    [delivery] = _waiting(cn)
    assert len(_waiting(ru)) == 1
    assert _run(_claim(delivery)) == 50
    assert fake.received == list(range(50))
    assert set(OutboxMessage.objects.filter(peer=cn).values_list("state", flat=True)) == {"delivered"}
    assert _waiting(cn) == [] and OutboxMessage.objects.filter(peer=ru, state="pending").count() == 1


def test_while_a_delivery_waits_later_commits_queue_nothing_and_one_committed_while_it_runs_queues_another(
        queued, peers, monkeypatch, django_capture_on_commit_callbacks):
    fake = FlakyPeer()
    monkeypatch.setattr(transport, "post_signed", fake)
    cn, _ru = peers
    _commit(django_capture_on_commit_callbacks, cn, [0])
    _commit(django_capture_on_commit_callbacks, cn, [1, 2])
    [first] = _waiting(cn)
    _claim(first)  # the worker took it: it may read the outbox before the next commit, so that one queues its own
    _commit(django_capture_on_commit_callbacks, cn, [3])
    [second] = _waiting(cn)
    assert (_run(first), _run(second)) == (4, 0)  # here the first read the outbox late and carried all; never fewer
    assert fake.received == [0, 1, 2, 3] and not OutboxMessage.objects.filter(state="pending").exists()
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 2


def test_a_peer_down_keeps_one_delivery_waiting_for_the_backoff_and_it_carries_what_came_meanwhile(
        queued, peers, monkeypatch, django_capture_on_commit_callbacks):
    fake = FlakyPeer(down=1)
    monkeypatch.setattr(transport, "post_signed", fake)
    cn, _ru = peers
    _commit(django_capture_on_commit_callbacks, cn, [0, 1])
    [first] = _waiting(cn)
    assert _run(_claim(first)) == 0  # the peer is down: the task schedules itself for the end of the backoff
    [retry] = _waiting(cn)
    assert retry.run_after > timezone.now()
    _commit(django_capture_on_commit_callbacks, cn, [2])
    assert _waiting(cn) == [retry]
    OutboxMessage.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))  # the backoff is over
    assert _run(_claim(retry)) == 3
    assert fake.received == [0, 1, 2] and _waiting(cn) == []


def test_a_rolled_back_part_of_a_transaction_does_not_cost_the_rest_its_delivery(queued, peers, django_capture_on_commit_callbacks):
    cn, _ru = peers
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            services.outbox_enqueue(peer=cn, kind="ping", payload={"n": 0})
            raise RuntimeError("this part failed")
        services.outbox_enqueue(peer=cn, kind="ping", payload={"n": 1})
    assert len(_waiting(cn)) == 1 and list(OutboxMessage.objects.values_list("payload", flat=True)) == [{"n": 1}]
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.outbox_enqueue(peer=cn, kind="ping", payload={"n": 2})
        raise RuntimeError("all of it failed")
    _waiting(cn)[0].delete()
    _commit(django_capture_on_commit_callbacks, cn, [3])
    assert len(_waiting(cn)) == 1
