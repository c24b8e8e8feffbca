"""Factories for this app's models (kept here rather than in tests/factories.py, which
every app shares)."""

import datetime as dt

import factory

from metrics.models import ResultStatus
from problem_solving.models import Category, Cause, FiveWhy, WhyStep
from tests.factories import (
    MetricFactory,
    ResultSnapshotFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
    record_series,
)


class FiveWhyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FiveWhy

    initiative = factory.SubFactory(TriagedInitiativeFactory)
    problem = "Orders ship late."
    created_by = factory.SubFactory(UserFactory)


class WhyStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WhyStep

    chain = factory.SubFactory(FiveWhyFactory)
    position = factory.Sequence(lambda n: n % 5 + 1)
    answer = factory.Sequence(lambda n: f"Because {n}")


class CauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cause

    initiative = factory.SubFactory(TriagedInitiativeFactory)
    category = Category.METHOD
    text = factory.Sequence(lambda n: f"Cause {n}")
    created_by = factory.SubFactory(UserFactory)


def measured_approval_target(initiative):
    """The A3 tests' primary target: approval time, baseline 12.5 h, target 8 h, five
    points before the change (2 March 2026) and four after, and its result (improving,
    −3.5 h, p = 0.0004)."""
    target = TargetFactory(
        initiative=initiative,
        metric=MetricFactory(name="Approval time", unit="hours"),
        baseline_value=12.5,
        target_value=8.0,
    )
    record_series(target, first=dt.date(2026, 2, 1), values=[12, 13, 12.5, 12, 13])
    record_series(target, first=dt.date(2026, 3, 5), values=[9, 8.5, 9.5, 9])
    ResultSnapshotFactory(
        target=target,
        n_before=5,
        n_after=4,
        baseline_mean=12.5,
        current_mean=9.0,
        improvement=3.5,
        improvement_pct=28.0,
        p_value=0.0004,
        significant=True,
        status=ResultStatus.IMPROVING,
    )
    return target
