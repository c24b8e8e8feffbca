"""Issue 17's "done when": a team runs a whole DMAIC initiative in the tracker through the
API — from an idea submitted to a campaign to a completed initiative with its actions,
verified root cause, files and proven result — and the A3 page's PDF tells the story.
Every step is a request a client makes; the database is read only to check."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from actions.models import ActionItem
from attachments.models import Attachment
from improvement.models import Initiative, Stage
from metrics.models import ResultSnapshot, ResultStatus
from tests.factories import AreaFactory, MetricFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def ok(response, status=200):
    assert response.status_code == status, response.content[:2000]
    return response.json() if response.content else None


def move(client, pk, to, **extra):
    return ok(client.post(f"/api/initiatives/{pk}/transition/", {"to": to, **extra}))


def photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, "PNG")
    return SimpleUploadedFile("bench.png", buffer.getvalue(), content_type="image/png")


def test_a_team_runs_a_dmaic_cycle_from_a_campaign_idea_to_a_proven_a3(
    api_as, web_as, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    reviewer, owner, contributor = ReviewerFactory(), UserFactory(), UserFactory()
    area, metric = AreaFactory(), MetricFactory(name="Damaged shipments", unit="%")
    desk, team, idea_by = api_as(reviewer), api_as(owner), api_as(contributor)

    # A reviewer opens a campaign; a contributor answers it with an idea.
    campaign = ok(
        desk.post(
            "/api/campaigns/",
            {
                "title": "Fewer damaged shipments",
                "question": "How could fewer parcels arrive broken?",
                "area": area.pk,
                "pillar": "customer",
                "opens_on": today.isoformat(),
                "closes_on": (today + dt.timedelta(days=30)).isoformat(),
            },
            format="json",
        ),
        201,
    )
    idea = ok(
        idea_by.post(
            "/api/initiatives/",
            {
                "title": "Dividers for glassware",
                "problem_statement": "3 % of parcels with glassware arrive broken.",
                "proposed_change": "Pack glassware in boxes with dividers.",
                "area": area.pk,
                "pillar": "customer",
                "campaign": campaign["id"],
            },
            format="json",
        ),
        201,
    )
    pk = idea["id"]
    listed = ok(desk.get(f"/api/campaigns/{campaign['id']}/ideas/"))["results"]
    assert [i["id"] for i in listed] == [pk]

    # Triage: scored, DMAIC, an owner; into the backlog, then Define.
    ok(
        desk.patch(
            f"/api/initiatives/{pk}/",
            {"impact": 4, "effort": 2, "methodology": "dmaic", "owner": owner.pk},
            format="json",
        )
    )
    move(desk, pk, "backlog")
    move(team, pk, "define")

    # Define → Measure: a primary target with a typed baseline and a target value.
    target = ok(
        team.post(
            f"/api/initiatives/{pk}/targets/",
            {"metric": metric.pk, "is_primary": True, "baseline_value": 3.0, "target_value": 1.0},
            format="json",
        ),
        201,
    )
    move(team, pk, "measure")
    move(team, pk, "analyze")  # the baseline freezes

    # Analyze → Improve needs the root cause: a 5-why with a verified one.
    ok(
        team.post(
            f"/api/initiatives/{pk}/five-whys/",
            {
                "problem": "Glassware arrives broken.",
                "steps": [
                    {"answer": "Glasses touch in the box."},
                    {
                        "answer": "Single-wall boxes have no dividers.",
                        "is_root_cause": True,
                        "verified": True,
                    },
                ],
            },
            format="json",
        ),
        201,
    )
    move(team, pk, "improve")

    # Improve: an action (assigned, then done), a photo, the change, its measurements.
    action = ok(
        team.post(
            f"/api/initiatives/{pk}/actions/",
            {
                "title": "Order boxes with dividers",
                "assignee": owner.pk,
                "due_on": today.isoformat(),
                "stage": "improve",
            },
            format="json",
        ),
        201,
    )
    ok(
        team.post(f"/api/initiatives/{pk}/attachments/", {"file": photo()}, format="multipart"),
        201,
    )
    change = today - dt.timedelta(days=20)
    ok(team.patch(f"/api/initiatives/{pk}/", {"implemented_on": change.isoformat()}, format="json"))
    points = [
        {
            "target": target["id"],
            "observed_at": f"{change + dt.timedelta(days=d)}T12:00:00Z",
            "value": value,
        }
        for d, value in enumerate([1.1, 0.9, 1.0, 1.2, 0.8, 1.0, 0.9, 1.1, 1.0, 0.9])
    ]
    with django_capture_on_commit_callbacks(execute=True):  # the results job, in process
        ok(team.post("/api/measurements/", points, format="json"), 201)
    refused = team.post(f"/api/initiatives/{pk}/transition/", {"to": "control"})
    assert refused.status_code == 409  # the action is still open
    ok(team.patch(f"/api/actions/{action['id']}/", {"status": "done"}, format="json"))
    move(team, pk, "control")

    # Control → Completed: the result is proven; the control plan is written.
    result = ok(team.get(f"/api/targets/{target['id']}/results/"))
    assert result["status"] == ResultStatus.ACHIEVED
    assert result["significant"] is True
    ok(
        team.patch(
            f"/api/initiatives/{pk}/", {"control_plan": "Audit 20 parcels a week."}, format="json"
        )
    )
    move(team, pk, "completed")

    initiative = Initiative.objects.get(pk=pk)
    assert (initiative.stage, initiative.campaign_id) == (Stage.COMPLETED, campaign["id"])
    assert ActionItem.objects.get(initiative=initiative).status == "done"
    assert Attachment.objects.filter(initiative=initiative).count() == 1
    assert ResultSnapshot.objects.filter(target_id=target["id"]).exists()

    # The A3, as PDF: the title, the baseline, the root cause, the action, the result.
    response = web_as(owner).get(f"/initiatives/{pk}/a3.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for expected in (
        "Dividers for glassware",
        "Single-wall boxes have no dividers",
        "Order boxes with dividers",
        "Achieved",
    ):
        assert expected in text, expected
    assert "3" in text  # the baseline


def test_a_team_runs_a_pdca_cycle_with_its_actions(
    api_as, web_as, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    reviewer, owner = ReviewerFactory(), UserFactory()
    area, metric = AreaFactory(), MetricFactory(name="Refund time", unit="days")
    desk, team = api_as(reviewer), api_as(owner)
    pk = ok(
        team.post(
            "/api/initiatives/",
            {
                "title": "Refunds in one step",
                "problem_statement": "A refund waits in two queues.",
                "proposed_change": "One queue, one approver.",
                "area": area.pk,
                "pillar": "customer",
            },
            format="json",
        ),
        201,
    )["id"]
    ok(
        desk.patch(
            f"/api/initiatives/{pk}/",
            {"impact": 3, "effort": 1, "methodology": "pdca", "owner": owner.pk},
            format="json",
        )
    )
    move(desk, pk, "backlog")
    move(team, pk, "plan")
    target = ok(
        team.post(
            f"/api/initiatives/{pk}/targets/",
            {"metric": metric.pk, "is_primary": True, "baseline_value": 20.0, "target_value": 12},
            format="json",
        ),
        201,
    )
    move(team, pk, "do")  # the baseline freezes
    action = ok(
        team.post(
            f"/api/initiatives/{pk}/actions/",
            {
                "title": "Merge the queues",
                "assignee": owner.pk,
                "due_on": today.isoformat(),
                "stage": "do",
            },
            format="json",
        ),
        201,
    )
    change = today - dt.timedelta(days=15)
    ok(team.patch(f"/api/initiatives/{pk}/", {"implemented_on": change.isoformat()}, format="json"))
    points = [
        {
            "target": target["id"],
            "observed_at": f"{change + dt.timedelta(days=d)}T12:00:00Z",
            "value": value,
        }
        for d, value in enumerate([11, 12, 10, 11, 12, 10, 11, 11])
    ]
    with django_capture_on_commit_callbacks(execute=True):
        ok(team.post("/api/measurements/", points, format="json"), 201)
    assert team.post(f"/api/initiatives/{pk}/transition/", {"to": "check"}).status_code == 409
    ok(team.patch(f"/api/actions/{action['id']}/", {"status": "done"}, format="json"))
    move(team, pk, "check")
    move(team, pk, "act")  # a result from post-change data exists
    ok(team.patch(f"/api/initiatives/{pk}/", {"decision_note": "Adopt: one queue."}, format="json"))
    move(team, pk, "completed")

    assert Initiative.objects.get(pk=pk).stage == Stage.COMPLETED
    assert ok(team.get(f"/api/targets/{target['id']}/results/"))["status"] == "achieved"
    response = web_as(owner).get(f"/initiatives/{pk}/a3/")
    assert response.status_code == 200
    assert "Merge the queues" in response.content.decode()
