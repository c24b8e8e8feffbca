"""A baseline window ends on or after its start: the model says so on the field, and the
services refuse it before anything is written, whichever entry point calls them."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from metrics import services
from metrics.models import Target
from tests.factories import MetricFactory, TargetFactory, TriagedInitiativeFactory

pytestmark = pytest.mark.django_db

MESSAGE = "The baseline window must end on or after its start."
FEB_1, MAR_1 = dt.date(2026, 2, 1), dt.date(2026, 3, 1)


def test_it_names_the_end_of_a_window_that_ends_before_it_starts():
    target = Target(baseline_start=MAR_1, baseline_end=FEB_1)

    with pytest.raises(ValidationError) as refused:
        target.clean()

    assert refused.value.message_dict == {"baseline_end": [MESSAGE]}


def test_it_accepts_a_window_of_one_day():
    Target(baseline_start=FEB_1, baseline_end=FEB_1).clean()


def test_it_refuses_to_create_a_target_with_a_backwards_window():
    initiative = TriagedInitiativeFactory()

    with pytest.raises(ValidationError) as refused:
        services.create_target(
            initiative=initiative,
            actor=initiative.owner,
            metric=MetricFactory(),
            baseline_start=MAR_1,
            baseline_end=FEB_1,
        )

    assert refused.value.message_dict == {"baseline_end": [MESSAGE]}
    assert not Target.objects.exists()


def test_it_refuses_to_move_the_end_before_the_saved_start():
    target = TargetFactory(baseline_start=FEB_1, baseline_end=MAR_1)

    with pytest.raises(ValidationError) as refused:
        services.update_target(
            target=target,
            actor=target.initiative.owner,
            changes={"baseline_end": dt.date(2026, 1, 15)},
        )

    assert refused.value.message_dict == {"baseline_end": [MESSAGE]}
    target.refresh_from_db()
    assert target.baseline_end == MAR_1
