"""Background work of the mobility app, run by `ortaq worker` (django.tasks, database queue).

Task bodies only call services; the services enqueue these tasks once their transaction commits.
"""

from django.tasks import task

from . import round_services


@task()
def run_round(round_id: int) -> dict:
    placement_round = round_services.round_execute(round_id=round_id)
    return placement_round.stats


@task()
def notify_round_published(round_id: int, nomination_ids: list[int]) -> int:
    return round_services.round_notify(round_id=round_id, nomination_ids=nomination_ids)
