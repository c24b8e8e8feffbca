"""The demo data's A3: a DMAIC initiative with a 5-why and a fishbone, seeded once."""

import datetime as dt

import pytest
from django.conf import settings

from improvement.demo import seed_demo
from improvement.models import Initiative, Methodology
from problem_solving import demo
from problem_solving.models import Cause, FiveWhy, WhyStep

pytestmark = pytest.mark.django_db


def test_it_is_named_in_the_seeders():
    assert "problem_solving.demo.seed" in settings.DEMO_SEEDERS


def test_it_seeds_an_a3_ready_initiative_once(web_as):
    report = seed_demo(anchor=dt.date(2026, 6, 30))
    initiative = Initiative.objects.get(title=demo.TITLE)

    assert initiative.methodology == Methodology.DMAIC
    assert initiative.control_plan and initiative.targets.exists()
    assert initiative.five_whys.count() == 1
    assert WhyStep.objects.filter(chain__initiative=initiative, verified=True).count() == 1
    assert initiative.causes.count() == len(demo.CAUSES)
    assert 0 < initiative.causes.filter(verified=True).count() < len(demo.CAUSES)
    assert {c.category for c in initiative.causes.all()} == set(Cause.Category.values)
    assert report.created["5-why chains"] == 1 and report.totals["causes"] == len(demo.CAUSES)

    again = seed_demo(anchor=dt.date(2026, 6, 30))

    assert again.created["5-why chains"] == 0 and again.created["causes"] == 0
    assert FiveWhy.objects.count() == 1 and Cause.objects.count() == len(demo.CAUSES)
    response = web_as(initiative.owner).get(f"/initiatives/{initiative.pk}/a3/")
    assert response.status_code == 200
