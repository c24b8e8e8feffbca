import pytest

from tests.factories import AdminFactory, ReviewerFactory, UserFactory


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def reviewer(db):
    return ReviewerFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory(username="admin")
