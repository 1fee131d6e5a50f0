"""Background work of the mobility app, run by `ortaq worker` (django.tasks, database queue).

Task bodies only call services; the services enqueue these tasks once their transaction commits. The services
import this module at the top; a body imports the services it calls only when it runs, so the modules do
not import each other (docs/decisions/0007-app-boundaries.md).
"""

from django.tasks import task


@task()
def run_round(round_id: int) -> dict:
    from . import round_services

    placement_round = round_services.round_execute(round_id=round_id)
    return placement_round.stats


@task()
def notify_round_published(round_id: int, nomination_ids: list[int]) -> int:
    from . import round_services

    return round_services.round_notify(round_id=round_id, nomination_ids=nomination_ids)
