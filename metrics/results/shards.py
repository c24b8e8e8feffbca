"""The nightly results run in shards: the targets to compute split into runs of at most
`settings.RESULTS_SHARD_SIZE`, each computed on its own (a Celery task,
metrics.tasks.measure_shard), so memory stays bounded by the shard whatever the size of
the programme, and any number of workers share the work. A shard writes only changed
rows, so running one twice — a redelivered shard of a killed worker — gives the same
rows.
"""

import datetime as dt
from typing import NamedTuple

from django.conf import settings

from metrics.results.compute import compute_results
from metrics.results.samples import eligible_targets


class Shard(NamedTuple):
    """The targets with ids first..last (both included): every eligible one in a full run;
    in an incremental run exactly `ids`, the work list's as planned — read once here
    rather than again by every shard, since the list is the night's changes and the
    range around them may be most of the programme."""

    first: int
    last: int
    ids: list[int] | None = None


def plan(*, as_of: dt.date, full: bool, shard_size: int | None = None) -> list[Shard]:
    """The shards of a run as of `as_of`, of at most `shard_size` targets each."""
    size = shard_size or settings.RESULTS_SHARD_SIZE
    targets = eligible_targets(due_as_of=None if full else as_of)
    ids = list(targets.order_by("pk").values_list("pk", flat=True))
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
    return [Shard(chunk[0], chunk[-1], None if full else chunk) for chunk in chunks]


def compute_shard(shard: Shard, *, as_of: dt.date | str, full: bool, parallel: bool = True) -> int:
    """Compute one shard; returns the number of targets computed. A Celery worker's shard
    is computed on one connection (`parallel=False`): there the workers are the
    parallelism."""
    if shard.ids is not None:
        return compute_results(target_ids=shard.ids, as_of=as_of)
    return compute_results(
        id_range=(shard.first, shard.last), as_of=as_of, full=full, parallel=parallel
    )
