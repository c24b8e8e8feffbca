"""A field's help text is the element its input names in aria-describedby (Django
points the input at "<id>_helptext"), so a screen reader reads the hint with the field."""

import re

import pytest
from django.urls import reverse

from tests.factories import TriagedInitiativeFactory


@pytest.mark.django_db
def test_every_described_input_points_at_its_help_text(client):
    initiative = TriagedInitiativeFactory()
    client.force_login(initiative.owner)

    page = client.get(reverse("improvement:initiative", args=[initiative.pk])).content.decode()

    described = set(re.findall(r'aria-describedby="([^"]+)"', page))
    assert described, "the page has fields with help texts"
    ids = set(re.findall(r'id="([^"]+)"', page))
    assert described <= ids, described - ids
