"""Worker bodies of the federation: deliver a peer's outbox; on failure the task schedules itself again for
the moment the backoff ends, so a peer that comes back is caught up without anyone acting."""

from django.tasks import task


@task()
def deliver_to_peer(peer_id: int) -> int:
    from .selectors import active_peers
    from .services import outbox_deliver

    peer = active_peers().filter(pk=peer_id).first()
    if peer is None:
        return 0
    report = outbox_deliver(peer=peer)
    if report.retry_at is not None:
        deliver_to_peer.using(run_after=report.retry_at).enqueue(peer_id)
    return report.delivered
