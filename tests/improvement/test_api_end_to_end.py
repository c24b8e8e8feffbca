"""An API client takes an idea from submission to `completed`, through PDCA and through
DMAIC, using only the documented endpoints and token auth."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests.factories import AreaFactory, ReviewerFactory, UserFactory

PASSWORD = "pass-for-tests"
BEFORE = [10.2, 9.8, 10.1, 10.4, 9.9, 10.0]  # February: mean 10.0667
AFTER = [8.1, 7.9, 8.2, 8.0, 7.8, 8.1]  # March, after the change: mean 8.0167


class Person:
    """One API client with a token, as a real integration would hold it."""

    def __init__(self, user):
        # The API lists no users: a client knows ids from elsewhere, as the test does.
        self.pk, username = user.pk, user.username
        self.client = APIClient()
        response = self.client.post(
            "/api/auth/token/", {"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.content
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")

    def get(self, path, expect=200, **params):
        response = self.client.get(path, params)
        assert response.status_code == expect, response.content
        return response.json()

    def send(self, method, path, body=None, expect=200):
        response = getattr(self.client, method)(path, body, format="json")
        assert response.status_code == expect, response.content
        return response.json()

    def move(self, initiative_id, to, note="", expect=200):
        return self.send(
            "post",
            f"/api/initiatives/{initiative_id}/transition/",
            {"to": to, "note": note},
            expect=expect,
        )

    def unmet(self, initiative_id, to) -> list[str]:
        body = self.move(initiative_id, to, expect=409)
        return [u["code"] for u in body["unmet"]]


@pytest.fixture
def cast(db):
    return {
        "area": AreaFactory(name="Claims office"),
        "contributor": Person(UserFactory(username="carla")),
        "owner": Person(UserFactory(username="oscar")),
        "sponsor": Person(UserFactory(username="sam")),
        "reviewer": Person(ReviewerFactory(username="rita")),
    }


def series(month: int, values: list[float], target_id: int) -> list[dict]:
    return [
        {
            "target": target_id,
            "observed_at": dt.datetime(2026, month, day, 9, tzinfo=dt.UTC).isoformat(),
            "value": value,
        }
        for day, value in enumerate(values, start=2)
    ]


def submit_and_triage(cast, methodology: str) -> int:
    contributor, reviewer = cast["contributor"], cast["reviewer"]
    created = contributor.send(
        "post",
        "/api/initiatives/",
        {
            "title": "One in-tray for claims",
            "problem_statement": "Claims wait in two in-trays; cycle time is 10 hours.",
            "proposed_change": "Merge the in-trays.",
            "area": cast["area"].pk,
            "pillar": "operational",
        },
        expect=201,
    )
    assert created["stage"] == "submitted"
    pk = created["id"]

    assert reviewer.unmet(pk, "backlog") == [
        "impact_missing",
        "effort_missing",
        "methodology_missing",
    ]
    reviewer.send(
        "patch",
        f"/api/initiatives/{pk}/",
        {
            "impact": 4,
            "effort": 2,
            "methodology": methodology,
            "owner": cast["owner"].pk,
            "sponsor": cast["sponsor"].pk,
            "estimated_annual_benefit": "20000.00",
            "estimated_cost": "2000.00",
            "confidence": "0.75",
        },
    )
    assert reviewer.move(pk, "backlog")["stage"] == "backlog"
    backlog = reviewer.get("/api/backlog/")["results"]
    assert [item["id"] for item in backlog] == [pk]
    assert backlog[0]["quadrant"] == "quick_win"
    return pk


def cycle_time_metric(person) -> int:
    metrics = person.get("/api/metrics/", page_size=200)["results"]
    return next(m["id"] for m in metrics if m["name"] == "Cycle time")


def add_primary_target(owner, pk) -> int:
    target = owner.send(
        "post",
        f"/api/initiatives/{pk}/targets/",
        {
            "metric": cycle_time_metric(owner),
            "is_primary": True,
            "baseline_start": "2026-02-01",
            "baseline_end": "2026-02-28",
            "target_value": 8,
            "target_date": "2026-12-31",
            "value_per_unit": "5000.0000",
            "benefit_type": "hard",
        },
        expect=201,
    )
    return target["id"]


def compute_results(owner, pk, capture):
    """The result_missing gate needs a computed result: ask for one, in-process."""
    with capture(execute=True):
        owner.send("post", f"/api/initiatives/{pk}/recompute/", expect=202)


def check_result(owner, target_id):
    result = owner.get(f"/api/targets/{target_id}/results/")
    assert (result["n_before"], result["n_after"]) == (6, 6)
    assert result["baseline_mean"] == pytest.approx(10.0667, abs=1e-4)
    assert result["current_mean"] == pytest.approx(8.0167, abs=1e-4)
    assert result["improvement"] == pytest.approx(2.05, abs=1e-4)
    assert result["significant"] is True
    return result


def test_it_takes_an_idea_through_pdca_to_completed(
    cast, celery_eager, django_capture_on_commit_callbacks
):
    owner, sponsor = cast["owner"], cast["sponsor"]
    pk = submit_and_triage(cast, "pdca")

    moves = owner.get(f"/api/initiatives/{pk}/moves/")
    assert {m["to"]: m["allowed"] for m in moves}["plan"] is True
    assert owner.move(pk, "plan")["stage"] == "plan"

    # Plan: a target with a baseline window, and the baseline data.
    target_id = add_primary_target(owner, pk)
    assert owner.unmet(pk, "do") == ["baseline_missing"]
    owner.send("post", "/api/measurements/", series(2, BEFORE, target_id), expect=201)
    assert owner.move(pk, "do")["stage"] == "do"
    target = owner.get(f"/api/targets/{target_id}/")
    assert target["is_frozen"] is True
    assert target["baseline_source"] == "window"
    assert (target["baseline_n"], target["baseline_value"]) == (6, pytest.approx(10.0667, 1e-4))

    # Do: the change goes live and is measured.
    assert owner.unmet(pk, "check") == ["implemented_on_missing"]
    owner.send("patch", f"/api/initiatives/{pk}/", {"implemented_on": "2026-03-01"})
    assert owner.unmet(pk, "check") == ["post_change_measurement_missing"]
    owner.send("post", "/api/measurements/", series(3, AFTER, target_id), expect=201)
    assert owner.move(pk, "check")["stage"] == "check"

    # Check: the result is computed from the data.
    assert owner.unmet(pk, "act") == ["result_missing"]
    compute_results(owner, pk, django_capture_on_commit_callbacks)
    check_result(owner, target_id)
    assert sponsor.move(pk, "act")["stage"] == "act"

    # Act: a decision closes the cycle.
    assert owner.unmet(pk, "completed") == ["decision_note_missing"]
    owner.send("patch", f"/api/initiatives/{pk}/", {"decision_note": "Adopt: one in-tray."})
    done = owner.move(pk, "completed", note="Standard work updated.")
    assert done["stage"] == "completed"

    history = owner.get(f"/api/initiatives/{pk}/history/")
    assert [(h["from"], h["to"]) for h in history] == [
        ("submitted", "backlog"),
        ("backlog", "plan"),
        ("plan", "do"),
        ("do", "check"),
        ("check", "act"),
        ("act", "completed"),
    ]
    assert owner.get("/api/initiatives/", stage="completed")["count"] == 1


def test_it_takes_an_idea_through_dmaic_to_completed(
    cast, celery_eager, django_capture_on_commit_callbacks
):
    owner = cast["owner"]
    pk = submit_and_triage(cast, "dmaic")

    assert owner.move(pk, "define")["stage"] == "define"

    # Define: the problem and a primary target with a target value.
    assert owner.unmet(pk, "measure") == ["targets_missing"]
    target_id = add_primary_target(owner, pk)
    assert owner.move(pk, "measure")["stage"] == "measure"

    # Measure: the baseline data, frozen by the move to analyze.
    assert owner.unmet(pk, "analyze") == ["baseline_missing"]
    owner.send("post", "/api/measurements/", series(2, BEFORE, target_id), expect=201)
    assert owner.move(pk, "analyze")["stage"] == "analyze"
    assert owner.get(f"/api/targets/{target_id}/")["is_frozen"] is True
    refused = owner.send("patch", f"/api/targets/{target_id}/", {"baseline_value": 1.0}, expect=400)
    assert list(refused) == ["baseline_value"]

    # Analyze: the root cause.
    assert owner.unmet(pk, "improve") == ["root_cause_missing"]
    owner.send("patch", f"/api/initiatives/{pk}/", {"root_cause": "Two in-trays."})
    assert owner.move(pk, "improve")["stage"] == "improve"

    # Improve: the change goes live and is measured.
    owner.send("patch", f"/api/initiatives/{pk}/", {"implemented_on": "2026-03-01"})
    owner.send("post", "/api/measurements/", series(3, AFTER, target_id), expect=201)
    assert owner.move(pk, "control")["stage"] == "control"

    # Control: a computed result and a control plan.
    assert owner.unmet(pk, "completed") == ["result_missing", "control_plan_missing"]
    compute_results(owner, pk, django_capture_on_commit_callbacks)
    result = check_result(owner, target_id)
    assert result["control"] is not None
    owner.send("patch", f"/api/initiatives/{pk}/", {"control_plan": "Weekly chart review."})
    assert owner.move(pk, "completed")["stage"] == "completed"

    history = owner.get(f"/api/initiatives/{pk}/history/")
    assert [h["to"] for h in history] == [
        "backlog",
        "define",
        "measure",
        "analyze",
        "improve",
        "control",
        "completed",
    ]
