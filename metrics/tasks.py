from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=25 * 60, time_limit=30 * 60)
def measure_results(initiative_id: int | None = None, as_of: str | None = None) -> int:
    from metrics.results import compute_results

    return compute_results(initiative_id=initiative_id, as_of=as_of)
