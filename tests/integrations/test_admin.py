"""The administrators' desk: channels are created and changed through the service (bad
addresses refused on the form, the full address and secret never shown again), a test
message can be sent, and deliveries are a read-only log with filters, search and a
retry action. Each list costs the same queries for 5 rows as for 50."""

import json

import pytest
from django.utils import timezone

from integrations import services
from integrations.models import Channel, ChannelKind, Delivery, DeliveryStatus, Event
from tests.admin_forms import admin_url
from tests.factories import InitiativeFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

SLACK_URL = "https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"


@pytest.fixture
def desk(client, admin):
    client.force_login(admin)
    return client


def form(**overrides) -> dict:
    return {
        "name": "Ops bus",
        "kind": ChannelKind.WEBHOOK,
        "url": "https://hooks.example.com/tracker",
        "events": [Event.IDEA_SUBMITTED, Event.STAGE_MOVED],
        "active": "on",
        **overrides,
    }


def make_channels(admin, count: int, receiver_url="https://hooks.example.com/x") -> list[Channel]:
    return [
        services.create_channel(
            actor=admin,
            name=f"Channel {n}",
            kind=ChannelKind.WEBHOOK,
            url=f"{receiver_url}/{n}",
            events=[Event.IDEA_SUBMITTED],
        )
        for n in range(count)
    ]


def make_deliveries(channel, count: int, status=DeliveryStatus.FAILED) -> None:
    initiative = InitiativeFactory()
    Delivery.objects.bulk_create(
        Delivery(
            channel=channel,
            event=Event.IDEA_SUBMITTED,
            event_key=f"initiative:{n}",
            initiative=initiative,
            payload={"n": n},
            status=status,
            attempts=6,
            last_error="HTTP 503 Service Unavailable",
            response_status=503,
        )
        for n in range(count)
    )


# --- channels -----------------------------------------------------------------------------------


def test_it_creates_a_webhook_and_shows_its_secret_once(desk, admin):
    response = desk.post(admin_url(Channel, "add"), form(), follow=True)

    assert response.status_code == 200
    channel = Channel.objects.get()
    assert (channel.name, channel.kind, channel.created_by) == ("Ops bus", "webhook", admin)
    assert channel.events == ["idea_submitted", "stage_moved"]
    assert channel.secret in response.content.decode()  # the message, once
    assert "Ops bus</a>” was added successfully" in response.content.decode()

    page = desk.get(admin_url(Channel, "change", channel.pk)).content.decode()
    assert channel.secret not in page
    assert channel.masked_secret in page
    assert "https://hooks.example.com/tracker" not in page  # only its host
    assert "https://hooks.example.com/…" in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"url": "ftp://files.example.com/x"}, "Give an http:// or https:// address"),
        ({"url": "javascript:alert(1)"}, "Give an http:// or https:// address"),
        ({"url": ""}, "Give the channel&#x27;s address."),
        (
            {"kind": ChannelKind.SLACK, "url": "https://hooks.slack.com/oops"},
            "A Slack webhook looks like",
        ),
        (
            {"kind": ChannelKind.SLACK, "url": "https://chat.example.com/api/v4/posts"},
            "Not a Slack webhook",
        ),
        (
            {
                "kind": ChannelKind.TEAMS,
                "url": "http://x.logic.azure.com/workflows/a/triggers/manual/paths/invoke?sig=abc",
            },
            "A Teams workflow webhook looks like",
        ),
        ({"events": []}, "This field is required."),
        ({"events": ["everything"]}, "Select a valid choice."),
        ({"url": "https://user:pw@hooks.example.com/x"}, "may not carry a user name"),
    ],
)
def test_it_refuses_bad_input_on_the_form(desk, changes, message):
    response = desk.post(admin_url(Channel, "add"), form(**changes))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Channel.objects.exists()


def test_it_keeps_the_saved_address_when_the_field_is_left_empty(desk, admin):
    channel = services.create_channel(
        actor=admin,
        name="Slack",
        kind=ChannelKind.SLACK,
        url=SLACK_URL,
        events=[Event.IDEA_SUBMITTED],
    )

    response = desk.post(
        admin_url(Channel, "change", channel.pk),
        form(name="Slack #ci", kind=ChannelKind.SLACK, url="", events=[Event.QUARTER_CLOSED]),
    )

    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.url, channel.events) == (
        "Slack #ci",
        SLACK_URL,
        ["quarter_closed"],
    )
    assert channel.secret == ""


def test_it_lists_channels_with_masked_addresses_and_failures(desk, admin):
    [channel] = make_channels(admin, 1)
    make_deliveries(channel, 3)

    page = desk.get(admin_url(Channel, "changelist")).content.decode()

    assert "https://hooks.example.com/…" in page
    assert "https://hooks.example.com/x/0" not in page
    assert channel.secret not in page
    assert "errornote" in page  # 3 failed, marked


def test_it_sends_a_test_message_from_the_admin(desk, admin, receiver):
    [good] = make_channels(admin, 1, receiver.base)
    bad = services.create_channel(
        actor=admin,
        name="Broken",
        kind=ChannelKind.WEBHOOK,
        url=f"{receiver.base}/broken",
        events=[Event.IDEA_SUBMITTED],
    )
    receiver.answer(404, 200)  # in name order: Broken, then Channel 0

    response = desk.post(
        admin_url(Channel, "changelist"),
        {"action": "send_test_message", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "“Broken”: the test message failed: HTTP 404" in page
    assert "“Channel 0”: the test message was sent." in page
    assert [json.loads(r.body)["event"] for r in receiver.received] == ["test", "test"]
    assert not Delivery.objects.exists()


def test_it_rotates_a_webhooks_secret(desk, admin):
    [channel] = make_channels(admin, 1)
    old = channel.secret

    response = desk.post(
        admin_url(Channel, "changelist"),
        {"action": "rotate_signing_secret", "_selected_action": [channel.pk]},
        follow=True,
    )

    channel.refresh_from_db()
    assert response.status_code == 200
    assert channel.secret != old
    assert channel.secret in response.content.decode()


def test_it_keeps_channels_from_staff_who_are_not_administrators(client):
    client.force_login(ReviewerFactory(is_staff=True))

    assert client.get(admin_url(Channel, "changelist")).status_code == 403
    assert client.post(admin_url(Channel, "add"), form()).status_code == 403
    assert client.get(admin_url(Delivery, "changelist")).status_code == 403
    assert not Channel.objects.exists()


def test_the_channel_list_costs_the_same_queries_for_5_and_50_rows(desk, admin, count_queries):
    make_channels(admin, 5)
    url = admin_url(Channel, "changelist")
    response, few = count_queries(desk, url)
    assert response.status_code == 200
    channels = Channel.objects.all()
    make_deliveries(channels[0], 3)
    for n in range(5, 50):
        services.create_channel(
            actor=admin,
            name=f"Channel {n}",
            kind=ChannelKind.SLACK,
            url=SLACK_URL,
            events=[Event.STAGE_MOVED],
        )

    response, many = count_queries(desk, url)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 50
    assert many == few


# --- deliveries ---------------------------------------------------------------------------------


def test_it_lists_deliveries_with_their_status_and_error(desk, admin):
    [channel] = make_channels(admin, 1)
    make_deliveries(channel, 2)
    make_deliveries(channel, 0)

    response = desk.get(admin_url(Delivery, "changelist"), {"status": "failed"})

    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["cl"].result_count == 2
    assert "HTTP 503 Service Unavailable" in page
    assert "Failed" in page


@pytest.mark.parametrize(
    "query", [{"event": "idea_submitted"}, {"q": "503"}, {"channel__id__exact": "1"}]
)
def test_it_filters_and_searches_deliveries(desk, admin, query):
    [channel] = make_channels(admin, 1)
    make_deliveries(channel, 2)
    if "channel__id__exact" in query:
        query = {"channel__id__exact": str(channel.pk)}

    response = desk.get(admin_url(Delivery, "changelist"), query)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 2


def test_it_shows_one_delivery_read_only(desk, admin):
    [channel] = make_channels(admin, 1)
    make_deliveries(channel, 1)
    delivery = Delivery.objects.get()

    response = desk.get(admin_url(Delivery, "change", delivery.pk))

    assert response.status_code == 200
    assert "HTTP 503 Service Unavailable" in response.content.decode()
    assert desk.post(admin_url(Delivery, "change", delivery.pk), {}).status_code == 403


def test_it_sends_failed_deliveries_again(
    desk, admin, receiver, django_capture_on_commit_callbacks
):
    [channel] = make_channels(admin, 1, receiver.base)
    make_deliveries(channel, 2)
    make_deliveries_sent = Delivery.objects.first()
    Delivery.objects.filter(pk=make_deliveries_sent.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now()
    )
    ids = list(Delivery.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            admin_url(Delivery, "changelist"),
            {"action": "retry_selected", "_selected_action": ids},
            follow=True,
        )

    assert response.status_code == 200
    assert "1 failed delivery queued again." in response.content.decode()
    assert len(receiver.received) == 1  # the failed one, not the sent one
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    retried = Delivery.objects.exclude(pk=make_deliveries_sent.pk).get()
    assert (retried.attempts, retried.last_error) == (1, "")


def test_the_delivery_list_costs_the_same_queries_for_5_and_50_rows(desk, admin, count_queries):
    channels = make_channels(admin, 2)
    make_deliveries(channels[0], 5)
    url = admin_url(Delivery, "changelist")
    response, few = count_queries(desk, url)
    assert response.status_code == 200

    make_deliveries(channels[1], 45, status=DeliveryStatus.PENDING)
    response, many = count_queries(desk, url)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 50
    assert many == few


def test_the_services_refuse_anyone_but_an_administrator(admin):
    from django.core.exceptions import PermissionDenied

    [channel] = make_channels(admin, 1)
    staff = ReviewerFactory(is_staff=True)

    with pytest.raises(PermissionDenied):
        services.create_channel(
            actor=staff,
            name="X",
            kind=ChannelKind.WEBHOOK,
            url="https://x.example.com/",
            events=[Event.IDEA_SUBMITTED],
        )
    with pytest.raises(PermissionDenied):
        services.update_channel(channel=channel, actor=staff, changes={"active": False})
    with pytest.raises(PermissionDenied):
        services.retry(deliveries=[], actor=staff)
    channel.refresh_from_db()
    assert channel.active
    assert Channel.objects.count() == 1
