"""The nightly results run in shards: the targets to compute split into runs of at most
`settings.RESULTS_SHARD_SIZE`, each an id range computed on its own (a Celery task,
metrics.tasks.measure_shard), so memory stays bounded by the shard whatever the size of
the programme, and any number of workers share the work. A shard reads its targets when
it runs and writes only changed rows, so running one twice — a redelivered shard of a
killed worker — gives the same rows.
"""

import datetime as dt

from django.conf import settings

from metrics.results.samples import eligible_targets


def plan(*, as_of: dt.date, full: bool, shard_size: int | None = None) -> list[tuple[int, int]]:
    """The shards of a run as of `as_of`: (first id, last id) ranges of at most
    `shard_size` targets each, over every eligible target (`full`) or the work list's."""
    size = shard_size or settings.RESULTS_SHARD_SIZE
    targets = eligible_targets(due_as_of=None if full else as_of)
    ids = list(targets.order_by("pk").values_list("pk", flat=True))
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]
