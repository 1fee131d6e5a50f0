"""The outbox: written with the change, delivered in order per peer with backoff, exactly once in effect."""

import datetime as dt
import json

import pytest
from django.db import transaction
from django.utils import timezone

from ortaq.federation import services, transport
from ortaq.federation.models import InboxMessage, OutboxMessage, Peer
from ortaq.federation.transport import Answer

pytestmark = pytest.mark.django_db


class FlakyPeer:
    """A peer that is down for the first `down` attempts, then answers as a real inbox would: it stores each
    message id once and acknowledges a redelivery without effect."""

    def __init__(self, down: int = 0) -> None:
        self.down, self.calls, self.received, self.effects = down, 0, [], []

    def __call__(self, url: str, body: bytes) -> Answer:
        self.calls += 1
        if self.calls <= self.down:
            raise services.FederationError("connection refused", code="unreachable")
        message = json.loads(body)
        self.received.append(message["payload"]["n"])
        if message["id"] not in {m for m, _ in self.effects}:
            self.effects.append((message["id"], message["payload"]["n"]))
        return Answer(status=200, body=b'{"status": "accepted"}', verified=True)


@pytest.fixture
def peer(remote):
    return services.peer_add(actor=None, url=remote.node_id)


def _enqueue(peer: Peer, count: int) -> None:
    for n in range(count):
        with transaction.atomic():
            services.outbox_enqueue(peer=peer, kind="ping", payload={"n": n}, reason="test")


def test_a_message_exists_only_if_its_transaction_commits(peer, monkeypatch):
    monkeypatch.setattr(transport, "post_signed", FlakyPeer())
    with pytest.raises(RuntimeError), transaction.atomic():
        services.outbox_enqueue(peer=peer, kind="ping", payload={"n": 0})
        raise RuntimeError("the change failed")
    assert OutboxMessage.objects.count() == 0


def test_the_worker_delivers_after_commit(peer, monkeypatch, django_capture_on_commit_callbacks):
    fake = FlakyPeer()
    monkeypatch.setattr(transport, "post_signed", fake)
    with django_capture_on_commit_callbacks(execute=True):
        services.outbox_enqueue(peer=peer, kind="ping", payload={"n": 0})
    assert fake.received == [0] and OutboxMessage.objects.get().state == "delivered"


def test_a_peer_down_then_back_receives_everything_in_order_exactly_once_in_effect(peer, monkeypatch):
    fake = FlakyPeer(down=3)
    monkeypatch.setattr(transport, "post_signed", fake)
    _enqueue(peer, 5)
    reports = [services.outbox_deliver(peer=peer, force=True) for _ in range(4)]  # three runs while it is down
    assert [r.delivered for r in reports] == [0, 0, 0, 5] and reports[-1].waiting == 0
    assert [n for _, n in fake.effects] == [0, 1, 2, 3, 4] and fake.received == [0, 1, 2, 3, 4]
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"delivered"}
    assert OutboxMessage.objects.order_by("id").first().attempts == 4


def test_a_redelivery_after_a_lost_answer_takes_effect_once(peer, monkeypatch):
    fake = FlakyPeer()
    lost = {"answers": 1}

    def answer_lost_once(url, body):
        answer = fake(url, body)
        if lost["answers"]:
            lost["answers"] -= 1
            raise services.FederationError("timed out", code="unreachable")  # delivered, but the sender never heard
        return answer

    monkeypatch.setattr(transport, "post_signed", answer_lost_once)
    _enqueue(peer, 2)
    services.outbox_deliver(peer=peer, force=True)
    services.outbox_deliver(peer=peer, force=True)
    assert fake.received == [0, 0, 1] and [n for _, n in fake.effects] == [0, 1]


def test_a_failed_attempt_backs_off_exponentially_and_holds_the_later_messages(peer, monkeypatch):
    monkeypatch.setattr(transport, "post_signed", FlakyPeer(down=100))
    _enqueue(peer, 2)
    first, second = OutboxMessage.objects.order_by("id")
    for attempt in range(1, 4):
        before = timezone.now()
        services.outbox_deliver(peer=peer, force=True)
        first.refresh_from_db()
        assert first.attempts == attempt
        assert abs((first.next_attempt_at - before) - dt.timedelta(seconds=services.BACKOFF_FIRST_SECONDS * 2 ** (attempt - 1))) < dt.timedelta(seconds=2)
    assert services.outbox_deliver(peer=peer).waiting == 2  # inside the backoff nothing is tried
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.attempts == 3 and second.attempts == 0  # the second waits behind the first: order holds
    assert "connection refused" in first.last_error
    assert services._backoff(30) == dt.timedelta(seconds=services.BACKOFF_MAX_SECONDS)


def test_a_permanent_refusal_is_recorded_and_does_not_block_the_queue(peer, monkeypatch):
    answers = iter([Answer(422, b'{"code": "unknown_kind", "detail": "no"}', True), Answer(200, b"{}", True)])
    monkeypatch.setattr(transport, "post_signed", FlakyPeer(down=100))
    _enqueue(peer, 2)
    monkeypatch.setattr(transport, "post_signed", lambda url, body: next(answers))
    services.outbox_deliver(peer=peer, force=True)
    assert list(OutboxMessage.objects.order_by("id").values_list("state", flat=True)) == ["rejected", "delivered"]


def test_an_answer_not_signed_by_the_peer_counts_as_not_delivered(peer, monkeypatch):
    monkeypatch.setattr(transport, "post_signed", lambda url, body: Answer(200, b"{}", False))
    _enqueue(peer, 1)
    services.outbox_deliver(peer=peer, force=True)
    message = OutboxMessage.objects.get()
    assert message.state == "pending" and "not signed" in message.last_error


def test_nothing_is_sent_to_a_removed_peer(peer, monkeypatch):
    fake = FlakyPeer()
    monkeypatch.setattr(transport, "post_signed", fake)
    services.peer_remove(actor=None, peer=peer)
    _enqueue(peer, 1)
    assert services.outbox_deliver(peer=peer, force=True).waiting == 1 and fake.calls == 0


def test_the_receiver_stores_each_message_id_once(remote, peer):
    body = remote.message()
    assert services.inbox_receive(peer=peer, body=body)[0] == "accepted"
    assert services.inbox_receive(peer=peer, body=body)[0] == "duplicate"
    assert InboxMessage.objects.count() == 1
