"""The backsliding watch: a control-chart signal for the worse on a recently completed
initiative alerts its owner exactly once, in the app and by email."""

import datetime as dt

import pytest
from django.utils import timezone

from improvement.models import Methodology, Notification, NotificationKind, Stage
from metrics.models import ChartKind, Direction, SignalAlert
from metrics.results.compute import compute_results
from metrics.results.sustainment import watch
from metrics.tasks import sustainment_watch
from tests.factories import LiveInitiativeFactory, TargetFactory, record_series

pytestmark = pytest.mark.django_db

CHANGE = dt.date(2026, 3, 2)
AS_OF = dt.date(2026, 6, 30)
# Limits from the first five points after the change: centre 11.6, MR̄ 1.5, UCL ≈ 15.59.
LIMIT_POINTS = [10, 12, 11, 13, 12]
SIGNAL_AT = dt.datetime(2026, 3, 8, 12, tzinfo=dt.UTC)  # the 7th point: 30, beyond 3σ


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


@pytest.fixture(autouse=True)
def five_limit_points(settings):
    settings.CONTROL_LIMIT_POINTS = 5


@pytest.fixture
def completed_target():
    """The primary target (lower is better) of an initiative completed ten days ago, whose
    post-change series is in control for five points, then 11, then 30: a rule 1 signal,
    for the worse."""
    initiative = LiveInitiativeFactory(
        stage=Stage.COMPLETED,
        methodology=Methodology.DMAIC,
        stage_entered_at=timezone.now() - dt.timedelta(days=10),
    )
    target = TargetFactory(
        initiative=initiative,
        metric__direction=Direction.LOWER_IS_BETTER,
        baseline_value=15.0,
        target_value=10.0,
    )
    record_series(target, first=CHANGE, values=[*LIMIT_POINTS, 11, 30])
    return target


def test_it_alerts_the_owner_of_a_signal(completed_target):
    compute_results(as_of=AS_OF)

    sent = watch()

    assert sent == 1
    alert = SignalAlert.objects.get()
    assert (alert.target, alert.observed_at, alert.value, alert.rule) == (
        completed_target,
        SIGNAL_AT,
        30.0,
        1,
    )
    notification = Notification.objects.get()
    assert notification.kind == NotificationKind.SIGNAL
    assert notification.recipient == completed_target.initiative.owner
    assert notification.initiative == completed_target.initiative
    assert "2026-03-08" in notification.message
    assert "rule 1" in notification.message


def test_it_emails_the_alert_to_the_owner(
    completed_target, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    compute_results(as_of=AS_OF)

    with django_capture_on_commit_callbacks(execute=True):
        sent = watch()

    assert sent == 1
    assert [mail.to for mail in mailoutbox] == [[completed_target.initiative.owner.email]]
    assert mailoutbox[0].subject == f"[Improvement] {completed_target.initiative.title}"
    assert Notification.objects.get().emailed_at is not None


def test_it_does_not_alert_a_signal_twice(completed_target):
    compute_results(as_of=AS_OF)
    watch()

    sent = watch()

    assert sent == 0
    assert SignalAlert.objects.count() == 1
    assert Notification.objects.count() == 1


def test_it_does_not_alert_again_after_a_recompute(completed_target):
    compute_results(as_of=AS_OF)
    watch()
    compute_results(as_of=AS_OF + dt.timedelta(days=1))

    sent = watch()

    assert sent == 0
    assert SignalAlert.objects.count() == 1


def test_it_alerts_a_later_signal_once_more(completed_target):
    compute_results(as_of=AS_OF)
    watch()
    # Back in control for two points, then another point far beyond the UCL.
    record_series(completed_target, first=dt.date(2026, 3, 9), values=[11, 12, 31])
    compute_results(as_of=AS_OF)

    sent = watch()

    assert sent == 1
    assert list(
        SignalAlert.objects.order_by("observed_at").values_list("observed_at", "value")
    ) == [
        (SIGNAL_AT, 30.0),
        (noon(dt.date(2026, 3, 11)), 31.0),
    ]
    assert Notification.objects.filter(kind=NotificationKind.SIGNAL).count() == 2


def test_it_ignores_initiatives_completed_longer_ago_than_sustain_days(completed_target, settings):
    settings.SUSTAIN_DAYS = 5  # completed ten days ago
    compute_results(as_of=AS_OF)

    sent = watch()

    assert sent == 0
    assert not SignalAlert.objects.exists()
    assert not Notification.objects.exists()


def test_it_does_not_alert_a_shift_for_the_better(completed_target):
    # The same jump to 30, on a metric where higher is better, is no backsliding.
    completed_target.metric.direction = Direction.HIGHER_IS_BETTER
    completed_target.metric.save(update_fields=["direction"])
    compute_results(as_of=AS_OF)

    sent = watch()

    assert sent == 0
    assert not SignalAlert.objects.exists()
    assert not Notification.objects.exists()


def test_it_ignores_initiatives_not_yet_completed(completed_target):
    # Still in control: the chart shows the signal, the watch starts at completion.
    completed_target.initiative.stage = Stage.CONTROL
    completed_target.initiative.save(update_fields=["stage"])
    compute_results(as_of=AS_OF)

    sent = watch()

    assert sent == 0
    assert not SignalAlert.objects.exists()


def test_it_runs_as_the_nightly_task(completed_target, celery_eager):
    compute_results(as_of=AS_OF)

    sent = sustainment_watch.delay().get()

    assert sent == 1
    assert SignalAlert.objects.count() == 1


# --- the same phase limits and rules as the stored chart --------------------------------------


def completed_initiative_target(**metric):
    """The primary target (lower is better, unless `metric` says otherwise) of an
    initiative completed ten days ago, with a typed baseline and no measurement yet."""
    initiative = LiveInitiativeFactory(
        stage=Stage.COMPLETED,
        methodology=Methodology.DMAIC,
        stage_entered_at=timezone.now() - dt.timedelta(days=10),
    )
    return TargetFactory(
        initiative=initiative,
        metric__direction=Direction.LOWER_IS_BETTER,
        **{f"metric__{name}": value for name, value in metric.items()},
        baseline_value=15.0,
        target_value=10.0,
    )


def alerts() -> list[tuple[dt.datetime, float, int]]:
    return list(
        SignalAlert.objects.order_by("observed_at").values_list("observed_at", "value", "rule")
    )


def test_it_alerts_a_spike_among_the_limit_points():
    """Limit points 10, 10, 10, 10, 20: centre 12, MR̄ = 10 / 4 = 2.5, σ = 2.216312,
    UCL = 18.648936 — the 5th point, 20 (6 March), is beyond the limits it is part of
    (rule 1, as qcc and Minitab check every point), and for the worse."""
    target = completed_initiative_target()
    record_series(target, first=CHANGE, values=[10, 10, 10, 10, 20, 10, 10])
    compute_results(as_of=AS_OF)

    sent = watch()

    assert sent == 1
    assert alerts() == [(noon(dt.date(2026, 3, 6)), 20.0, 1)]


def test_it_alerts_a_defective_on_a_zero_defect_process():
    """Five samples of 50 without a defective: p̄ = 0, limits 0 to 0 (qcc ``limits.p``);
    one defective in 50 (0.02, 8 March) is above UCL 0: rule 1, for the worse."""
    target = completed_initiative_target(chart_kind=ChartKind.PROPORTION)
    record_series(target, first=CHANGE, values=[0.0] * 6 + [0.02], sample_size=50)
    compute_results(as_of=AS_OF)

    sent = watch()

    assert sent == 1
    assert alerts() == [(noon(dt.date(2026, 3, 8)), 0.02, 1)]


def test_it_alerts_a_point_beyond_its_own_p_chart_limit():
    """Limit points 10 % of 100, 900, 400, 100, 500: p̄ = 0.1, summary UCL at n̄ = 400 is
    0.145. 126/900 = 0.14 (7 March) is below that but above its own UCL
    0.1 + 3√(0.09/900) = 0.13 (Montgomery §7.2.2): a signal, for the worse."""
    target = completed_initiative_target(chart_kind=ChartKind.PROPORTION)
    values = [0.1, 0.1, 0.1, 0.1, 0.1, 0.14]
    sizes = [100, 900, 400, 100, 500, 900]
    for i, (value, size) in enumerate(zip(values, sizes, strict=True)):
        record_series(target, first=CHANGE + dt.timedelta(days=i), values=[value], sample_size=size)
    compute_results(as_of=AS_OF)

    sent = watch()

    assert sent == 1
    assert alerts() == [(noon(dt.date(2026, 3, 7)), 0.14, 1)]


def test_it_does_not_alert_a_signal_of_the_baseline_phase():
    """Before the change 16 × 9, 30: its own centre 17.4, MR̄ 14/9, UCL 21.537 — 30 is a
    signal of the baseline phase (stored under "baseline"), the old process: no alert.
    After the change the series is in control."""
    target = completed_initiative_target()
    record_series(target, first=CHANGE - dt.timedelta(days=10), values=[16] * 9 + [30])
    record_series(target, first=CHANGE, values=[*LIMIT_POINTS, 11, 12])
    compute_results(as_of=AS_OF)
    control = target.results.get().control
    assert [s["value"] for s in control["baseline"]["signals"]] == [30.0]
    assert control["signals"] == []

    sent = watch()

    assert sent == 0
    assert not SignalAlert.objects.exists()
