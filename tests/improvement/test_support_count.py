"""`Initiative.objects.with_support_count()`: the +1s on each idea, 0 for none, counted in
a subquery so it neither multiplies rows nor groups by every column."""

import pytest

from improvement.models import Initiative
from tests.factories import InitiativeFactory, SupportFactory

pytestmark = pytest.mark.django_db


def test_it_counts_each_initiatives_supports_and_zero_for_none():
    popular, ignored = InitiativeFactory(), InitiativeFactory()
    SupportFactory.create_batch(3, initiative=popular)

    counts = dict(Initiative.objects.with_support_count().values_list("pk", "support_count"))

    assert counts == {popular.pk: 3, ignored.pk: 0}


def test_it_counts_in_a_subquery_without_grouping_the_initiatives():
    query = Initiative.objects.with_support_count().query

    assert query.group_by is None
    assert "JOIN" not in str(query).upper()
