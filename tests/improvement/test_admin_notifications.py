"""Reviewers read the admin to review; other people's notifications are not theirs to
read. Administrators still see them (support, bounced mail)."""

import pytest
from django.urls import reverse

from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_it_does_not_show_a_staff_reviewer_other_peoples_notifications(client, staff_reviewer):
    notification = NotificationFactory(message="Your idea was rejected: private reasons.")
    client.force_login(staff_reviewer)

    listing = client.get(reverse("admin:improvement_notification_changelist"))
    one = client.get(reverse("admin:improvement_notification_change", args=[notification.pk]))
    index = client.get(reverse("admin:index"))

    assert listing.status_code == 403
    assert one.status_code == 403
    assert index.status_code == 200
    assert b"improvement/notification/" not in index.content


def test_it_still_lets_a_staff_reviewer_read_what_reviewing_needs(client, staff_reviewer):
    client.force_login(staff_reviewer)

    for name in ("improvement_initiative", "metrics_quarterlyresult", "metrics_measurement"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_it_shows_an_administrator_every_notification(admin_client):
    notification = NotificationFactory(message="Private.")

    response = admin_client.get(reverse("admin:improvement_notification_changelist"))

    assert response.status_code == 200
    change = reverse("admin:improvement_notification_change", args=[notification.pk])
    assert change.encode() in response.content
