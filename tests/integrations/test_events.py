"""The events are raised by the real write paths, once committed, and reach exactly the
channels whose scope and events match: an idea submitted through the API, a stage move,
a signal after completion, a closed quarter. Nothing goes out when the write rolls back,
and a private initiative never reaches a channel outside its restricted area."""

import datetime as dt
import json

import pytest
from django.db import transaction
from django.utils import timezone

from improvement import services as improvement_services
from improvement import workflow
from improvement.models import Methodology, Stage
from integrations import services
from integrations.models import Channel, ChannelKind, Delivery, Event
from metrics.ledger import review
from metrics.models import Direction
from metrics.results.compute import compute_results
from metrics.results.sustainment import watch
from tests.factories import (
    CampaignFactory,
    LedgerRowFactory,
    LiveInitiativeFactory,
    ReadyInitiativeFactory,
    TargetFactory,
    UserFactory,
    record_series,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(admin, receiver):
    """`hook(name, events=…, area=…, campaign=…)`: a webhook channel at the receiver."""

    def make(name, events=tuple(Event.values), **scope):
        return services.create_channel(
            actor=admin,
            name=name,
            kind=ChannelKind.WEBHOOK,
            url=f"{receiver.base}/{name}",
            events=list(events),
            **scope,
        )

    return make


def received_by(receiver) -> dict[str, list[dict]]:
    """What each channel (its path) received, as JSON."""
    by_path = {}
    for request in receiver.received:
        by_path.setdefault(request.route.strip("/"), []).append(json.loads(request.body))
    return by_path


def submit_through_api(api_as, area, capture, **fields):
    with capture(execute=True):
        response = api_as(UserFactory()).post(
            "/api/initiatives/",
            {
                "title": "Pick-by-light in aisle 4",
                "problem_statement": "Pickers search.",
                "proposed_change": "Lights.",
                "area": area.pk,
                "pillar": "operational",
                **fields,
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_it_tells_the_matching_channels_of_an_idea_submitted_through_the_api(
    api_as, tree, hook, receiver, django_capture_on_commit_callbacks
):
    hook("everything")
    hook("site", area=tree["site"])  # Logistics is under the site
    hook("logistics", area=tree["logistics"])
    hook("other-area", area=tree["line"])
    hook("moves-only", events=[Event.STAGE_MOVED])

    idea_id = submit_through_api(api_as, tree["logistics"], django_capture_on_commit_callbacks)

    got = received_by(receiver)
    assert sorted(got) == ["everything", "logistics", "site"]
    assert all(body[0]["initiative"]["id"] == idea_id for body in got.values())
    assert Delivery.objects.filter(initiative_id=idea_id, event=Event.IDEA_SUBMITTED).count() == 3
    assert not Delivery.objects.filter(channel__name__in=["other-area", "moves-only"]).exists()


def test_it_keeps_a_private_initiative_to_its_restricted_areas_channels(
    admin, api_as, tree, hook, receiver, django_capture_on_commit_callbacks
):
    tree["line"].members.add(member := UserFactory())
    hook("everything")
    hook("site", area=tree["site"])  # above the restricted area: not private itself
    hook("assembly", area=tree["assembly"])  # the restricted area
    hook("line", area=tree["line"])  # under it: private too

    with django_capture_on_commit_callbacks(execute=True):
        improvement_services.submit_idea(
            actor=member,
            title="Secret jig",
            problem_statement="p",
            proposed_change="c",
            area=tree["line"],
            pillar="operational",
        )

    assert sorted(received_by(receiver)) == ["assembly", "line"]
    assert set(Delivery.objects.values_list("channel__name", flat=True)) == {"assembly", "line"}


def test_it_tells_a_campaigns_channel_only_about_its_ideas(
    api_as, tree, hook, receiver, django_capture_on_commit_callbacks
):
    campaign = CampaignFactory(area=tree["logistics"])
    hook("campaign", campaign=campaign)

    submit_through_api(api_as, tree["logistics"], django_capture_on_commit_callbacks)
    assert received_by(receiver) == {}

    submit_through_api(
        api_as,
        tree["logistics"],
        django_capture_on_commit_callbacks,
        title="For the campaign",
        campaign=campaign.pk,
    )
    [body] = received_by(receiver)["campaign"]
    assert body["initiative"]["campaign"] == {"id": campaign.pk, "title": campaign.title}


def test_it_sends_nothing_when_the_write_rolls_back(
    tree, hook, receiver, django_capture_on_commit_callbacks
):
    hook("everything")

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        improvement_services.submit_idea(
            actor=UserFactory(),
            title="Never",
            problem_statement="p",
            proposed_change="c",
            area=tree["logistics"],
            pillar="operational",
        )
        raise RuntimeError("the request failed after the idea was written")

    assert receiver.received == []
    assert not Delivery.objects.exists()


def test_it_tells_of_a_stage_move(
    reviewer, tree, hook, receiver, django_capture_on_commit_callbacks
):
    hook("moves", events=[Event.STAGE_MOVED])
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED, area=tree["logistics"])

    with django_capture_on_commit_callbacks(execute=True):
        workflow.move(
            initiative=initiative, to=Stage.REJECTED, actor=reviewer, note="Out of scope."
        )

    [body] = received_by(receiver)["moves"]
    assert body["event"] == "stage_moved"
    assert body["transition"]["from"] == "submitted"
    assert body["transition"]["to"] == "rejected"
    assert "moved from Submitted to Rejected" in body["text"]


def test_it_tells_of_a_signal_after_completion(
    tree, hook, receiver, settings, django_capture_on_commit_callbacks
):
    settings.CONTROL_LIMIT_POINTS = 5
    hook("signals", events=[Event.SIGNAL_ALERT])
    initiative = LiveInitiativeFactory(
        stage=Stage.COMPLETED,
        methodology=Methodology.DMAIC,
        area=tree["logistics"],
        stage_entered_at=timezone.now() - dt.timedelta(days=10),
    )
    target = TargetFactory(
        initiative=initiative,
        metric__direction=Direction.LOWER_IS_BETTER,
        baseline_value=15.0,
        target_value=10.0,
    )
    record_series(target, first=dt.date(2026, 3, 2), values=[10, 12, 11, 13, 12, 11, 30])
    compute_results(as_of=dt.date(2026, 6, 30))

    with django_capture_on_commit_callbacks(execute=True):
        assert watch() == 1

    [body] = received_by(receiver)["signals"]
    assert body["event"] == "signal_alert"
    assert body["initiative"]["id"] == initiative.pk
    assert body["signal"]["value"] == 30.0
    assert body["signal"]["rule"] == 1


def test_it_tells_each_channel_its_part_of_a_closed_quarter(
    reviewer, tree, hook, receiver, django_capture_on_commit_callbacks
):
    now = timezone.now()
    LedgerRowFactory(initiative__area=tree["logistics"], reviewed_at=now, reviewed_by=reviewer)
    LedgerRowFactory(initiative__area=tree["line"], reviewed_at=now, reviewed_by=reviewer)
    hook("everything", events=[Event.QUARTER_CLOSED])
    hook("assembly", events=[Event.QUARTER_CLOSED], area=tree["assembly"])
    hook("campaign", events=[Event.QUARTER_CLOSED], campaign=CampaignFactory())

    with django_capture_on_commit_callbacks(execute=True):
        review.close_quarter(year=2026, quarter=1, actor=reviewer)

    got = received_by(receiver)
    assert sorted(got) == ["assembly", "everything"]
    # The company-wide channel does not count the restricted area's row; its own does.
    assert got["everything"][0]["quarter"]["initiatives"] == 1
    assert got["assembly"][0]["quarter"]["initiatives"] == 1
    assert got["everything"][0]["quarter"]["proven_benefit"] == "1250.00"
    assert "2026 Q1 is closed" in got["everything"][0]["text"]


def test_it_tells_a_switched_off_channel_nothing(
    tree, hook, receiver, django_capture_on_commit_callbacks, api_as
):
    Channel.objects.filter(pk=hook("off").pk).update(active=False)

    submit_through_api(api_as, tree["logistics"], django_capture_on_commit_callbacks)

    assert receiver.received == []
    assert not Delivery.objects.exists()


def test_it_tells_of_the_first_measured_result_once(
    tree, hook, receiver, django_capture_on_commit_callbacks
):
    from metrics.models import ResultSnapshot
    from metrics.tasks import measure_results
    from tests.factories import MetricFactory

    hook("results", events=[Event.RESULT_COMPUTED])
    initiative = LiveInitiativeFactory(
        title="Faster refunds", implemented_on=dt.date(2026, 3, 2), area=tree["logistics"]
    )
    target = TargetFactory(
        initiative=initiative,
        metric=MetricFactory(name="Cycle time", direction=Direction.LOWER_IS_BETTER),
        baseline_value=10.0,
        target_value=8.0,
    )
    record_series(target, first=dt.date(2026, 3, 2), values=[7.0, 7.1, 6.9, 7.0, 7.05, 6.95])

    with django_capture_on_commit_callbacks(execute=True):
        measure_results.delay(initiative_id=initiative.pk).get()
    with django_capture_on_commit_callbacks(execute=True):
        measure_results.delay(initiative_id=initiative.pk).get()  # again: nothing new

    [body] = received_by(receiver)["results"]
    assert body["event"] == "result_computed"
    assert body["result"]["status"] == "achieved"
    assert body["result"]["metric"] == "Cycle time"
    assert body["text"].startswith("First measured result for “Faster refunds”: Achieved")
    assert Delivery.objects.get().event_key == f"result:{ResultSnapshot.objects.get().pk}"


def test_a_failing_listener_never_undoes_or_fails_the_write(
    api_as, tree, hook, monkeypatch, django_capture_on_commit_callbacks
):
    hook("everything")

    def broken(news):
        raise RuntimeError("the chat app has a bug")

    monkeypatch.setattr(services, "publish", broken)

    idea_id = submit_through_api(api_as, tree["logistics"], django_capture_on_commit_callbacks)

    from improvement.models import Initiative

    assert Initiative.objects.filter(pk=idea_id).exists()
    assert not Delivery.objects.exists()
