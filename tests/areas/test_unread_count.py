"""The unread count in the navigation counts what the notification list shows: not the
notifications about an initiative the person may no longer see (the `outsider` was told
about the R&D lab's initiative before the lab was restricted)."""

import pytest
from django.urls import reverse

from config.auth import ModelBackend
from improvement.context_processors import notifications as unread_context
from improvement.models import Notification
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def badge(client, user) -> int:
    client.force_login(user)
    response = client.get(reverse("improvement:dashboard"))
    assert response.status_code == 200
    return response.context["unread_count"]


def test_the_count_leaves_out_what_the_list_hides(client, world):
    NotificationFactory(recipient=world.outsider, initiative=world.open_idea)
    NotificationFactory(recipient=world.outsider, initiative=None, message="Quarter closed")

    assert badge(client, world.outsider) == 2  # not the lab's
    response = client.get(reverse("improvement:notifications"))
    assert len(response.context["page"].object_list) == 2


def test_those_who_may_see_it_count_it(client, world):
    assert badge(client, world.member) == 1
    NotificationFactory(recipient=world.admin, initiative=world.secret)
    assert badge(client, world.admin) == 1  # administrators see every area


def test_the_count_of_a_user_loaded_otherwise_is_the_same(rf, world):
    request = rf.get("/")
    request.user = world.outsider  # no count loaded with it
    assert unread_context(request) == {"unread_count": 0}
    request.user = world.member
    assert unread_context(request) == {"unread_count": 1}


def test_the_user_is_still_loaded_in_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = ModelBackend().get_user(world.outsider.pk)
    assert user.unread_notifications == 0


def test_marking_all_read_marks_only_those_shown(client, world):
    client.force_login(world.outsider)
    response = client.post(reverse("improvement:notifications_read"))

    assert response.status_code == 302
    world.outsider_notification.refresh_from_db()
    assert world.outsider_notification.read_at is None  # hidden, left as it was


def test_a_hidden_notification_cannot_be_opened(client, world):
    client.force_login(world.outsider)
    response = client.post(
        reverse("improvement:notifications_read"), {"id": world.outsider_notification.pk}
    )

    assert response.status_code == 404
    assert Notification.objects.get(pk=world.outsider_notification.pk).read_at is None
