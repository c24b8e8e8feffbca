"""Two people adding a primary target to one initiative (or a target on the same metric)
at the same moment: one is created, the other refused with the message a slower second
request gets — a 400, never a 500 from the database's unique constraint.

Here the race is forced with one request on any database: a rival target is saved
between the request's full_clean() and its INSERT. Real concurrent requests on
PostgreSQL: tests/metrics/test_target_concurrency.py."""

import pytest
from django.core.exceptions import ValidationError

from improvement.models import Stage
from metrics import services
from metrics.models import Target
from tests.factories import MetricFactory, TargetFactory, TriagedInitiativeFactory

ONE_PRIMARY = "This initiative already has a primary target."


def url(initiative) -> str:
    return f"/api/initiatives/{initiative.pk}/targets/"


pytestmark = pytest.mark.django_db


def rival_saved_after_full_clean(monkeypatch, **rival):
    """Make the next full_clean() of a target be followed by another request's target,
    saved between the check and the INSERT."""
    full_clean = Target.full_clean

    def racing(target, *args, **kwargs):
        full_clean(target, *args, **kwargs)
        monkeypatch.setattr(Target, "full_clean", full_clean)
        TargetFactory(initiative=target.initiative, **rival)

    monkeypatch.setattr(Target, "full_clean", racing)


def test_it_refuses_a_primary_target_that_lost_the_race(api_as, monkeypatch):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    rival_saved_after_full_clean(monkeypatch, is_primary=True)

    response = api_as(initiative.owner).post(
        url(initiative), {"metric": MetricFactory().pk, "is_primary": True}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [ONE_PRIMARY]}
    assert Target.objects.filter(initiative=initiative).count() == 1


def test_it_refuses_a_target_on_a_metric_that_lost_the_race(api_as, monkeypatch):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    metric = MetricFactory()
    rival_saved_after_full_clean(monkeypatch, metric=metric, is_primary=False)

    response = api_as(initiative.owner).post(
        url(initiative), {"metric": metric.pk, "is_primary": False}, format="json"
    )

    assert response.status_code == 400
    assert "already exists" in response.json()["non_field_errors"][0]
    assert Target.objects.filter(initiative=initiative).count() == 1


def test_it_refuses_making_a_target_primary_when_another_just_became_it(monkeypatch):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    target = TargetFactory(initiative=initiative, is_primary=False)
    rival_saved_after_full_clean(monkeypatch, is_primary=True)

    with pytest.raises(ValidationError, match=ONE_PRIMARY):
        services.update_target(target=target, actor=initiative.owner, changes={"is_primary": True})

    target.refresh_from_db()
    assert target.is_primary is False
    assert Target.objects.filter(initiative=initiative, is_primary=True).count() == 1
