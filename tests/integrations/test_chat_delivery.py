"""Slack and Teams messages go through apprise to a receiver the test starts: each
arrives in its service's own format, with the news and a link, and a title cannot
ping a whole channel."""

import json

import pytest

from integrations import services
from integrations.models import ChannelKind, Delivery, DeliveryStatus, Event
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

SLACK_URL = "https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"


def publish_idea(initiative, capture):
    from integrations import messages

    with capture(execute=True):
        return services.publish(messages.idea_submitted(initiative_id=initiative.pk))


def test_it_sends_a_slack_message_through_apprise(
    admin, tree, receiver, slack_at, site_url, django_capture_on_commit_callbacks
):
    slack_at(receiver)
    services.create_channel(
        actor=admin,
        name="#improvement",
        kind=ChannelKind.SLACK,
        url=SLACK_URL,
        events=[Event.IDEA_SUBMITTED],
    )
    idea = InitiativeFactory(title="<!channel> Fewer forklift trips", area=tree["logistics"])

    publish_idea(idea, django_capture_on_commit_callbacks)

    [request] = receiver.received
    assert request.route == "/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"
    body = json.loads(request.body)
    [attachment] = body["attachments"]
    assert attachment["title"] == "New idea"
    assert "Fewer forklift trips" in attachment["text"]
    assert f"<{site_url}/initiatives/{idea.pk}/|Open in the tracker>" in attachment["text"]
    # The title's Slack markup is defused: no <!channel> ping reaches Slack.
    assert "<!channel>" not in request.body.decode()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_it_sends_to_a_slack_compatible_webhook_at_any_host(
    admin, tree, receiver, django_capture_on_commit_callbacks
):
    services.create_channel(
        actor=admin,
        name="Mattermost",
        kind=ChannelKind.SLACK,
        url=f"{receiver.base}/chat/hooks/abc123token",
        events=[Event.IDEA_SUBMITTED],
    )
    idea = InitiativeFactory(title="Shadow board @all", area=tree["logistics"])

    publish_idea(idea, django_capture_on_commit_callbacks)

    [request] = receiver.received
    assert request.route == "/chat/hooks/abc123token"
    body = json.loads(request.body)
    assert body["username"] == "Improvement tracker"
    assert body["text"].startswith("New idea")
    assert "Shadow board" in body["text"]
    # A mention in a title is broken up: nobody is pinged.
    assert "@all" not in body["text"]
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_it_sends_a_teams_adaptive_card_through_apprise(
    admin, tree, tls_receiver, site_url, django_capture_on_commit_callbacks
):
    url = (
        f"{tls_receiver.base}/workflows/643e69f83c8944438d68119179a10a64/triggers/manual/"
        "paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0"
        "&sig=KODuebWbDGYFr0z0eu-6Rj8aUKz7108W3wrNJZxFE5A"
    )
    services.create_channel(
        actor=admin, name="Teams", kind=ChannelKind.TEAMS, url=url, events=[Event.IDEA_SUBMITTED]
    )
    idea = InitiativeFactory(title="Quick changeover on press 3", area=tree["logistics"])

    publish_idea(idea, django_capture_on_commit_callbacks)

    [request] = tls_receiver.received
    assert (
        request.route == "/workflows/643e69f83c8944438d68119179a10a64/triggers/manual/paths/invoke"
    )
    assert "sig=KODuebWbDGYFr0z0eu-6Rj8aUKz7108W3wrNJZxFE5A" in request.query
    body = json.loads(request.body)
    assert body["type"] == "message"
    card = body["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = [block["text"] for block in card["content"]["body"] if block["type"] == "TextBlock"]
    assert texts[0] == "New idea"
    assert "Quick changeover on press 3" in texts[1]
    assert f"({site_url}/initiatives/{idea.pk}/)" in texts[1]
    assert Delivery.objects.get().status == DeliveryStatus.SENT
