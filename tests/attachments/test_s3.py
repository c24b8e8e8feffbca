"""The S3 path, against a real S3-compatible server started here (moto in server mode on
127.0.0.1, a free port): files are uploaded to the bucket, downloaded through the
access-checked views (the bytes pass through the application; the bucket stays
private) and deleted from it — the storage configured as STORAGE_URL would configure it
(config.env.env_storage)."""

import boto3
import pytest
from django.urls import reverse
from moto.server import ThreadedMotoServer

from attachments.models import Attachment
from config.env import env_storage
from tests.attachments.conftest import PDF, image_bytes, upload
from tests.factories import UserFactory

BUCKET = "tracker-files"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A fresh private bucket, and the storage pointed at it through STORAGE_URL."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    monkeypatch.setenv(
        "STORAGE_URL", f"s3://{BUCKET}/uploads?endpoint_url={s3_endpoint}&region=us-east-1"
    )
    settings.STORAGES = {**settings.STORAGES, "default": env_storage("STORAGE_URL")}
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_it_keeps_files_in_the_bucket_and_serves_them_through_the_view(
    bucket, web_as, api_as, initiative, django_capture_on_commit_callbacks
):
    me = UserFactory()
    photo = image_bytes(size=(640, 480), color="orange")

    response = web_as(me).post(
        reverse("attachments:upload", args=[initiative.pk]),
        {"attach-files": [upload("bench.png", photo)]},
    )
    assert response.status_code == 302
    created = api_as(me).post(
        f"/api/initiatives/{initiative.pk}/attachments/",
        {"file": upload("plan.pdf", PDF)},
        format="multipart",
    )
    assert created.status_code == 201

    image, pdf = Attachment.objects.order_by("id")
    # The file, its thumbnail and the PDF, under the prefix, in the bucket.
    assert keys(bucket) == sorted(
        f"uploads/{name}" for name in (image.file.name, image.thumbnail.name, pdf.file.name)
    )
    stored = bucket.get_object(Bucket=BUCKET, Key=f"uploads/{pdf.file.name}")["Body"].read()
    assert stored == PDF
    # Private: no public-read grant on what was uploaded.
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=f"uploads/{pdf.file.name}")["Grants"]
    assert not any(g["Grantee"].get("URI", "").endswith("AllUsers") for g in grants)

    download = web_as(me).get(reverse("attachments:download", args=[image.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == photo
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    thumbnail = web_as(me).get(reverse("attachments:thumbnail", args=[image.pk]))
    assert b"".join(thumbnail.streaming_content)[:3] == b"\xff\xd8\xff"
    through_api = api_as(me).get(f"/api/attachments/{pdf.pk}/download/")
    assert b"".join(through_api.streaming_content) == PDF
    assert through_api["Content-Disposition"] == 'attachment; filename="plan.pdf"'

    with django_capture_on_commit_callbacks(execute=True):
        assert web_as(me).post(reverse("attachments:delete", args=[image.pk])).status_code == 302
        assert api_as(me).delete(f"/api/attachments/{pdf.pk}/").status_code == 204

    assert not Attachment.objects.exists()
    assert keys(bucket) == []


def test_it_answers_404_for_a_file_gone_from_the_bucket(bucket, web_as, initiative, attach):
    attachment = attach(initiative, name="plan.pdf", data=PDF)
    bucket.delete_object(Bucket=BUCKET, Key=f"uploads/{attachment.file.name}")

    response = web_as(UserFactory()).get(reverse("attachments:download", args=[attachment.pk]))

    assert response.status_code == 404
