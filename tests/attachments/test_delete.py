"""Who may delete a file: whoever attached it, the initiative's owner, reviewers and
administrators — on the page, in the API and in the admin, all through the service. The
file and its thumbnail leave the storage once the deletion is committed; the audit
keeps who deleted what."""

import pytest
from django.urls import reverse

from attachments.models import Attachment
from tests.attachments.conftest import stored_files
from tests.factories import AdminFactory, ReviewerFactory, TriagedInitiativeFactory, UserFactory


@pytest.fixture
def people(db):
    return {
        "uploader": UserFactory(username="uploader"),
        "owner": UserFactory(username="owner"),
        "reviewer": ReviewerFactory(username="rev"),
        "admin": AdminFactory(username="root"),
        "colleague": UserFactory(username="colleague"),
    }


@pytest.fixture
def owned(people):
    return TriagedInitiativeFactory(owner=people["owner"])


@pytest.mark.parametrize("who", ["uploader", "owner", "reviewer", "admin"])
def test_it_lets_these_delete_a_file(
    who, people, owned, attach, web_as, media, django_capture_on_commit_callbacks
):
    attachment = attach(owned, by=people["uploader"])
    assert len(stored_files(media)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = web_as(people[who]).post(reverse("attachments:delete", args=[attachment.pk]))

    assert response.status_code == 302
    assert response["Location"].endswith(f"/initiatives/{owned.pk}/#attachments")
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    deleted = Attachment.audit.filter(id=attachment.pk, history_type="-").get()
    assert deleted.history_user == people[who]


def test_it_refuses_a_colleague_who_did_not_attach_it(people, owned, attach, web_as, media):
    attachment = attach(owned, by=people["uploader"])

    response = web_as(people["colleague"]).post(reverse("attachments:delete", args=[attachment.pk]))

    assert response.status_code == 403
    assert Attachment.objects.get() == attachment
    assert len(stored_files(media)) == 2


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("uploader", 204), ("owner", 204)])
def test_it_deletes_through_the_api_by_the_same_rules(
    who, status, people, owned, attach, api_as, media, django_capture_on_commit_callbacks
):
    attachment = attach(owned, by=people["uploader"])

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(people[who]).delete(f"/api/attachments/{attachment.pk}/")

    assert response.status_code == status
    assert Attachment.objects.exists() is (status == 403)
    assert len(stored_files(media)) == (2 if status == 403 else 0)


def test_it_keeps_the_file_when_the_deletion_is_rolled_back(people, owned, attach, media):
    from django.db import transaction

    from attachments import services

    attachment = attach(owned, by=people["uploader"])

    with pytest.raises(RuntimeError), transaction.atomic():
        services.delete_attachment(attachment=attachment, actor=people["uploader"])
        raise RuntimeError("something later failed")

    assert Attachment.objects.exists()
    assert len(stored_files(media)) == 2


def test_it_removes_the_files_with_their_initiative(
    people, owned, attach, media, django_capture_on_commit_callbacks
):
    attach(owned, by=people["uploader"])

    with django_capture_on_commit_callbacks(execute=True):
        owned.delete()

    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_it_shows_the_delete_button_only_to_those_who_may(people, owned, attach, web_as):
    attachment = attach(owned, by=people["uploader"])
    button = f'action="{reverse("attachments:delete", args=[attachment.pk])}"'
    page = reverse("improvement:initiative", args=[owned.pk])

    assert button in web_as(people["uploader"]).get(page).content.decode()
    assert button in web_as(people["reviewer"]).get(page).content.decode()
    assert button not in web_as(people["colleague"]).get(page).content.decode()
