"""Factories for this app's models (kept here rather than in tests/factories.py, which
every app shares)."""

import factory

from problem_solving.models import Category, Cause, FiveWhy, WhyStep
from tests.factories import TriagedInitiativeFactory, UserFactory


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
