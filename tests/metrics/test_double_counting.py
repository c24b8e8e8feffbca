"""Double counting: the desk flags a ledger row when another initiative in the same area
claims a benefit on the same metric in the same quarter, both live by its end."""

import datetime as dt

import pytest

from metrics.models import QuarterlyResult
from tests.factories import AreaFactory, LedgerRowFactory, MetricFactory
from tests.metrics.desk import desk_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def area():
    return AreaFactory(name="Accounts payable")


@pytest.fixture
def metric():
    return MetricFactory(name="Invoice cycle time")


def claim(area, metric, *, quarter=1, implemented_on=dt.date(2026, 1, 5)):
    return LedgerRowFactory(
        initiative__area=area,
        initiative__implemented_on=implemented_on,
        target__metric=metric,
        quarter=quarter,
    )


def flags() -> dict[int, bool]:
    return dict(QuarterlyResult.objects.with_double_counting().values_list("pk", "double_counted"))


def test_it_flags_both_rows_of_an_overlapping_pair(area, metric):
    first = claim(area, metric)
    # Went live late in the quarter: the two claims overlap from 20 March to 31 March.
    second = claim(area, metric, implemented_on=dt.date(2026, 3, 20))

    assert flags() == {first.pk: True, second.pk: True}


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(lambda area, metric: claim(AreaFactory(), metric), id="another-area"),
        pytest.param(lambda area, metric: claim(area, MetricFactory()), id="another-metric"),
        pytest.param(lambda area, metric: claim(area, metric, quarter=2), id="another-quarter"),
        pytest.param(
            # A stale row: its change date moved past the quarter, so it claims nothing there.
            lambda area, metric: claim(area, metric, implemented_on=dt.date(2026, 4, 1)),
            id="live-only-after-the-quarter",
        ),
    ],
)
def test_it_flags_nothing_without_an_overlapping_claim(area, metric, other):
    row = claim(area, metric)
    other(area, metric)

    assert flags()[row.pk] is False
    assert not any(flags().values())


def test_it_flags_nothing_for_a_single_claim(area, metric):
    row = claim(area, metric)

    assert flags() == {row.pk: False}


def test_it_shows_the_flag_and_filters_on_it_on_the_desk(client, staff_reviewer, area, metric):
    pair = [claim(area, metric), claim(area, metric)]
    alone = claim(area, MetricFactory())
    client.force_login(staff_reviewer)

    everything = client.get(desk_url())
    flagged = client.get(desk_url(), {"double_counted": "yes"})
    clean = client.get(desk_url(), {"double_counted": "no"})

    assert everything.content.decode().count('class="double-counted"') == 2
    assert {r.pk for r in flagged.context["cl"].queryset} == {r.pk for r in pair}
    assert {r.pk for r in clean.context["cl"].queryset} == {alone.pk}
