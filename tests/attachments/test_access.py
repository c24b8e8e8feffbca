"""A file goes out only to a signed-in person who may see its initiative, through a view
that checks: anonymous callers get the sign-in page (or a 401), someone who may not see
the initiative a 404 on every path — web and API, file, thumbnail, metadata, list,
upload and delete — as for an id that does not exist (no IDOR)."""

import pytest
from django.urls import reverse

from attachments.models import Attachment
from tests.attachments.conftest import CSV, PDF, image_bytes, stored_files, upload
from tests.factories import InitiativeFactory, UserFactory


@pytest.fixture
def reader(db):
    return UserFactory(username="reader")


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def hidden(outsider, initiative):
    """`initiative`, in a restricted area whose only member is its submitter: `outsider`
    may not see it (improvement.visibility, which attachments.access asks)."""
    area = initiative.area
    area.restricted = True
    area.save(update_fields=["restricted"])
    area.members.add(initiative.submitted_by)
    return initiative


def bytes_of(response) -> bytes:
    return b"".join(response.streaming_content)


# --- what a reader gets ------------------------------------------------------------------


def test_it_sends_a_document_as_a_download_of_its_stored_type(web_as, reader, initiative, attach):
    attachment = attach(initiative, name="plan.pdf", data=PDF)

    response = web_as(reader).get(reverse("attachments:download", args=[attachment.pk]))

    assert response.status_code == 200
    assert bytes_of(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "private" in response["Cache-Control"]


def test_it_shows_an_image_in_the_browser(web_as, reader, initiative, attach):
    attachment = attach(initiative, name="bench.png")

    response = web_as(reader).get(reverse("attachments:download", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="bench.png"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_sends_a_thumbnail_as_a_jpeg(web_as, reader, initiative, attach):
    attachment = attach(initiative, name="bench.png", data=image_bytes(size=(800, 400)))

    response = web_as(reader).get(reverse("attachments:thumbnail", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert bytes_of(response)[:3] == b"\xff\xd8\xff"


def test_it_has_no_thumbnail_for_a_document(web_as, reader, initiative, attach):
    attachment = attach(initiative, name="counts.csv", data=CSV)

    response = web_as(reader).get(reverse("attachments:thumbnail", args=[attachment.pk]))

    assert response.status_code == 404


def test_it_sends_text_named_like_a_photo_as_text_to_save(web_as, reader, initiative, attach):
    """The name says photo, the content says text: the content wins, and text is saved,
    never shown — so no browser renders it as anything."""
    attachment = attach(initiative, name="photo.jpg", data=b"<script>alert(1)</script>")

    response = web_as(reader).get(reverse("attachments:download", args=[attachment.pk]))

    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"].startswith("attachment;")


def test_it_answers_404_when_the_file_is_missing_from_the_storage(
    web_as, reader, initiative, attach, media
):
    attachment = attach(initiative, name="counts.csv", data=CSV)
    attachment.file.storage.delete(attachment.file.name)

    response = web_as(reader).get(reverse("attachments:download", args=[attachment.pk]))

    assert response.status_code == 404


def test_it_sends_the_file_through_the_api(api_as, reader, initiative, attach):
    attachment = attach(initiative, name="plan.pdf", data=PDF)

    response = api_as(reader).get(
        f"/api/attachments/{attachment.pk}/download/", HTTP_ACCEPT="application/pdf"
    )

    assert response.status_code == 200
    assert bytes_of(response) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_gives_an_attachments_metadata_through_the_api(api_as, reader, initiative, attach):
    attachment = attach(initiative, name="plan.pdf", data=PDF)

    response = api_as(reader).get(f"/api/attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert response.json()["original_name"] == "plan.pdf"
    assert response.json()["size"] == len(PDF)


# --- anonymous ---------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(client, initiative, attach):
    attachment = attach(initiative)

    for url in (
        reverse("attachments:download", args=[attachment.pk]),
        reverse("attachments:thumbnail", args=[attachment.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    response = client.post(reverse("attachments:delete", args=[attachment.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.post(
        reverse("attachments:upload", args=[initiative.pk]),
        {"attach-files": [upload("counts.csv", CSV)]},
    )
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Attachment.objects.count() == 1


def test_it_refuses_anonymous_api_callers(api, initiative, attach):
    attachment = attach(initiative)

    for url in (
        f"/api/initiatives/{initiative.pk}/attachments/",
        f"/api/attachments/{attachment.pk}/",
        f"/api/attachments/{attachment.pk}/download/",
    ):
        assert api.get(url).status_code == 401
    assert api.delete(f"/api/attachments/{attachment.pk}/").status_code == 401
    assert Attachment.objects.count() == 1


# --- someone who may not see the initiative ----------------------------------------------


def test_it_hides_the_files_of_an_initiative_one_may_not_see_on_the_web(
    web_as, outsider, hidden, attach, media
):
    attachment = attach(hidden, by=hidden.submitted_by)
    client = web_as(outsider)

    for url in (
        reverse("attachments:download", args=[attachment.pk]),
        reverse("attachments:thumbnail", args=[attachment.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("attachments:delete", args=[attachment.pk])).status_code == 404
    response = client.post(
        reverse("attachments:upload", args=[hidden.pk]),
        {"attach-files": [upload("counts.csv", CSV)]},
    )
    assert response.status_code == 404
    assert list(Attachment.objects.all()) == [attachment]
    assert len(stored_files(media)) == 2  # the file and its thumbnail, as they were


def test_it_hides_the_files_of_an_initiative_one_may_not_see_in_the_api(
    api_as, outsider, hidden, attach
):
    attachment = attach(hidden, by=hidden.submitted_by)
    client = api_as(outsider)

    for url in (
        f"/api/initiatives/{hidden.pk}/attachments/",
        f"/api/attachments/{attachment.pk}/",
        f"/api/attachments/{attachment.pk}/download/",
        f"/api/attachments/{attachment.pk}/thumbnail/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "Not found."} or "detail" in response.json()
    assert client.delete(f"/api/attachments/{attachment.pk}/").status_code == 404
    response = client.post(
        f"/api/initiatives/{hidden.pk}/attachments/",
        {"file": upload("counts.csv", CSV)},
        format="multipart",
    )
    assert response.status_code == 404
    assert list(Attachment.objects.all()) == [attachment]


def test_it_still_shows_the_outsider_the_initiatives_they_may_see(
    api_as, web_as, outsider, hidden, attach
):
    visible = attach(InitiativeFactory(), name="visible.png")

    assert (
        web_as(outsider).get(reverse("attachments:download", args=[visible.pk])).status_code == 200
    )
    assert api_as(outsider).get(f"/api/attachments/{visible.pk}/").status_code == 200


def test_it_answers_404_for_ids_that_do_not_exist(web_as, api_as, reader):
    assert web_as(reader).get(reverse("attachments:download", args=[999999])).status_code == 404
    assert api_as(reader).get("/api/attachments/999999/").status_code == 404
    assert api_as(reader).get("/api/attachments/abc/").status_code == 404
    assert api_as(reader).get("/api/initiatives/999999/attachments/").status_code == 404


def test_it_lists_only_the_initiatives_own_files(api_as, reader, initiative, attach):
    """An attachment of another initiative never shows under this one's id."""
    attach(InitiativeFactory(), name="other.png")

    response = api_as(reader).get(f"/api/initiatives/{initiative.pk}/attachments/")

    assert response.json()["count"] == 0
