"""The analysis' invariants hold in the database, whichever path writes a row."""

import pytest
from django.db import IntegrityError, transaction

from problem_solving.models import Cause, WhyStep
from tests.problem_solving.factories import CauseFactory, FiveWhyFactory, WhyStepFactory

pytestmark = pytest.mark.django_db


def refused(**kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        WhyStep.objects.create(**kwargs)


def test_a_chain_holds_each_position_once():
    chain = FiveWhyFactory()
    WhyStepFactory(chain=chain, position=1)

    refused(chain=chain, position=1, answer="Again")


@pytest.mark.parametrize("position", [0, 8])
def test_a_why_is_between_one_and_seven(position):
    refused(chain=FiveWhyFactory(), position=position, answer="Out of range")


def test_only_the_root_cause_is_verified():
    refused(chain=FiveWhyFactory(), position=1, answer="Plain", verified=True)


def test_a_chain_has_one_root_cause():
    chain = FiveWhyFactory()
    WhyStepFactory(chain=chain, position=1, is_root_cause=True)

    refused(chain=chain, position=2, answer="Second root", is_root_cause=True)


def test_a_cause_has_a_known_category_and_text():
    for bad in ({"category": "money"}, {"text": ""}):
        with pytest.raises(IntegrityError), transaction.atomic():
            CauseFactory(**bad)
    assert not Cause.objects.exists()


def test_the_rows_go_with_their_initiative():
    chain = FiveWhyFactory()
    WhyStepFactory(chain=chain, position=1)
    cause = CauseFactory(initiative=chain.initiative)

    chain.initiative.delete()

    assert not WhyStep.objects.exists()
    assert not Cause.objects.filter(pk=cause.pk).exists()
