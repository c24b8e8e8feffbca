"""A write that names a field the endpoint does not take is refused with a 400 naming
each such field, and changes nothing (it used to be dropped silently, with a 200)."""

import pytest
from rest_framework import serializers

from config.serializers import RefuseUnknownFieldsMixin
from improvement.models import Initiative, Stage, StageTransition
from tests.factories import (
    AdminFactory,
    AreaFactory,
    InitiativeFactory,
    ReadyInitiativeFactory,
    UserFactory,
)


def idea(**extra) -> dict:
    return {
        "title": "Fewer hand-offs",
        "problem_statement": "Forms wait in two in-trays.",
        "area": AreaFactory().pk,
        "pillar": "operational",
        **extra,
    }


def test_it_refuses_a_patch_of_the_stage_saying_where_it_changes(api_as):
    initiative = InitiativeFactory()

    response = api_as(AdminFactory()).patch(
        f"/api/initiatives/{initiative.pk}/", {"stage": "completed", "title": "New title"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "stage": [
            "Unknown or read-only field: stage changes only through "
            "POST /api/initiatives/{id}/transition/."
        ]
    }
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED
    assert initiative.title != "New title"


def test_it_refuses_a_patch_of_the_team(api_as):
    initiative = InitiativeFactory()
    member = UserFactory()

    response = api_as(AdminFactory()).patch(
        f"/api/initiatives/{initiative.pk}/", {"team": [member.pk]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "team": ["Unknown or read-only field: team is set by an administrator, in the admin."]
    }
    assert not initiative.team.exists()


def test_it_names_every_unknown_field_even_a_made_up_one(api_as):
    initiative = InitiativeFactory()

    response = api_as(AdminFactory()).patch(
        f"/api/initiatives/{initiative.pk}/", {"colour": "red", "support_count": 99, "cycle": 3}
    )

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"colour", "support_count", "cycle"}
    assert body["colour"] == ["Unknown or read-only field: colour."]
    initiative.refresh_from_db()
    assert initiative.cycle == 1


def test_it_says_unknown_before_it_says_forbidden(api_as, user):
    # A contributor may edit nothing of someone else's idea, but the stage is no field of
    # this endpoint for anybody: that is the answer that helps.
    initiative = InitiativeFactory()

    response = api_as(user).patch(f"/api/initiatives/{initiative.pk}/", {"stage": "plan"})

    assert response.status_code == 400
    assert list(response.json()) == ["stage"]


def test_it_still_applies_a_patch_of_editable_fields(api_as):
    initiative = InitiativeFactory()

    response = api_as(AdminFactory()).patch(
        f"/api/initiatives/{initiative.pk}/", {"title": "New title"}
    )

    assert response.status_code == 200
    initiative.refresh_from_db()
    assert initiative.title == "New title"


def test_it_refuses_triage_fields_sent_with_a_new_idea(api_as, user):
    response = api_as(user).post("/api/initiatives/", idea(impact=5, owner=user.pk))

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"impact", "owner"}
    assert body["impact"] == [
        "Unknown or read-only field: impact is edited once the idea is submitted "
        "(PATCH /api/initiatives/{id}/), by the role that may."
    ]
    assert not Initiative.objects.exists()


def test_it_refuses_an_unknown_field_in_a_transition(api_as):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED)

    response = api_as(AdminFactory()).post(
        f"/api/initiatives/{initiative.pk}/transition/", {"to": "backlog", "reason": "Why not"}
    )

    assert response.status_code == 400
    assert response.json() == {"reason": ["Unknown or read-only field: reason."]}
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED
    assert not StageTransition.objects.exists()


def test_it_takes_a_form_post_with_its_csrf_token(api_as, user):
    # DRF's browsable API posts a form that carries the CSRF token.
    response = api_as(user).post(
        "/api/initiatives/", idea(csrfmiddlewaretoken="token"), format="multipart"
    )

    assert response.status_code == 201
    assert Initiative.objects.count() == 1


class Sample(RefuseUnknownFieldsMixin, serializers.Serializer):
    name = serializers.CharField()
    code = serializers.CharField(read_only=True)
    read_only_hints = {"code": "is given by the server."}


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"name": "a"}, {}),
        (
            {"name": "a", "code": "x"},
            {"code": ["Unknown or read-only field: code is given by the server."]},
        ),
        ({"name": "a", 1: "x"}, {"1": ["Unknown or read-only field: 1."]}),
        (["not", "a", "mapping"], {}),
    ],
)
def test_it_names_the_fields_a_serializer_does_not_write(data, errors):
    assert Sample().unknown_field_errors(data) == errors
