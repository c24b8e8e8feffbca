"""The admin pages of the improvement app: every model lists, adds and changes as it
should, an idea added there starts in the submitted stage, and the stage history cannot
be rewritten. The metrics models' admin is in tests/metrics/test_admin.py."""

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
    pytest.param(Initiative, TriagedInitiativeFactory, lambda o: o.title, 200, id="initiative"),
    pytest.param(
        StageTransition,
        StageTransitionFactory,
        lambda o: o.initiative.title,
        403,
        id="stage-transition",
    ),
    pytest.param(Support, SupportFactory, lambda o: o.initiative.title, 200, id="support"),
    pytest.param(Comment, CommentFactory, lambda o: o.initiative.title, 200, id="comment"),
    pytest.param(
        Notification, NotificationFactory, lambda o: o.recipient.username, 200, id="notification"
    ),
]

# Viewable in the admin, never edited there.
READ_ONLY = {StageTransition}


def test_it_registers_every_model():
    for app in ("improvement", "metrics"):
        for model in apps.get_app_config(app).get_models():
            assert admin.site.is_registered(model), model


def test_it_adds_an_idea_in_the_submitted_stage(admin_client, admin_user):
    area = AreaFactory()
    url = admin_url(Initiative, "add")
    page = admin_client.get(url)
    assert page.context["adminform"].form["submitted_by"].value() == admin_user.pk

    response = admin_client.post(
        url,
        form_data(
            page,
            {
                "title": "Label bins by pick frequency",
                "problem_statement": "Pickers walk too far.",
                "pillar": "operational",
                "area": area.pk,
            },
        ),
    )

    assert response.status_code == 302
    idea = Initiative.objects.get(title="Label bins by pick frequency")
    assert idea.stage == "submitted"
    assert idea.submitted_by == admin_user


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
        ("improvement", "initiative", "owner", lambda: UserFactory(username="zelda"), "zeld"),
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
