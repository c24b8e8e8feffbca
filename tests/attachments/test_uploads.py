"""Files are attached from each place that takes them — the idea form, the initiative
page's panel, the comment form and the API — through the one service, and a refused
file leaves nothing behind: no row, no file in the storage, and no idea or comment
it came with."""

import pytest
from django.urls import reverse

from attachments.models import Attachment
from improvement.models import Comment, Initiative, Pillar
from tests.attachments.conftest import (
    CSV,
    ELF,
    PDF,
    image_bytes,
    photo_with_exif,
    stored_files,
    upload,
)
from tests.factories import AreaFactory, CommentFactory, InitiativeFactory, UserFactory


@pytest.fixture
def me(db):
    return UserFactory(username="me")


def idea_data(**files):
    return {
        "title": "Shadow board at station 4",
        "problem_statement": "Operators look for wrenches.",
        "proposed_change": "One marked place per tool.",
        "area": AreaFactory(name="Assembly").pk,
        "pillar": Pillar.OPERATIONAL,
        **files,
    }


# --- the idea form -----------------------------------------------------------------------


def test_it_attaches_files_and_a_camera_photo_to_a_new_idea(web_as, me, media):
    response = web_as(me).post(
        reverse("improvement:idea_new"),
        idea_data(
            **{
                "idea-files": [upload("counts.csv", CSV), upload("plan.pdf", PDF)],
                "idea-photo": upload("image.jpg", photo_with_exif()),
            }
        ),
    )

    initiative = Initiative.objects.get()
    assert response.status_code == 302
    names = list(initiative.attachments.values_list("original_name", "content_type"))
    assert names == [
        ("counts.csv", "text/csv"),
        ("plan.pdf", "application/pdf"),
        ("image.jpg", "image/jpeg"),
    ]
    assert all(a.uploaded_by == me for a in initiative.attachments.all())
    # Three files and the photo's thumbnail.
    assert len(stored_files(media)) == 4


def test_it_submits_no_idea_when_a_file_is_refused(web_as, me, media):
    response = web_as(me).post(
        reverse("improvement:idea_new"),
        idea_data(**{"idea-files": [upload("counts.csv", CSV), upload("photo.jpg", ELF)]}),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "“photo.jpg” is a Linux program (ELF)" in html
    assert 'value="Shadow board at station 4"' in html
    assert not Initiative.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_it_shows_the_file_inputs_on_the_idea_form(web_as, me):
    html = web_as(me).get(reverse("improvement:idea_new")).content.decode()

    assert 'enctype="multipart/form-data"' in html
    assert 'name="idea-files"' in html and "multiple" in html
    assert 'name="idea-photo"' in html
    assert 'accept="image/*" capture="environment"' in html


# --- the initiative page's panel ---------------------------------------------------------


def test_it_attaches_files_from_the_initiative_page(web_as, me, initiative, media):
    response = web_as(me).post(
        reverse("attachments:upload", args=[initiative.pk]),
        {"attach-files": [upload("bench.png", image_bytes())], "attach-photo": ""},
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"/initiatives/{initiative.pk}/#attachments")
    attachment = initiative.attachments.get()
    assert attachment.original_name == "bench.png"
    assert attachment.content_type == "image/png"
    assert attachment.comment is None
    assert attachment.thumbnail
    assert attachment.file.name.startswith(f"attachments/{initiative.pk}/")
    assert "bench" not in attachment.file.name  # stored under a name of the tracker's


def test_it_takes_a_photo_from_a_phone_camera(web_as, me, initiative):
    response = web_as(me).post(
        reverse("attachments:upload", args=[initiative.pk]),
        {"attach-photo": upload("image.jpg", photo_with_exif(), "image/jpeg")},
    )

    assert response.status_code == 302
    assert initiative.attachments.get().content_type == "image/jpeg"


def test_it_refuses_an_upload_with_no_file(web_as, me, initiative):
    response = web_as(me).post(reverse("attachments:upload", args=[initiative.pk]), {})

    assert response.status_code == 400
    assert "Choose a file or take a photo." in response.content.decode()
    assert not Attachment.objects.exists()


def test_it_refuses_a_disguised_program_from_the_initiative_page(web_as, me, initiative, media):
    response = web_as(me).post(
        reverse("attachments:upload", args=[initiative.pk]),
        {"attach-files": [upload("bench.png", image_bytes()), upload("photo.jpg", ELF)]},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was attached" in html
    assert "programs cannot be attached" in html
    # All or none: the good file went with the bad one.
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_it_refuses_a_file_over_the_size_limit(web_as, me, initiative, settings, media):
    settings.ATTACHMENT_MAX_BYTES = 1000

    response = web_as(me).post(
        reverse("attachments:upload", args=[initiative.pk]),
        {"attach-files": [upload("big.csv", b"a,b\n" * 400)]},
    )

    assert response.status_code == 400
    assert "“big.csv” is 1.6\xa0KB; files up to 1000\xa0bytes can be attached." in (
        response.content.decode()
    )
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_it_refuses_a_decompression_bomb_from_the_initiative_page(web_as, me, initiative):
    bomb = image_bytes("PNG", size=(8000, 8000), color=1, mode="1")

    response = web_as(me).post(
        reverse("attachments:upload", args=[initiative.pk]),
        {"attach-photo": upload("bomb.png", bomb)},
    )

    assert response.status_code == 400
    assert "“bomb.png” has too many pixels" in response.content.decode()
    assert not Attachment.objects.exists()


def test_it_refuses_more_than_ten_files_at_once(web_as, me, initiative):
    files = [upload(f"{n}.csv", CSV) for n in range(11)]

    response = web_as(me).post(
        reverse("attachments:upload", args=[initiative.pk]), {"attach-files": files}
    )

    assert response.status_code == 400
    assert "Attach at most 10 files at a time." in response.content.decode()
    assert not Attachment.objects.exists()


# --- the comment form --------------------------------------------------------------------


def test_it_attaches_files_to_a_comment(web_as, me, initiative):
    response = web_as(me).post(
        reverse("improvement:comment", args=[initiative.pk]),
        {"body": "The bins after a week.", "comment-files": [upload("bins.png", image_bytes())]},
    )

    assert response.status_code == 302
    comment = Comment.objects.get()
    attachment = Attachment.objects.get()
    assert attachment.comment == comment
    assert attachment.initiative == initiative


def test_it_still_takes_a_comment_without_files(web_as, me, initiative):
    response = web_as(me).post(
        reverse("improvement:comment", args=[initiative.pk]), {"body": "Looks good."}
    )

    assert response.status_code == 302
    assert Comment.objects.get().body == "Looks good."
    assert not Attachment.objects.exists()


def test_it_keeps_neither_comment_nor_files_when_a_file_is_refused(web_as, me, initiative, media):
    response = web_as(me).post(
        reverse("improvement:comment", args=[initiative.pk]),
        {"body": "See the photo.", "comment-photo": upload("photo.jpg", ELF)},
    )

    assert response.status_code == 400
    assert "programs cannot be attached" in response.content.decode()
    assert not Comment.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


# --- the API -----------------------------------------------------------------------------


def api_url(initiative):
    return f"/api/initiatives/{initiative.pk}/attachments/"


def test_it_attaches_a_file_through_the_api(api_as, me, initiative):
    response = api_as(me).post(
        api_url(initiative), {"file": upload("plan.pdf", PDF)}, format="multipart"
    )

    assert response.status_code == 201
    attachment = Attachment.objects.get()
    body = response.json()
    assert body["id"] == attachment.pk
    assert body["initiative"] == initiative.pk
    assert body["original_name"] == "plan.pdf"
    assert body["content_type"] == "application/pdf"
    assert body["size"] == len(PDF)
    assert body["uploaded_by"] == me.pk
    assert body["is_image"] is False
    assert body["download_url"].endswith(f"/api/attachments/{attachment.pk}/download/")
    assert body["thumbnail_url"] is None


def test_it_attaches_a_file_to_a_comment_through_the_api(api_as, me, initiative):
    comment = CommentFactory(initiative=initiative)

    response = api_as(me).post(
        api_url(initiative),
        {"file": upload("bins.png", image_bytes()), "comment": comment.pk},
        format="multipart",
    )

    assert response.status_code == 201
    assert Attachment.objects.get().comment == comment
    assert response.json()["thumbnail_url"].endswith("/thumbnail/")


def test_it_refuses_a_comment_of_another_initiative_through_the_api(api_as, me, initiative):
    elsewhere = CommentFactory(initiative=InitiativeFactory())

    response = api_as(me).post(
        api_url(initiative),
        {"file": upload("counts.csv", CSV), "comment": elsewhere.pk},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {"comment": ["No comment with this id on this initiative."]}
    assert not Attachment.objects.exists()


def test_it_refuses_a_disguised_program_through_the_api(api_as, me, initiative, media):
    response = api_as(me).post(
        api_url(initiative), {"file": upload("photo.jpg", ELF, "image/jpeg")}, format="multipart"
    )

    assert response.status_code == 400
    assert "is a Linux program (ELF)" in response.json()["file"][0]
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_it_refuses_an_api_upload_without_a_file(api_as, me, initiative):
    response = api_as(me).post(api_url(initiative), {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()
    assert not Attachment.objects.exists()


def test_it_lists_an_initiatives_attachments_through_the_api(api_as, me, initiative, attach):
    first = attach(initiative, name="a.png")
    second = attach(initiative, name="b.png")
    attach(InitiativeFactory(), name="elsewhere.png")

    response = api_as(me).get(api_url(initiative))

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert [a["id"] for a in response.json()["results"]] == [first.pk, second.pk]
