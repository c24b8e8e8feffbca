"""The analysis' admin pages are for looking: no add, change or delete there, since
every write goes through problem_solving.services."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from problem_solving.models import Cause, FiveWhy
from tests.problem_solving.factories import CauseFactory, FiveWhyFactory, WhyStepFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [FiveWhy, Cause])
def test_the_admin_only_shows(model, admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    model_admin = admin.site._registry[model]

    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_the_admin_pages_open(client, admin_user):
    chain = FiveWhyFactory()
    WhyStepFactory(chain=chain, position=1)
    cause = CauseFactory()
    client.force_login(admin_user)

    for url in (
        "/admin/problem_solving/fivewhy/",
        f"/admin/problem_solving/fivewhy/{chain.pk}/change/",
        "/admin/problem_solving/cause/",
        f"/admin/problem_solving/cause/{cause.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
