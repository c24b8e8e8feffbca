"""The action items' admin is read-only: they are written only by actions.services."""

import pytest
from django.contrib import admin

from actions.models import ActionEvent, ActionItem
from tests.admin_forms import admin_url
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [ActionItem, ActionEvent])
def test_it_offers_no_add_change_or_delete(rf, admin_user, model):
    request = rf.get("/admin/")
    request.user = admin_user
    model_admin = admin.site._registry[model]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_it_lists_and_shows_actions(admin_client):
    action = ActionItemFactory(title="Order the bins")

    listed = admin_client.get(admin_url(ActionItem, "changelist"))
    shown = admin_client.get(admin_url(ActionItem, "change", action.pk))
    saved = admin_client.post(admin_url(ActionItem, "change", action.pk), {"title": "Hacked"})

    assert listed.status_code == 200 and "Order the bins" in listed.content.decode()
    assert shown.status_code == 200 and b'name="_save"' not in shown.content
    assert saved.status_code == 403
    action.refresh_from_db()
    assert action.title == "Order the bins"
