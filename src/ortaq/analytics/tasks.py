"""Background work of the analytics app, run by `ortaq worker` (django.tasks, database queue)."""

from django.tasks import task


@task()
def refresh_aggregates(refresh_id: int | None = None) -> int:
    from .services import aggregates_refresh

    return aggregates_refresh(refresh_id=refresh_id).rows
