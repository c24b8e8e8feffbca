"""Every admin page that writes goes through the write path the app uses (issue 12):
a model whose rows have rules and side effects saves through its service; the catalog
models, which have neither, are named here with the reason. A new admin that writes and
appears in neither list fails this test until someone decides which it is."""

import inspect

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from campaigns import services as campaign_services
from campaigns.models import Campaign
from improvement import areas as area_services
from improvement import services as improvement_services
from improvement.models import Area, Initiative
from metrics import services as metric_services
from metrics.ledger import review
from metrics.models import Measurement, Metric, QuarterClose, QuarterlyResult, Target
from tests.factories import TriagedInitiativeFactory

# model → the service function its admin's save_model calls.
SAVED_THROUGH = {
    Initiative: improvement_services.update_initiative,
    Target: metric_services.update_target,
    QuarterlyResult: review.validate_benefit,
    QuarterClose: review.close_quarter,
    # Opened through campaigns.services.open_campaign; closed by an admin action that
    # calls close_campaign (tests/campaigns/test_admin.py).
    Campaign: campaign_services.update_campaign,
    # Created through improvement.areas.create_area, moved through move_area
    # (tests/areas/test_tree.py): the tree's paths and who sees what follow from it.
    Area: area_services.update_area,
}
# Added only through the admin's import page, which records through
# metrics.services.record_measurements (tests/metrics/test_measurement_import.py).
IMPORTED = {Measurement}
# Written by hand in the admin on purpose: reference data with no rule beyond the
# model's own constraints and full_clean(), and no side effect.
CATALOG = {Metric}


def writable_admins(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in (
            "improvement",
            "metrics",
            "campaigns",
            "attachments",
            "actions",
            "problem_solving",  # read-only: nothing to list
        ):
            continue
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request):
            yield model, model_admin


@pytest.mark.django_db
def test_every_admin_that_writes_saves_through_its_service_or_is_catalog():
    superuser = get_user_model().objects.create_superuser("root", "root@example.com", "x")

    writable = dict(writable_admins(superuser))

    assert set(writable) == set(SAVED_THROUGH) | IMPORTED | CATALOG
    assert not admin.site._registry[Measurement].has_change_permission(None)
    for model, service in SAVED_THROUGH.items():
        source = inspect.getsource(type(writable[model]).save_model)
        assert f"{service.__name__}(" in source, model


@pytest.mark.django_db
@pytest.mark.parametrize("model", sorted(SAVED_THROUGH, key=lambda m: m.__name__))
def test_the_service_is_what_saves(model, monkeypatch, admin_user):
    """save_model delegates: with the service replaced, nothing is written."""
    service = SAVED_THROUGH[model]
    module = inspect.getmodule(service)
    calls = []

    def record(**kwargs):
        calls.append(kwargs)
        if model is Area:
            return Area(pk=1, name="Saved", path="0001", depth=1)
        return QuarterClose(pk=1, year=2026, quarter=1, closed_by=admin_user)

    monkeypatch.setattr(module, service.__name__, record)
    model_admin = admin.site._registry[model]
    request = RequestFactory().post("/admin/")
    request.user = admin_user

    class Form:
        changed_data: list = []
        cleaned_data = {
            "reason": "",
            "confirm_unreviewed": False,
            "name": "Renamed",
            "description": "",
            "restricted": False,
            "parent": None,
        }
        changes: dict = {}

    obj = model(pk=TriagedInitiativeFactory().pk) if model is Initiative else model(pk=1)
    if model is QuarterClose:
        obj = model(year=2026, quarter=1)
    if model is QuarterlyResult:
        obj.validated_benefit, obj.review_note = None, ""
    model_admin.save_model(request, obj, Form(), change=model is not QuarterClose)

    assert len(calls) == 1
    assert calls[0]["actor"] == admin_user


@pytest.mark.django_db
def test_the_attachment_admin_views_and_deletes_only_and_deletes_through_the_service(
    monkeypatch, admin_user
):
    """Attachments are added only through attachments.services (the content checks);
    the admin shows them and deletes them through the same service as the pages."""
    from attachments import services as attachment_services
    from attachments.models import Attachment

    model_admin = admin.site._registry[Attachment]
    request = RequestFactory().post("/admin/")
    request.user = admin_user
    calls = []
    monkeypatch.setattr(attachment_services, "delete_attachment", lambda **kw: calls.append(kw))

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert model_admin.has_view_permission(request)
    assert model_admin.has_delete_permission(request)
    attachment = Attachment(pk=1)
    model_admin.delete_model(request, attachment)
    assert calls == [{"attachment": attachment, "actor": admin_user}]


@pytest.mark.django_db
def test_the_action_item_admin_only_shows_them():
    """Action items and their events are written only by actions.services (the roles,
    the gate's stage, the events, the notifications): the admin adds, changes and
    deletes none (and so is in no list above)."""
    from actions.models import ActionEvent, ActionItem

    request = RequestFactory().post("/admin/")
    request.user = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    for model in (ActionItem, ActionEvent):
        model_admin = admin.site._registry[model]
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
