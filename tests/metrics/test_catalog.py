"""The KPI catalog the app ships (metrics.catalog) is what the migrations seed: the seeding
migration holds a frozen copy, so a change to the catalog needs a data migration too."""

import pytest

from metrics.catalog import KPI_CATALOG
from metrics.models import Metric

pytestmark = pytest.mark.django_db


def test_it_seeds_every_kpi_of_the_catalog_as_the_catalog_describes_it():
    seeded = set(
        Metric.objects.values_list(
            "name", "unit", "direction", "pillar", "chart_kind", "description"
        )
    )

    assert set(KPI_CATALOG) - seeded == set()
