"""No id in a URL or a body lets someone change what their role does not allow (IDOR).

By design every signed-in person may *read* every initiative outside restricted areas, its
targets, measurements and results: ideas are public inside the organisation, so people
can support and comment on them. A restricted area's initiatives are another matter: for
anyone who is not a member, an area reviewer or an administrator they do not exist (404),
whatever id is sent (below, and every page and endpoint in
tests/areas/test_visibility_matrix.py). What is checked here is that *changing* goes by
role, whatever id is sent — the
refusal comes back as 403 (or 400 naming the field, for a measurement's target, or 404 for
something that is not the caller's), and the database is left as it was. Notifications
are personal: nobody sees or marks another person's."""

import datetime as dt

import pytest
from django.utils import timezone

from improvement.models import Initiative, Notification, Stage, StageTransition
from metrics.models import Measurement, QuarterlyResult, ResultSnapshot, Target
from tests.factories import (
    InitiativeFactory,
    MeasurementFactory,
    MetricFactory,
    NotificationFactory,
    QuarterlyResultFactory,
    ResultSnapshotFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
)


@pytest.fixture
def people(db):
    return {
        "owner": UserFactory(username="owner"),
        "teammate": UserFactory(username="teammate"),
        "other_owner": UserFactory(username="other_owner"),
        "stranger": UserFactory(username="stranger"),
        "submitter": UserFactory(username="submitter"),
    }


@pytest.fixture
def ours(people):
    """An initiative in `check` run by owner and teammate, with a target, measurements
    and a result; submitted by `submitter`."""
    initiative = TriagedInitiativeFactory(
        stage=Stage.CHECK,
        owner=people["owner"],
        submitted_by=people["submitter"],
        implemented_on=dt.date(2026, 3, 1),
        root_cause="As found.",
    )
    initiative.team.add(people["teammate"])
    target = TargetFactory(initiative=initiative, target_value=8.0)
    MeasurementFactory(target=target, observed_at=dt.datetime(2026, 2, 20, 12, tzinfo=dt.UTC))
    MeasurementFactory(target=target, observed_at=dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC))
    ResultSnapshotFactory(target=target, n_before=1, n_after=1)
    return initiative


@pytest.fixture
def theirs(people):
    """Another team's initiative, owned by `other_owner`."""
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, owner=people["other_owner"])
    TargetFactory(initiative=initiative)
    return initiative


def snapshot(initiative: Initiative) -> dict:
    """What a refused request must leave unchanged."""
    initiative.refresh_from_db()
    return {
        "initiative": {
            f.attname: getattr(initiative, f.attname)
            for f in Initiative._meta.concrete_fields
            if f.attname != "updated_at"
        },
        "history": StageTransition.objects.filter(initiative=initiative).count(),
        "targets": list(Target.objects.filter(initiative=initiative).order_by("pk").values()),
        "measurements": Measurement.objects.filter(target__initiative=initiative).count(),
        "results": ResultSnapshot.objects.filter(target__initiative=initiative).count(),
        "notifications": Notification.objects.count(),
    }


# --- reading is open to every signed-in person, by design ---------------------------------


def test_it_lets_anyone_signed_in_read_any_initiative_and_its_numbers(api_as, people, ours):
    target = ours.targets.get()
    client = api_as(people["stranger"])

    for url in (
        f"/api/initiatives/{ours.pk}/",
        f"/api/initiatives/{ours.pk}/history/",
        f"/api/initiatives/{ours.pk}/moves/",
        f"/api/initiatives/{ours.pk}/targets/",
        f"/api/targets/{target.pk}/",
        f"/api/targets/{target.pk}/results/",
        f"/api/measurements/?target={target.pk}",
    ):
        assert client.get(url).status_code == 200, url


def test_it_offers_a_stranger_no_move_they_may_make(api_as, people, ours):
    response = api_as(people["stranger"]).get(f"/api/initiatives/{ours.pk}/moves/")

    assert response.status_code == 200
    assert response.json()
    assert not any(option["allowed"] for option in response.json())


def test_it_shows_only_id_username_and_name_of_other_users(api_as, people):
    response = api_as(people["stranger"]).get(f"/api/users/{people['owner'].pk}/")

    assert response.status_code == 200
    assert set(response.json()) == {"id", "username", "name"}


# --- initiatives ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "body"),
    [
        ("stranger", {"title": "Mine now"}),
        ("stranger", {"impact": 1}),
        ("stranger", {"owner": "stranger"}),
        ("stranger", {"root_cause": "Rewritten"}),
        ("teammate", {"root_cause": "Rewritten"}),
        ("teammate", {"impact": 1}),
        ("owner", {"impact": 1, "effort": 5}),
        ("owner", {"owner": "stranger"}),
        ("other_owner", {"control_plan": "Theirs"}),
        ("submitter", {"title": "Changed after triage"}),
    ],
)
def test_it_refuses_an_initiative_edit_outside_the_callers_role(api_as, people, ours, who, body):
    body = {k: people[v].pk if k == "owner" else v for k, v in body.items()}
    before = snapshot(ours)

    response = api_as(people[who]).patch(f"/api/initiatives/{ours.pk}/", body)

    assert response.status_code == 403
    assert "may not edit" in response.json()["detail"]
    assert snapshot(ours) == before


def test_it_refuses_to_edit_someone_elses_submitted_idea(api_as, people):
    idea = InitiativeFactory(submitted_by=people["submitter"], title="Original")

    response = api_as(people["stranger"]).patch(f"/api/initiatives/{idea.pk}/", {"title": "X"})

    assert response.status_code == 403
    idea.refresh_from_db()
    assert idea.title == "Original"


@pytest.mark.parametrize(
    ("who", "stage", "to"),
    [
        ("stranger", Stage.CHECK, Stage.ACT),
        ("teammate", Stage.CHECK, Stage.ACT),
        ("other_owner", Stage.CHECK, Stage.ON_HOLD),
        ("submitter", Stage.CHECK, Stage.CANCELLED),
        ("owner", Stage.SUBMITTED, Stage.BACKLOG),
        ("submitter", Stage.SUBMITTED, Stage.REJECTED),
    ],
)
def test_it_refuses_a_move_outside_the_callers_role(api_as, people, ours, who, stage, to):
    Initiative.objects.filter(pk=ours.pk).update(stage=stage)
    before = snapshot(ours)

    response = api_as(people[who]).post(
        f"/api/initiatives/{ours.pk}/transition/", {"to": to, "note": "Because."}
    )

    assert response.status_code == 403
    assert snapshot(ours) == before


def test_it_answers_an_unknown_initiative_id_with_404(api_as, people):
    client = api_as(people["stranger"])

    assert client.patch("/api/initiatives/999999/", {"title": "x"}).status_code == 404
    assert client.post("/api/initiatives/999999/transition/", {"to": "plan"}).status_code == 404
    assert client.post("/api/initiatives/999999/targets/", {}).status_code == 404
    assert client.post("/api/initiatives/999999/recompute/").status_code == 404


# --- targets --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["stranger", "other_owner", "submitter"])
def test_it_refuses_a_target_edit_by_someone_outside_the_team(api_as, people, ours, who):
    target = ours.targets.get()
    before = snapshot(ours)

    response = api_as(people[who]).patch(f"/api/targets/{target.pk}/", {"target_value": 1.0})

    assert response.status_code == 403
    assert snapshot(ours) == before


@pytest.mark.parametrize("who", ["stranger", "other_owner", "submitter"])
def test_it_refuses_a_new_target_from_someone_outside_the_team(api_as, people, ours, who):
    before = snapshot(ours)

    response = api_as(people[who]).post(
        f"/api/initiatives/{ours.pk}/targets/",
        {"metric": MetricFactory().pk, "is_primary": False, "target_value": 5.0},
    )

    assert response.status_code == 403
    assert snapshot(ours) == before


# --- measurements ---------------------------------------------------------------------------


def test_it_refuses_a_measurement_on_another_teams_target(api_as, people, ours):
    target = ours.targets.get()
    before = snapshot(ours)

    response = api_as(people["other_owner"]).post(
        "/api/measurements/",
        {"target": target.pk, "observed_at": "2026-04-01T12:00:00Z", "value": 1.0},
    )

    assert response.status_code == 403
    assert f"#{target.pk}" in response.json()["detail"]
    assert snapshot(ours) == before


def test_it_refuses_a_whole_batch_that_slips_in_another_teams_target(api_as, people, ours, theirs):
    own, foreign = theirs.targets.get(), ours.targets.get()
    before_ours, before_theirs = snapshot(ours), snapshot(theirs)

    response = api_as(people["other_owner"]).post(
        "/api/measurements/",
        [
            {"target": own.pk, "observed_at": "2026-04-01T12:00:00Z", "value": 1.0},
            {"target": foreign.pk, "observed_at": "2026-04-01T12:00:00Z", "value": 1.0},
        ],
    )

    assert response.status_code == 403
    assert snapshot(ours) == before_ours
    assert snapshot(theirs) == before_theirs


# --- recompute ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["stranger", "other_owner", "submitter"])
def test_it_refuses_a_recompute_by_someone_outside_the_team(
    api_as, people, ours, who, django_capture_on_commit_callbacks
):
    before = snapshot(ours)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = api_as(people[who]).post(f"/api/initiatives/{ours.pk}/recompute/")

    assert response.status_code == 403
    assert queued == []
    assert snapshot(ours) == before


# --- quarterly ledger -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "stranger"])
def test_it_refuses_a_ledger_change_by_a_non_reviewer(api_as, people, ours, who):
    """Validating a benefit is a reviewer's call — not even the initiative's owner's."""
    row = QuarterlyResultFactory(initiative=ours, validated_benefit=100, review_note="Checked.")

    response = api_as(people[who]).patch(
        f"/api/quarterly-results/{row.pk}/", {"validated_benefit": 1e9, "review_note": "Mine."}
    )

    assert response.status_code in (403, 405)
    row.refresh_from_db()
    assert (row.validated_benefit, row.review_note) == (100, "Checked.")


@pytest.mark.parametrize("method", ["put", "delete", "post"])
def test_it_offers_no_way_to_replace_add_or_delete_ledger_rows(api_as, reviewer, method):
    row = QuarterlyResultFactory(validated_benefit=100)
    url = "/api/quarterly-results/" if method == "post" else f"/api/quarterly-results/{row.pk}/"

    response = getattr(api_as(reviewer), method)(url, {"validated_benefit": 1})

    assert response.status_code == 405
    row.refresh_from_db()
    assert row.validated_benefit == 100
    assert QuarterlyResult.objects.count() == 1


# --- web pages: the same rules behind the forms -------------------------------------------


@pytest.mark.parametrize(
    ("who", "action", "data"),
    [
        ("stranger", "move", {"to": Stage.ACT, "note": "x"}),
        ("teammate", "move", {"to": Stage.ON_HOLD, "note": "x"}),
        ("stranger", "triage", {"impact": 1, "effort": 5}),
        ("owner", "triage", {"impact": 1, "effort": 5}),
        ("stranger", "execution", {"root_cause": "Rewritten"}),
        ("other_owner", "execution", {"root_cause": "Rewritten"}),
        ("stranger", "targets", {"metric": "new", "target_value": 5, "benefit_type": "hard"}),
        ("other_owner", "targets", {"metric": "new", "target_value": 5, "benefit_type": "hard"}),
    ],
)
def test_it_refuses_a_web_action_outside_the_callers_role(web_as, people, ours, who, action, data):
    if data.get("metric") == "new":
        data = {**data, "metric": MetricFactory().pk}
    before = snapshot(ours)

    response = web_as(people[who]).post(f"/initiatives/{ours.pk}/{action}/", data)

    assert response.status_code == 403
    assert snapshot(ours) == before


@pytest.mark.parametrize("who", ["stranger", "other_owner"])
@pytest.mark.parametrize("action", ["measurements", "measurements/bulk"])
def test_it_refuses_web_measurements_on_another_teams_target(web_as, people, ours, who, action):
    target = ours.targets.get()
    before = snapshot(ours)

    response = web_as(people[who]).post(
        f"/targets/{target.pk}/{action}/",
        {"observed_at": "2026-04-01T12:00", "value": "1", "rows": "2026-04-01 12:00, 1"},
    )

    assert response.status_code == 403
    assert snapshot(ours) == before


def test_it_refuses_a_rescore_from_the_matrix_by_a_non_reviewer(web_as, people, ours):
    Initiative.objects.filter(pk=ours.pk).update(stage=Stage.BACKLOG)
    before = snapshot(ours)

    response = web_as(people["owner"]).post(f"/matrix/{ours.pk}/score/", {"impact": 1, "effort": 5})

    assert response.status_code == 403
    assert snapshot(ours) == before


# --- notifications are personal -----------------------------------------------------------


@pytest.fixture
def notes(people):
    return {
        "mine": NotificationFactory(recipient=people["owner"], message="For the owner"),
        "yours": NotificationFactory(recipient=people["stranger"], message="For the stranger"),
    }


def test_it_lists_only_the_callers_own_notifications(web_as, people, notes):
    response = web_as(people["owner"]).get("/notifications/")

    assert response.status_code == 200
    assert "For the owner" in response.content.decode()
    assert "For the stranger" not in response.content.decode()


def test_it_will_not_mark_another_persons_notification_read(web_as, people, notes):
    response = web_as(people["owner"]).post("/notifications/read/", {"id": notes["yours"].pk})

    assert response.status_code == 404
    notes["yours"].refresh_from_db()
    assert notes["yours"].read_at is None


def test_it_marks_only_the_callers_own_notifications_when_marking_all(web_as, people, notes):
    response = web_as(people["owner"]).post("/notifications/read/")

    assert response.status_code == 302
    notes["mine"].refresh_from_db()
    notes["yours"].refresh_from_db()
    assert notes["mine"].read_at is not None
    assert notes["yours"].read_at is None


def test_it_leaves_the_read_time_of_an_already_read_notification(web_as, people, notes):
    read_at = timezone.now() - dt.timedelta(days=3)
    Notification.objects.filter(pk=notes["yours"].pk).update(read_at=read_at)

    web_as(people["owner"]).post("/notifications/read/", {"id": notes["yours"].pk})

    notes["yours"].refresh_from_db()
    assert notes["yours"].read_at == read_at


# --- a restricted area's initiative: no id reaches it -----------------------------------------


@pytest.fixture
def restricted(people, ours):
    """`ours`, in an area that is restricted, with `owner` its only member."""
    area = ours.area
    area.restricted = True
    area.save(update_fields=["restricted"])
    area.members.add(people["owner"])
    return ours


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/initiatives/{pk}/", None),
        ("get", "/api/initiatives/{pk}/history/", None),
        ("get", "/api/targets/{target}/", None),
        ("get", "/api/targets/{target}/results/", None),
        ("patch", "/api/initiatives/{pk}/", {"title": "Found it"}),
        ("post", "/api/initiatives/{pk}/transition/", {"to": "act"}),
        ("post", "/api/initiatives/{pk}/targets/", {"metric": 1}),
        ("post", "/api/measurements/", {"target": "{target}", "value": 1}),
    ],
)
def test_it_hides_a_restricted_areas_initiative_from_a_stranger_whatever_the_id(
    api_as, people, restricted, method, path, body
):
    target = restricted.targets.get()
    ids = {"pk": restricted.pk, "target": target.pk}
    body = {
        k: int(v.format(**ids)) if isinstance(v, str) and "{" in v else v
        for k, v in (body or {}).items()
    }
    before = snapshot(restricted)

    response = getattr(api_as(people["stranger"]), method)(path.format(**ids), body, format="json")

    # A measurement names its target in the body: the target is unknown (400 naming it).
    assert response.status_code == (400 if path == "/api/measurements/" else 404)
    assert snapshot(restricted) == before
    assert api_as(people["owner"]).get(f"/api/initiatives/{restricted.pk}/").status_code == 200
