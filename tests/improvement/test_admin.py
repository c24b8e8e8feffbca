"""The admin pages of the improvement app: every model lists and changes as it should,
an initiative is saved through its service (the rules, the notices, the history), and
the stage history cannot be rewritten. The metrics models' admin is in
tests/metrics/test_admin.py."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from improvement.models import (
    Area,
    Comment,
    Initiative,
    Notification,
    StageTransition,
    Support,
)
from tests.admin_forms import admin_url, form_data
from tests.factories import (
    AreaFactory,
    CommentFactory,
    NotificationFactory,
    StageTransitionFactory,
    SupportFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

# model, factory for a row, text the changelist shows for that row, add page status
CASES = [
    pytest.param(Area, AreaFactory, lambda o: o.name, 200, id="area"),
    pytest.param(Initiative, TriagedInitiativeFactory, lambda o: o.title, 403, id="initiative"),
    pytest.param(
        StageTransition,
        StageTransitionFactory,
        lambda o: o.initiative.title,
        403,
        id="stage-transition",
    ),
    pytest.param(Support, SupportFactory, lambda o: o.initiative.title, 403, id="support"),
    pytest.param(Comment, CommentFactory, lambda o: o.initiative.title, 403, id="comment"),
    pytest.param(
        Notification, NotificationFactory, lambda o: o.recipient.username, 403, id="notification"
    ),
]

# Viewable in the admin, never edited there: written in the app through their services.
READ_ONLY = {StageTransition, Support, Comment, Notification}


def test_it_registers_every_model():
    for app in ("improvement", "metrics"):
        for model in apps.get_app_config(app).get_models():
            if model.__name__.startswith("Historical"):
                continue  # shown through each model's History button
            assert admin.site.is_registered(model), model


def test_it_adds_no_idea_in_the_admin(admin_client):
    """Ideas are submitted in the app or the API, through improvement.services."""
    assert admin_client.get(admin_url(Initiative, "add")).status_code == 403
    assert admin_client.post(admin_url(Initiative, "add"), {"title": "x"}).status_code == 403
    assert not Initiative.objects.exists()


def test_it_saves_an_initiative_through_the_service_with_the_assignment_notice(
    admin_client, admin_user
):
    initiative = TriagedInitiativeFactory()
    new_owner = UserFactory()
    url = admin_url(Initiative, "change", initiative.pk)
    page = admin_client.get(url)

    response = admin_client.post(url, form_data(page, {"owner": new_owner.pk}))

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.owner == new_owner
    notice = Notification.objects.get(recipient=new_owner)
    assert notice.initiative == initiative
    change = initiative.audit.latest()
    assert (change.history_user, change.owner_id) == (admin_user, new_owner.pk)


def test_it_refuses_to_leave_an_active_initiative_without_an_owner(admin_client):
    initiative = TriagedInitiativeFactory(stage="plan", methodology="pdca")
    owner = initiative.owner
    url = admin_url(Initiative, "change", initiative.pk)
    page = admin_client.get(url)

    response = admin_client.post(url, form_data(page, {"owner": ""}))

    assert response.status_code == 200
    assert "always has an owner" in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.owner == owner


def test_it_asks_a_reason_to_correct_what_a_gate_checked(admin_client, admin_user):
    initiative = TriagedInitiativeFactory(
        stage="check", methodology="pdca", implemented_on="2026-03-02"
    )
    url = admin_url(Initiative, "change", initiative.pk)
    page = admin_client.get(url)

    refused = admin_client.post(url, form_data(page, {"implemented_on": "2026-03-09"}))
    accepted = admin_client.post(
        url,
        form_data(page, {"implemented_on": "2026-03-09", "reason": "Went live a week later."}),
    )

    assert refused.status_code == 200
    assert "give the reason for the correction" in refused.content.decode()
    assert accepted.status_code == 302
    initiative.refresh_from_db()
    assert str(initiative.implemented_on) == "2026-03-09"
    change = initiative.audit.latest()
    assert change.history_change_reason == "Went live a week later."
    assert change.history_user == admin_user


# --- Stage history ------------------------------------------------------------------


def test_it_refuses_to_add_change_or_delete_stage_history(admin_client):
    move = StageTransitionFactory(note="accepted")

    assert admin_client.get(admin_url(StageTransition, "add")).status_code == 403
    assert admin_client.post(admin_url(StageTransition, "add"), {}).status_code == 403
    change = admin_client.post(admin_url(StageTransition, "change", move.pk), {"note": "edited"})
    assert change.status_code == 403
    assert admin_client.get(admin_url(StageTransition, "delete", move.pk)).status_code == 403
    delete = admin_client.post(admin_url(StageTransition, "delete", move.pk), {"post": "yes"})
    assert delete.status_code == 403

    move.refresh_from_db()
    assert move.note == "accepted"


def test_it_saves_an_initiative_without_touching_its_history(admin_client):
    move = StageTransitionFactory(note="accepted")
    initiative = move.initiative
    url = admin_url(Initiative, "change", initiative.pk)
    page = admin_client.get(url)
    assert b"accepted" in page.content
    assert b'name="history-0-note"' not in page.content

    response = admin_client.post(
        url, form_data(page, {"title": "Renamed", "history-0-note": "rewritten"})
    )

    assert response.status_code == 302
    initiative.refresh_from_db()
    move.refresh_from_db()
    assert initiative.title == "Renamed"
    assert move.note == "accepted"
    assert initiative.history.count() == 1
    assert initiative.audit.latest().title == "Renamed"


def test_it_refuses_to_delete_an_initiative_with_history(admin_client):
    move = StageTransitionFactory()

    response = admin_client.post(
        admin_url(Initiative, "delete", move.initiative.pk), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Initiative.objects.filter(pk=move.initiative.pk).exists()


# --- Autocomplete -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("app_label", "model_name", "field_name", "make", "term"),
    [
        ("improvement", "initiative", "area", lambda: AreaFactory(name="Warehouse"), "wareh"),
        (
            "improvement",
            "initiative",
            "duplicate_of",
            lambda: TriagedInitiativeFactory(title="Faster invoicing"),
            "invoic",
        ),
    ],
)
def test_it_autocompletes_related_rows(admin_client, app_label, model_name, field_name, make, term):
    row = make()

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )

    assert response.status_code == 200
    assert {"id": str(row.pk), "text": str(row)} in response.json()["results"]


def test_it_gives_a_staff_reviewer_no_way_to_edit_initiatives_in_the_admin(client, reviewer):
    reviewer.is_staff = True
    reviewer.save(update_fields=["is_staff"])
    initiative = TriagedInitiativeFactory()
    client.force_login(reviewer)

    response = client.post(admin_url(Initiative, "change", initiative.pk), {"title": "Changed"})

    assert response.status_code == 403
    initiative.refresh_from_db()
    assert initiative.title != "Changed"
