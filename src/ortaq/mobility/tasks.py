"""Background work of the mobility app, run by `ortaq worker` (django.tasks, database queue)."""

from django.tasks import task


@task()
def run_round(round_id: int) -> dict:
    from .rounds import round_execute

    placement_round = round_execute(round_id)
    return placement_round.stats


@task()
def notify_round_published(round_id: int, nomination_ids: list[int]) -> int:
    from .rounds import round_notify

    return round_notify(round_id, nomination_ids)
