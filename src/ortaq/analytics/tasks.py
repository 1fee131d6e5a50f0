"""Background work of the analytics app, run by `ortaq worker` (django.tasks, database queue)."""

from django.tasks import task


@task()
def refresh_aggregates() -> int:
    from .services import aggregates_refresh

    return aggregates_refresh().rows
