"""STORAGE_URL: unset, files on the local disk under MEDIA_ROOT; s3://…, an S3-compatible
bucket; anything else stops the start with a message naming the variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_storage


def storage(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("STORAGE_URL", raising=False)
    else:
        monkeypatch.setenv("STORAGE_URL", value)
    return env_storage("STORAGE_URL")


def test_it_keeps_files_on_the_local_disk_by_default(monkeypatch):
    assert storage(monkeypatch, None) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert storage(monkeypatch, "")["BACKEND"].endswith("FileSystemStorage")


def test_it_reads_an_s3_url(monkeypatch):
    config = storage(
        monkeypatch,
        "s3://tracker-files/prod/uploads?endpoint_url=https://minio.internal:9000"
        "&region=eu-central-1&addressing_style=path",
    )

    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert config["OPTIONS"] == {
        "bucket_name": "tracker-files",
        "location": "prod/uploads",
        "endpoint_url": "https://minio.internal:9000",
        "region_name": "eu-central-1",
        "addressing_style": "path",
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }


def test_it_reads_a_plain_aws_bucket(monkeypatch):
    options = storage(monkeypatch, "s3://tracker-files")["OPTIONS"]

    assert options["bucket_name"] == "tracker-files"
    assert options["location"] == ""
    assert options["endpoint_url"] is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("ftp://files.example.com/x", "must look like s3://bucket"),
        ("s3://", "must look like s3://bucket"),
        ("s3://KEY:hunter2@tracker-files", "must not hold credentials"),
        ("s3://tracker-files?region=eu&acl=public-read", "unknown options ['acl']"),
        ("s3://tracker-files?endpoint_url=minio:9000", "not an http(s) URL"),
        ("s3://tracker-files?addressing_style=sideways", "addressing_style"),
    ],
)
def test_it_refuses_a_bad_storage_url(monkeypatch, value, words):
    with pytest.raises(ImproperlyConfigured) as refused:
        storage(monkeypatch, value)

    assert words in str(refused.value)
    assert "hunter2" not in str(refused.value)
