import pytest
from django.conf import settings

from tests.factories import AdminFactory, ReviewerFactory, UserFactory

# Real password hashing costs ~0.3 s a user; tests only need logins to work.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def reviewer(db):
    return ReviewerFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory(username="admin")
