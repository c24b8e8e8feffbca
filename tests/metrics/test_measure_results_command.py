"""`manage.py measure_results`: the results job by hand, with a one-line summary."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from improvement.models import Stage
from metrics.models import ResultSnapshot, ResultStatus
from tests.factories import LiveInitiativeFactory, TargetFactory, record_series

pytestmark = pytest.mark.django_db

CHANGE = dt.date(2026, 3, 2)


def improving_target():
    """Higher is better: 10, 11, 9, 10 before (the baseline window); 12, 13, 11, 12 after
    (significant); due by the as-of date."""
    target = TargetFactory(
        initiative=LiveInitiativeFactory(),
        metric__direction="higher_is_better",
        baseline_value=10.0,  # frozen from the window below
        baseline_source="window",
        baseline_start=CHANGE - dt.timedelta(days=4),
        baseline_end=CHANGE - dt.timedelta(days=1),
        target_value=15.0,
        target_date=CHANGE,
    )
    record_series(target, first=CHANGE - dt.timedelta(days=4), values=[10, 11, 9, 10])
    record_series(target, first=CHANGE, values=[12, 13, 11, 12])
    return target


def target_without_data():
    return TargetFactory(initiative=LiveInitiativeFactory())


def run(*args) -> str:
    out = StringIO()
    call_command("measure_results", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_count_and_the_statuses():
    improving_target()
    target_without_data()

    output = run("--as-of", "2026-06-30")

    assert "2 targets computed as of 2026-06-30" in output
    assert "improving 1, no_data 1." in output
    assert ResultSnapshot.objects.filter(as_of=dt.date(2026, 6, 30)).count() == 2


def test_it_computes_one_initiative():
    target = improving_target()
    target_without_data()

    output = run("--initiative", str(target.initiative_id), "--as-of", "2026-06-30")

    assert "1 targets computed as of 2026-06-30" in output
    assert "improving 1." in output
    assert list(ResultSnapshot.objects.values_list("target", "status")) == [
        (target.pk, ResultStatus.IMPROVING)
    ]


def test_it_refuses_an_unknown_initiative():
    improving_target()

    with pytest.raises(CommandError, match="99999"):
        run("--initiative", "99999")

    assert not ResultSnapshot.objects.exists()


def test_it_refuses_a_malformed_date():
    with pytest.raises(CommandError, match="as-of"):
        run("--as-of", "30/06/2026")


def test_it_says_so_when_nothing_is_live():
    TargetFactory(initiative=LiveInitiativeFactory(stage=Stage.BACKLOG))

    output = run("--as-of", "2026-06-30")

    assert "No eligible targets" in output
    assert not ResultSnapshot.objects.exists()


def test_it_computes_todays_work_list_by_default():
    target = improving_target()
    # A result dated later than today exists (someone ran --as-of ahead of time): that run
    # computed every target, so none is on today's work list.
    later = timezone.localdate() + dt.timedelta(days=30)
    run("--as-of", later.isoformat())

    output = run()

    today = timezone.localdate()
    assert f"0 targets computed as of {today}" in output
    assert "Latest status of the 1 eligible: improving 1." in output
    assert not ResultSnapshot.objects.filter(target=target, as_of=today).exists()

    output = run("--full")

    assert f"1 targets computed as of {today}" in output
    assert ResultSnapshot.objects.filter(target=target, as_of=today).exists()
