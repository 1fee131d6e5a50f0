from django.tasks import task


@task()
def run_batch(batch_id: int) -> int:
    from .services import batch_run

    return batch_run(batch_id).done
