"""The admin lists attachments and deletes them through the service: a staff member who
may not delete the file (not its uploader, the owner or a reviewer) is refused."""

from django.contrib.auth.models import Permission
from django.urls import reverse

from attachments.models import Attachment
from tests.attachments.conftest import stored_files
from tests.factories import UserFactory


def test_it_lists_attachments_in_the_admin(client, admin_user, initiative, attach):
    attach(initiative, name="bench.png")
    client.force_login(admin_user)

    response = client.get(reverse("admin:attachments_attachment_changelist"))

    assert response.status_code == 200
    assert "bench.png" in response.content.decode()
    assert client.get(reverse("admin:attachments_attachment_add")).status_code == 403


def test_it_deletes_from_the_admin_through_the_service(
    client, admin_user, initiative, attach, media, django_capture_on_commit_callbacks
):
    attachment = attach(initiative)
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:attachments_attachment_delete", args=[attachment.pk]), {"post": "yes"}
        )

    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    assert Attachment.audit.get(history_type="-").history_user == admin_user


def test_it_refuses_a_staff_member_the_service_would_refuse(client, initiative, attach, media):
    attachment = attach(initiative)
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_attachment", "delete_attachment"])
    )
    client.force_login(staff)

    response = client.post(
        reverse("admin:attachments_attachment_changelist"),
        {"action": "delete_selected", "_selected_action": [attachment.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert Attachment.objects.exists()
    assert len(stored_files(media)) == 2
