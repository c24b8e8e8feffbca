"""Loaded by the test worker of tests/metrics/test_sharded_worker.py
(`celery worker -I tests.metrics.shard_killer`), never by the app: the first shard that
runs in the worker's pool computes and writes its rows, then its process dies (SIGKILL)
before the task is acknowledged — a worker killed mid-shard. The marker file named by
SHARD_KILL_MARKER makes it happen once."""

import os
import signal

from metrics.results import shards

MARKER = os.environ["SHARD_KILL_MARKER"]
compute_results = shards.compute_results


def compute_then_die(**kwargs):
    computed = compute_results(**kwargs)
    if not os.path.exists(MARKER):
        with open(MARKER, "w") as marker:
            marker.write(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return computed


shards.compute_results = compute_then_die
