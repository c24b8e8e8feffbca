"""The initiative page's attachments panel: each file with its thumbnail (or its kind),
who attached it and when; the upload form with a camera input; the comment form takes
files too. Works without JavaScript: plain multipart forms."""

import re

from django.urls import reverse

from tests.attachments.conftest import CSV
from tests.factories import CommentFactory, UserFactory


def page(web_as, user, initiative) -> str:
    response = web_as(user).get(reverse("improvement:initiative", args=[initiative.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_lists_the_files_with_their_thumbnails(web_as, initiative, attach):
    image = attach(initiative, name="bench.png")
    document = attach(
        initiative, name="counts.csv", data=CSV, comment=CommentFactory(initiative=initiative)
    )

    html = page(web_as, UserFactory(), initiative)

    assert 'id="attachments"' in html
    assert f'src="{reverse("attachments:thumbnail", args=[image.pk])}"' in html
    assert f'href="{reverse("attachments:download", args=[document.pk])}">counts.csv</a>' in html
    assert 'class="thumb kind" aria-hidden="true">CSV<' in html
    assert "with a comment" in html


def test_it_offers_the_upload_form_with_a_camera_input(web_as, initiative):
    html = page(web_as, UserFactory(), initiative)

    upload = reverse("attachments:upload", args=[initiative.pk])
    assert f'action="{upload}" enctype="multipart/form-data"' in html
    assert 'name="attach-files"' in html
    assert re.search(r'name="attach-photo"[^>]*accept="image/\*" capture="environment"', html) or (
        'accept="image/*" capture="environment" id="id_attach-photo"' in html
    )
    # The comment form takes files as well, under names of its own.
    assert 'name="comment-files"' in html and 'name="comment-photo"' in html
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "an id is used twice on the page"


def test_it_escapes_a_file_name(web_as, initiative, attach):
    attach(initiative, name='<img src=x onerror="alert(1)">.png')

    html = page(web_as, UserFactory(), initiative)

    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.png" in html
