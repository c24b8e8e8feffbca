"""PostgreSQL's fast path for the results job (metrics.results.postgresql, pgarrays)
against the portable ORM path, both run on PostgreSQL (issue 16, item 3):

- on random worlds, computing with the fast path and with the ORM path gives identical
  rows, every field, floats bit for bit;
- the hand-written binary array format, in both directions, pinned against the server
  across psycopg upgrades: every element type, NULLs, NaN, empty and long arrays;
- a full run computed in halves on two connections writes what one run writes.
"""

import datetime as dt
from unittest import mock

import numpy as np
import psycopg
import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.ledger.rollup import rollup_quarter
from metrics.models import QuarterlyResult, ResultSnapshot
from metrics.results import postgresql
from metrics.results.compute import compute_results
from metrics.results.pgarrays import binary_array, register
from tests.metrics.parity import AS_OF, QUARTERS, load_world, plain, target, worlds

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's fast path"),
]

EXAMPLES = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SKIP = {"id", "computed_at", "updated_at"}


def computed(targets, *, fast: bool, monkeypatch) -> tuple[list, list]:
    """Every result and ledger row of a run with or without the fast path."""
    ResultSnapshot.objects.all().delete()
    QuarterlyResult.objects.all().delete()
    monkeypatch.setattr(postgresql, "in_use", lambda: fast)
    for day in (AS_OF - dt.timedelta(days=60), AS_OF):
        compute_results(as_of=day)
    for year, quarter in QUARTERS:
        rollup_quarter(year=year, quarter=quarter)
    monkeypatch.undo()
    results = sorted(
        (plain(r, SKIP) for r in ResultSnapshot.objects.values()),
        key=lambda r: (r["target_id"], r["as_of"]),
    )
    ledger = sorted(
        (plain(r, SKIP) for r in QuarterlyResult.objects.values()),
        key=lambda r: (r["target_id"], r["year"], r["quarter"]),
    )
    return results, ledger


@EXAMPLES
@given(world=worlds)
def test_the_fast_path_and_the_orm_path_write_identical_rows(world, monkeypatch):
    with transaction.atomic():
        targets = load_world(world)
        fast = computed(targets, fast=True, monkeypatch=monkeypatch)
        orm = computed(targets, fast=False, monkeypatch=monkeypatch)
        transaction.set_rollback(True)

    assert fast == orm
    assert fast[0]


def rows_of_a_full_run(*, parallel: bool) -> list[dict]:
    ResultSnapshot.objects.all().delete()
    compute_results(as_of=AS_OF, parallel=parallel)
    return sorted(
        (plain(r, SKIP) for r in ResultSnapshot.objects.values()), key=lambda r: r["target_id"]
    )


# Committed, so that the other connections see it; the flush after a transactional test
# empties the data migrations' rows too, which serialized_rollback puts back.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@settings(EXAMPLES, max_examples=5)
@given(world=st.lists(target(), min_size=2, max_size=12))
def test_a_full_run_in_halves_on_two_connections_writes_what_one_run_writes(world):
    load_world(world)  # added to the earlier examples' worlds: more targets each time
    assert postgresql.may_run_in_parallel()
    with mock.patch.object(postgresql, "in_parallel", wraps=postgresql.in_parallel) as spy:
        halves = rows_of_a_full_run(parallel=True)
    assert len(spy.call_args.args[1]) == 2  # it did compute in halves

    with mock.patch.object(postgresql, "in_parallel") as spy:
        whole = rows_of_a_full_run(parallel=False)
    spy.assert_not_called()

    assert halves == whole
    assert len(whole) >= len(world)  # a row for every target (an error row included)


def test_a_run_in_a_transaction_is_not_split():
    with transaction.atomic():
        assert not postgresql.may_run_in_parallel()


def round_trip(sql: str, *params):
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        register(cursor)
        cursor.execute(sql, params, binary=True)
        return cursor.fetchone()


@pytest.mark.parametrize(
    ("element", "values"),
    [
        ("int4", [0, 1, -1, 2**31 - 1, -(2**31)]),
        ("int8", [0, 1, -1, 2**63 - 1, -(2**63)]),
        ("float8", [0.0, -0.0, 1.5, -2.25e300, 5e-324, 0.1]),
        ("int4", list(range(100_000))),
    ],
)
def test_arrays_written_by_numpy_read_back_element_for_element(element, values):
    sent = binary_array(values, element)
    # The server reads our bytes as the array psycopg's own adaptation sends.
    (same, array) = round_trip(
        f"SELECT %b::{element}[] = %s::{element}[], %b::{element}[]", sent, values, sent
    )

    assert same is True
    assert isinstance(array, np.ndarray)
    assert array.tolist() == values


def test_nan_and_marked_elements_go_as_null():
    (floats, ints, flags) = round_trip(
        "SELECT %b::float8[]::text, %b::int8[]::text, %b::bool[]::text",
        binary_array(np.array([1.0, np.nan, np.inf, 2.0]), "float8"),
        binary_array([7, 8, 9], "int8", null=[False, True, False]),
        binary_array([True, False, True], "bool", null=[False, False, True]),
    )

    assert floats == "{1,NULL,NULL,2}"
    assert ints == "{7,NULL,9}"
    assert flags == "{t,f,NULL}"


def test_empty_arrays_both_ways():
    (text, array) = round_trip(
        "SELECT %b::int8[]::text, %b::float8[]",
        binary_array([], "int8"),
        binary_array(np.empty(0), "float8"),
    )

    assert text == "{}"
    assert isinstance(array, np.ndarray)
    assert array.size == 0


def test_an_array_with_nulls_is_refused_as_numpy_rather_than_misread():
    with pytest.raises(ValueError, match="without NULLs"):
        round_trip("SELECT ARRAY[1.0, NULL]::float8[]")
