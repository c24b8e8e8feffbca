import atexit
import shutil
import tempfile

import pytest
from django.conf import settings

from tests.factories import AdminFactory, ReviewerFactory, UserFactory


def pytest_configure(config):
    """Settings every test runs with. pytest-django has already set Django up by now (it
    reads DJANGO_SETTINGS_MODULE from pyproject.toml before loading this file), which is
    fine for these: Django reads them on first use, and no test has run yet."""
    # Real password hashing costs ~0.3 s a user; tests only need logins to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Rate-limit counts in this process's memory, emptied before each test (below), even
    # when REDIS_URL is set: a count must not leak from one test into the next.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Uploaded files (attachments, the demo's) in a folder of this run's own, removed at
    # the end: never in the checkout's media/.
    media = tempfile.mkdtemp(prefix="tracker-test-media-")
    atexit.register(shutil.rmtree, media, ignore_errors=True)
    settings.MEDIA_ROOT = media


@pytest.fixture(autouse=True)
def empty_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def reviewer(db):
    return ReviewerFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory(username="admin")


@pytest.fixture
def api():
    """An anonymous DRF client."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_as(db):
    """`api_as(user)` → a DRF client signed in as `user`; `api_as(None)` → anonymous."""
    from rest_framework.test import APIClient

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture(autouse=True)
def celery_eager():
    """Run Celery tasks in-process even when REDIS_URL is set (CI runs both ways), so no
    test leaves messages in a real broker. Tests of the broker itself turn it off."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def assert_not_moved():
    """Check that a refused or forbidden move left no trace: the initiative is still in
    `stage`, it has no history row, and nobody was notified."""
    from improvement.models import Notification, StageTransition

    def check(initiative, stage):
        initiative.refresh_from_db()
        assert initiative.stage == stage
        assert not StageTransition.objects.filter(initiative=initiative).exists()
        assert not Notification.objects.exists()

    return check


@pytest.fixture
def web_as(db):
    """`web_as(user)` → a Django test client signed in as `user`, for the web pages."""
    from django.test import Client

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def count_queries():
    """`count_queries(client, url)` → (response, number of queries) of one GET."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(client, url, data=None):
        with CaptureQueriesContext(connection) as context:
            response = client.get(url, data)
        return response, len(context)

    return count


@pytest.fixture
def staff_reviewer(db):
    """A reviewer who can sign in to the admin, where the quarterly review desk is."""
    return ReviewerFactory(is_staff=True)
