"""Random targets and measurements through the production path (issue 13, item 9).

1. On the database the suite runs on (CI: SQLite and PostgreSQL), every result and
   ledger row follows its rules, and the simple cases agree with SciPy computed here from
   the raw points.
2. On PostgreSQL, the same worlds computed on SQLite — by a worker process running the
   app on an in-memory SQLite database (tests/metrics/parity.py) — give the same figures:
   every field of every result and ledger row, floats to 1e-9 relative.

Worlds mix constants, proportions with and without sample sizes, windows, typed
baselines, both, neither, due dates on either side of the as-of date, points at the
edges of the day, points after the as-of date.
"""

import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from scipy import stats as scipy_stats

from metrics.models import ResultStatus
from tests.metrics.parity import AS_OF, CHANGE, compute_world, worlds

pytestmark = pytest.mark.django_db

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def in_rolled_back_transaction(fn):
    """Run fn() in a transaction that is rolled back: each example starts empty."""
    with transaction.atomic():
        answer = fn()
        transaction.set_rollback(True)
    return answer


# --- 1. the rules, on this database ------------------------------------------------------------


def local_day(at: str) -> dt.date:
    return timezone.localdate(dt.datetime.fromisoformat(at))


def split(spec: dict) -> tuple[list, list]:
    """The before and after points of a target, from the raw points."""
    window = spec["window"] and [dt.date.fromisoformat(d) for d in spec["window"]]
    before, after = [], []
    for at, value, size in spec["points"]:
        day = local_day(at)
        if (window[0] <= day <= window[1]) if window else day < CHANGE:
            before.append((value, size))
        if CHANGE <= day <= AS_OF:
            after.append((value, size))
    return before, after


def varies(points) -> bool:
    return len({v for v, _ in points}) > 1


def check_result(spec: dict, result: dict) -> None:
    before, after = split(spec)
    assert (result["n_before"], result["n_after"]) == (len(before), len(after))
    if not after:
        assert result["status"] == ResultStatus.NO_DATA
        return
    due = spec["target_date"] and dt.date.fromisoformat(spec["target_date"])
    interim = due is not None and due > AS_OF
    assert (result["interim"], result["alpha"]) == (interim, 0.001 if interim else 0.05)
    p = result["p_value"]
    if p is None:
        assert result["status"] == ResultStatus.INSUFFICIENT_DATA
        assert result["significant"] is None and result["improvement_low"] is None
        return
    assert 0 <= p <= 1
    assert result["significant"] == (p < result["alpha"])
    low, high, improvement = (
        result[k] for k in ("improvement_low", "improvement_high", "improvement")
    )
    slack = 1e-9 * max(1.0, abs(improvement))
    assert low - slack <= improvement <= high + slack
    expected_status = (
        ResultStatus.AT_RISK
        if not result["significant"]
        else ResultStatus.REGRESSED
        if improvement < 0
        else ResultStatus.ACHIEVED
        if (result["progress_pct"] or 0) >= 100
        else ResultStatus.IMPROVING
    )
    assert result["status"] == expected_status
    values_after = [v for v, _ in after]
    # The simple cases against SciPy from the raw points: too few points for r₁ to count.
    if spec["chart_kind"] == "individuals" and len(after) < 10 and varies(after):
        if spec["window"] is None and spec["baseline"] is not None:
            expected = scipy_stats.ttest_1samp(values_after, spec["baseline"]).pvalue
            assert p == pytest.approx(expected, rel=1e-9, abs=1e-12)
        elif 2 <= len(before) < 10 and varies(before):
            expected = scipy_stats.ttest_ind(
                values_after, [v for v, _ in before], equal_var=False
            ).pvalue
            assert p == pytest.approx(expected, rel=1e-9, abs=1e-12)
    # A world sizes every point of a proportion target or none, and types only a
    # proportion as its baseline: so the after figure is the pooled proportion.
    if spec["chart_kind"] == "proportion" and all(s is not None for _, s in after):
        sizes = np.array([s for _, s in after], dtype=float)
        pooled = float(np.sum(np.array(values_after) * sizes) / sizes.sum())
        assert result["current_mean"] == pytest.approx(pooled, rel=1e-12)
    equal_constants = len(before) >= 2 and len(after) >= 2 and not varies(before + after)
    if equal_constants and spec["window"] and spec["chart_kind"] == "individuals":
        assert (p, result["improvement"]) == (1.0, 0.0)  # no change, exactly


@EXAMPLES
@given(world=worlds)
def test_results_and_ledger_rows_follow_their_rules(world):
    figures = in_rolled_back_transaction(lambda: compute_world(world))

    for spec, result in zip(world, figures["results"], strict=True):
        check_result(spec, result)
    for row in figures["ledger"].values():
        assert row["computed_benefit"] is None or row["unproven_benefit"] is None
        if row["computed_benefit"] is not None:
            assert row["significant"] is True
        if row["unproven_benefit"] is not None:
            assert row["significant"] is not True


# --- 2. SQLite and PostgreSQL agree -------------------------------------------------------------


def same(a, b, path="") -> None:
    """a and b equal, floats to 1e-9 relative (1e-12 absolute near zero)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.fixture(scope="module")
def sqlite_worker():
    """The app on SQLite in another process, answering worlds (tests/metrics/parity.py)."""
    env = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["DATABASE_URL"] = "sqlite:///:memory:"
    env["TIME_ZONE"] = django_settings.TIME_ZONE
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.metrics.parity"],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert json.loads(worker.stdout.readline()) == {"ready": True}

        def ask(world):
            worker.stdin.write(json.dumps(world) + "\n")
            worker.stdin.flush()
            return json.loads(worker.stdout.readline())

        yield ask
    finally:
        worker.stdin.close()
        worker.wait(timeout=30)


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="compares PostgreSQL's fast path with SQLite: needs DATABASE_URL=postgres://…",
)
@EXAMPLES
@given(world=worlds)
def test_sqlite_and_postgresql_give_the_same_figures(world, sqlite_worker):
    on_postgresql = in_rolled_back_transaction(lambda: compute_world(world))

    on_sqlite = sqlite_worker(world)

    same(on_sqlite, on_postgresql)
