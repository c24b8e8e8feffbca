"""Frozen evidence stays frozen, and honest mistakes can be corrected on the record
(issue 12, items 3, 4 and 6; issue 13's input refusals). Each case is driven through the
API, where it was seen; the services behind it are those of every other path."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from improvement import workflow
from improvement.models import Methodology, Stage
from metrics.models import BaselineSource, ChartKind, Measurement, Target
from tests.factories import (
    LiveInitiativeFactory,
    MeasurementFactory,
    MetricFactory,
    QuarterCloseFactory,
    ReviewerFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

CHANGE = dt.date(2026, 3, 2)
JANUARY = {"baseline_start": dt.date(2026, 1, 1), "baseline_end": dt.date(2026, 1, 31)}


@pytest.fixture
def frozen(db) -> Target:
    """Live since 2 March, its baseline frozen from twelve January points (mean 10)."""
    initiative = LiveInitiativeFactory(implemented_on=CHANGE)
    target = TargetFactory(
        initiative=initiative,
        baseline_value=10.0,
        baseline_source=BaselineSource.WINDOW,
        baseline_n=12,
        frozen_at=timezone.now(),
        target_value=8.0,
        value_per_unit=Decimal("100"),
        **JANUARY,
    )
    for day in range(12):
        MeasurementFactory(
            target=target, observed_at=dt.datetime(2026, 1, 2 + day, 9, tzinfo=dt.UTC), value=10
        )
    return target


def point(target, day: str, value=9.0, **extra) -> dict:
    return {"target": target.pk, "observed_at": f"{day}T09:00:00Z", "value": value, **extra}


# --- measurements into frozen evidence ----------------------------------------------------


def test_an_owner_cannot_backdate_measurements_into_the_frozen_window(api_as, frozen):
    response = api_as(frozen.initiative.owner).post(
        "/api/measurements/", [point(frozen, "2026-01-20", 1.0)], format="json"
    )

    assert response.status_code == 400
    assert "frozen baseline window" in response.json()["0"]["observed_at"][0]
    assert frozen.measurements.count() == 12


def test_an_owner_cannot_add_points_before_the_change_once_frozen(api_as, db):
    target = TargetFactory(
        initiative=LiveInitiativeFactory(implemented_on=CHANGE),
        baseline_value=10.0,
        baseline_source=BaselineSource.MANUAL,
        frozen_at=timezone.now(),
    )

    response = api_as(target.initiative.owner).post(
        "/api/measurements/", point(target, "2026-02-20"), format="json"
    )

    assert response.status_code == 400
    assert "before the change went live" in response.json()["observed_at"][0]
    assert not target.measurements.exists()


def test_a_measurement_after_the_change_is_recorded_as_usual(api_as, frozen):
    response = api_as(frozen.initiative.owner).post(
        "/api/measurements/", point(frozen, "2026-03-10"), format="json"
    )

    assert response.status_code == 201
    added = frozen.measurements.get(value=9.0)
    # No history row per recorded point: the row says who recorded it and when; its
    # first version is written when it is first corrected or deleted.
    assert (added.recorded_by, added.audit.exists()) == (frozen.initiative.owner, False)


def test_a_measurement_in_the_future_is_refused(api_as, frozen):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = api_as(frozen.initiative.owner).post(
        "/api/measurements/", point(frozen, tomorrow.isoformat()), format="json"
    )

    assert response.status_code == 400
    assert "in the future" in response.json()["observed_at"][0]


def test_a_percentage_typed_into_a_proportion_names_the_value_and_the_unit(api_as, db):
    metric = MetricFactory(name="Scrap share", unit="share", chart_kind=ChartKind.PROPORTION)
    target = TargetFactory(metric=metric, baseline_value=0.2, target_value=0.1)

    response = api_as(target.initiative.owner).post(
        "/api/measurements/", point(target, "2026-03-10", 12), format="json"
    )

    assert response.status_code == 400
    message = response.json()["value"][0]
    assert "12 is not a proportion" in message and "Scrap share (share)" in message


# --- the frozen target -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("metric", "other"),
        ("is_primary", False),
        ("target_value", 9.0),
        ("value_per_unit", "1000000"),
    ],
)
def test_an_owner_cannot_change_the_frozen_evidence(api_as, frozen, field, value):
    if value == "other":
        value = MetricFactory(direction="higher_is_better").pk
    before = Target.objects.values().get(pk=frozen.pk)

    response = api_as(frozen.initiative.owner).patch(
        f"/api/targets/{frozen.pk}/", {field: value}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert Target.objects.values().get(pk=frozen.pk) == before


def test_a_reviewer_corrects_frozen_evidence_with_a_reason_on_the_record(api_as, frozen):
    reviewer = ReviewerFactory()

    without = api_as(reviewer).patch(f"/api/targets/{frozen.pk}/", {"target_value": 7.5})
    response = api_as(reviewer).patch(
        f"/api/targets/{frozen.pk}/",
        {"target_value": 7.5, "reason": "The charter says 7.5."},
        format="json",
    )

    assert without.status_code == 400 and list(without.json()) == ["reason"]
    assert response.status_code == 200
    frozen.refresh_from_db()
    assert frozen.target_value == 7.5
    change = frozen.audit.latest()
    assert (change.history_user, change.history_change_reason) == (
        reviewer,
        "The charter says 7.5.",
    )
    assert change.diff_against(change.prev_record).changes[0].old == 8.0


def test_a_reviewer_moving_the_window_freezes_the_baseline_again_from_its_data(api_as, frozen):
    reviewer = ReviewerFactory()
    frozen.measurements.filter(observed_at__day__gt=7).update(value=4.0)  # 2–7 Jan stay 10

    response = api_as(reviewer).patch(
        f"/api/targets/{frozen.pk}/",
        {"baseline_end": "2026-01-07", "target_value": 8.0, "reason": "Only the first week."},
        format="json",
    )

    assert response.status_code == 200, response.json()
    frozen.refresh_from_db()
    assert (frozen.baseline_value, frozen.baseline_n) == (10.0, 6)
    assert frozen.is_frozen


def test_an_unmarked_primary_cannot_be_replaced_by_an_unfrozen_one(api_as, frozen):
    owner = frozen.initiative.owner

    unmark = api_as(owner).patch(f"/api/targets/{frozen.pk}/", {"is_primary": False})
    add = api_as(owner).post(
        f"/api/initiatives/{frozen.initiative_id}/targets/",
        {"metric": MetricFactory().pk, "is_primary": True, "baseline_value": -500},
        format="json",
    )

    assert unmark.status_code == 400
    assert add.status_code == 400
    assert frozen.initiative.targets.count() == 1


def test_a_target_added_after_the_freeze_point_is_frozen_when_created(api_as, frozen):
    response = api_as(frozen.initiative.owner).post(
        f"/api/initiatives/{frozen.initiative_id}/targets/",
        {"metric": MetricFactory().pk, "baseline_value": 5.0, "target_value": 4.0},
        format="json",
    )
    without_baseline = api_as(frozen.initiative.owner).post(
        f"/api/initiatives/{frozen.initiative_id}/targets/",
        {"metric": MetricFactory().pk, "target_value": 4.0},
        format="json",
    )

    assert response.status_code == 201
    added = Target.objects.get(pk=response.json()["id"])
    assert added.is_frozen and added.baseline_source == BaselineSource.MANUAL
    assert added.frozen_by == frozen.initiative.owner
    assert without_baseline.status_code == 400
    assert "already frozen" in without_baseline.json()["baseline_value"][0]


def test_the_plan_to_do_gate_needs_a_target_with_a_baseline(db):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, methodology=Methodology.PDCA)

    with pytest.raises(workflow.MoveRefused) as refused:
        workflow.move(initiative=initiative, to=Stage.DO, actor=initiative.owner)

    assert [u.code for u in refused.value.unmet] == ["targets_missing"]


# --- one baseline source, a real target, a clean window --------------------------------------


def test_both_baseline_sources_at_once_are_refused(api_as, db):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)

    response = api_as(initiative.owner).post(
        f"/api/initiatives/{initiative.pk}/targets/",
        {
            "metric": MetricFactory().pk,
            "baseline_value": 10,
            "baseline_start": "2026-01-01",
            "baseline_end": "2026-01-31",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "Choose one baseline" in response.json()["baseline_value"][0]
    assert not Target.objects.exists()


def test_a_target_on_the_worsening_side_is_refused(api_as, db):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    lower = MetricFactory(name="Cycle time", direction="lower_is_better")

    response = api_as(initiative.owner).post(
        f"/api/initiatives/{initiative.pk}/targets/",
        {"metric": lower.pk, "baseline_value": 10, "target_value": 12},
        format="json",
    )

    assert response.status_code == 400
    assert "below the baseline (10)" in response.json()["target_value"][0]


def test_a_window_reaching_the_change_date_is_refused_both_ways(api_as, db):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, implemented_on=dt.date(2026, 1, 20))
    window = api_as(initiative.owner).post(
        f"/api/initiatives/{initiative.pk}/targets/",
        {"metric": MetricFactory().pk, **{k: v.isoformat() for k, v in JANUARY.items()}},
        format="json",
    )
    later = TriagedInitiativeFactory(stage=Stage.PLAN)
    TargetFactory(initiative=later, **JANUARY)
    moved = api_as(later.owner).patch(
        f"/api/initiatives/{later.pk}/", {"implemented_on": "2026-01-15"}, format="json"
    )

    assert window.status_code == 400
    assert "must end before the change went live" in window.json()["baseline_end"][0]
    assert moved.status_code == 400
    assert "reaches 2026-01-15" in moved.json()["implemented_on"][0]
    later.refresh_from_db()
    assert later.implemented_on is None


# --- the initiative's gate-checked fields -------------------------------------------------


@pytest.mark.parametrize("field", ["implemented_on", "control_plan", "decision_note"])
def test_a_completed_initiative_is_read_only_to_its_owner(api_as, db, field):
    initiative = LiveInitiativeFactory(stage=Stage.COMPLETED, control_plan="x", decision_note="y")
    value = "2026-04-01" if field == "implemented_on" else "rewritten"

    response = api_as(initiative.owner).patch(
        f"/api/initiatives/{initiative.pk}/", {field: value}, format="json"
    )

    assert response.status_code == 403
    initiative.refresh_from_db()
    assert str(getattr(initiative, field)) != value


def test_a_reviewer_corrects_a_passed_gates_field_only_with_a_reason(api_as, db):
    initiative = LiveInitiativeFactory(stage=Stage.COMPLETED)
    reviewer = ReviewerFactory()
    client = api_as(reviewer)

    refused = client.patch(f"/api/initiatives/{initiative.pk}/", {"implemented_on": "2026-03-09"})
    done = client.patch(
        f"/api/initiatives/{initiative.pk}/",
        {"implemented_on": "2026-03-09", "reason": "Rolled out a week late."},
        format="json",
    )

    assert refused.status_code == 400 and "implemented_on" in refused.json()
    assert done.status_code == 200
    change = initiative.audit.latest()
    assert change.history_change_reason == "Rolled out a week late."


def test_a_reviewer_cannot_leave_an_active_initiative_without_an_owner(api_as, db):
    initiative = LiveInitiativeFactory()

    response = api_as(ReviewerFactory()).patch(
        f"/api/initiatives/{initiative.pk}/", {"owner": None}, format="json"
    )

    assert response.status_code == 400
    assert "always has an owner" in response.json()["owner"][0]
    initiative.refresh_from_db()
    assert initiative.owner is not None


def test_the_methodology_is_fixed_once_work_started_even_on_hold(db):
    from django.core.exceptions import ValidationError

    from improvement import services

    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, methodology=Methodology.PDCA)
    workflow.move(initiative=initiative, to=Stage.ON_HOLD, actor=initiative.owner)
    initiative.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        services.update_initiative(
            initiative=initiative, actor=ReviewerFactory(), changes={"methodology": "dmaic"}
        )

    assert "fixed once work has started" in str(refused.value)
    initiative.refresh_from_db()
    assert initiative.methodology == Methodology.PDCA


# --- measurement corrections -------------------------------------------------------------


def test_an_owner_corrects_a_measurement_with_a_reason_in_its_history(api_as, frozen):
    measurement = MeasurementFactory(
        target=frozen, observed_at=dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), value=90
    )
    client = api_as(frozen.initiative.owner)

    without = client.patch(f"/api/measurements/{measurement.pk}/", {"value": 9}, format="json")
    response = client.patch(
        f"/api/measurements/{measurement.pk}/",
        {"value": 9, "reason": "Typo: 90 for 9."},
        format="json",
    )

    assert without.status_code == 400 and "reason" in without.json()
    assert response.status_code == 200
    measurement.refresh_from_db()
    assert measurement.value == 9
    change = measurement.audit.latest()
    assert (change.history_type, change.history_change_reason) == ("~", "Typo: 90 for 9.")


def test_an_owner_deletes_a_test_value_and_it_stays_in_the_history(api_as, frozen):
    measurement = MeasurementFactory(
        target=frozen, observed_at=dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), value=90
    )

    response = api_as(frozen.initiative.owner).delete(
        f"/api/measurements/{measurement.pk}/?reason=A+test+value"
    )

    assert response.status_code == 204
    assert not Measurement.objects.filter(pk=measurement.pk).exists()
    gone = Measurement.audit.filter(id=measurement.pk).latest()
    assert (gone.history_type, gone.history_change_reason) == ("-", "A test value")


def test_an_owner_cannot_correct_a_frozen_baseline_point(api_as, frozen):
    measurement = frozen.measurements.first()

    response = api_as(frozen.initiative.owner).patch(
        f"/api/measurements/{measurement.pk}/", {"value": 1, "reason": "x"}, format="json"
    )

    assert response.status_code == 400
    assert "frozen baseline window" in response.json()["observed_at"][0]


def test_a_reviewer_correcting_a_baseline_point_freezes_the_baseline_again(api_as, frozen):
    measurement = frozen.measurements.first()

    response = api_as(ReviewerFactory()).patch(
        f"/api/measurements/{measurement.pk}/",
        {"value": 22, "reason": "Transcription error."},
        format="json",
    )

    assert response.status_code == 200
    frozen.refresh_from_db()
    assert frozen.baseline_value == pytest.approx((11 * 10 + 22) / 12)
    assert frozen.baseline_n == 12


def test_nobody_corrects_a_closed_quarters_measurement(api_as, frozen):
    QuarterCloseFactory(year=2026, quarter=1, closed_by=UserFactory())
    measurement = MeasurementFactory(
        target=frozen, observed_at=dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), value=9
    )

    response = api_as(ReviewerFactory()).delete(
        f"/api/measurements/{measurement.pk}/", {"reason": "x"}, format="json"
    )

    assert response.status_code == 400
    assert "2026 Q1 is closed" in response.json()["observed_at"][0]
    assert Measurement.objects.filter(pk=measurement.pk).exists()


def test_a_stranger_cannot_correct_or_delete(api_as, frozen):
    measurement = frozen.measurements.first()
    stranger = api_as(UserFactory())

    assert stranger.patch(f"/api/measurements/{measurement.pk}/", {"value": 1}).status_code == 403
    assert stranger.delete(f"/api/measurements/{measurement.pk}/?reason=x").status_code == 403
    assert stranger.delete(f"/api/targets/{frozen.pk}/?reason=x").status_code == 403
    assert Measurement.objects.filter(pk=measurement.pk).exists()


def test_an_owner_deletes_an_open_target_but_not_a_frozen_one(api_as, frozen):
    draft = TargetFactory(initiative=frozen.initiative, is_primary=False)
    owner = api_as(frozen.initiative.owner)

    assert owner.delete(f"/api/targets/{draft.pk}/").status_code == 204
    assert owner.delete(f"/api/targets/{frozen.pk}/?reason=x").status_code == 403
    assert list(frozen.initiative.targets.all()) == [frozen]
    assert Target.audit.filter(id=draft.pk, history_type="-").exists()


@pytest.mark.parametrize("reason", ["bad\x00reason", "x" * 5001])
def test_a_reason_the_database_cannot_keep_is_refused_on_every_path(api_as, frozen, reason):
    """Found by the schema fuzzer: a NUL in a DELETE's ?reason= reached PostgreSQL (500)."""
    draft = TargetFactory(initiative=frozen.initiative, is_primary=False)
    measurement = MeasurementFactory(
        target=frozen, observed_at=dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), value=9
    )
    owner = api_as(frozen.initiative.owner)

    deleted = owner.delete(f"/api/targets/{draft.pk}/", {"reason": reason}, format="json")
    corrected = owner.patch(
        f"/api/measurements/{measurement.pk}/", {"value": 8, "reason": reason}, format="json"
    )

    assert deleted.status_code == 400 and "reason" in deleted.json()
    assert corrected.status_code == 400 and "reason" in corrected.json()
    assert Target.objects.filter(pk=draft.pk).exists()
    measurement.refresh_from_db()
    assert measurement.value == 9
