"""A generic webhook gets the event as signed JSON: the receiver checks the signature
from the headers and the body it received, with the algorithm the README documents."""

import hashlib
import hmac
import json
import time

import pytest

from improvement import services as improvement_services
from integrations import services, signing
from integrations.models import ChannelKind, Delivery, DeliveryStatus, Event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def readme_verify(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """The README's verification snippet, written out independently of signing.py."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def test_it_posts_a_signed_json_body_to_a_webhook(
    admin, tree, receiver, site_url, django_capture_on_commit_callbacks
):
    channel = services.create_channel(
        actor=admin,
        name="Ops bus",
        kind=ChannelKind.WEBHOOK,
        url=f"{receiver.base}/incoming",
        events=[Event.IDEA_SUBMITTED],
    )
    assert len(channel.secret) == 64

    with django_capture_on_commit_callbacks(execute=True):
        idea, _ = improvement_services.submit_idea(
            actor=UserFactory(first_name="Ada", last_name="Byron"),
            title="Kanban cards for the <b>paint</b> line",
            problem_statement="Paint waits.",
            proposed_change="Cards.",
            area=tree["logistics"],
            pillar="operational",
        )

    [request] = receiver.received
    assert request.route == "/incoming"
    assert request.headers["content-type"].startswith("application/json")
    assert request.headers["x-tracker-event"] == "idea_submitted"
    header = request.headers["x-tracker-signature"]
    assert readme_verify(channel.secret, request.body, header)
    assert signing.verify(secret=channel.secret, body=request.body, header_value=header)
    # A different secret, or one changed byte, does not verify.
    assert not readme_verify("0" * 64, request.body, header)
    assert not readme_verify(channel.secret, request.body + b" ", header)

    body = json.loads(request.body)
    assert body["event"] == "idea_submitted"
    assert body["initiative"]["id"] == idea.pk
    assert body["initiative"]["title"] == "Kanban cards for the <b>paint</b> line"
    assert body["initiative"]["area"] == {"id": tree["logistics"].pk, "name": "Logistics"}
    assert body["url"] == f"{site_url}/initiatives/{idea.pk}/"
    assert "Ada Byron" in body["text"]

    delivery = Delivery.objects.get()
    assert request.headers["x-tracker-delivery"] == str(delivery.pk)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.SENT,
        1,
        200,
    )
    assert delivery.sent_at is not None
    assert delivery.payload == body


def test_it_refuses_an_old_or_unparsable_signature():
    body = b'{"a":1}'
    old = signing.header(secret="s", body=body, timestamp=int(time.time()) - 3600)

    assert not signing.verify(secret="s", body=body, header_value=old)
    assert not signing.verify(secret="s", body=body, header_value="nonsense")
    assert signing.verify(secret="s", body=body, header_value=signing.header(secret="s", body=body))
