"""A reviewer is whoever holds the triage permission, administrators included; staff
status alone (the admin site's door) makes nobody a reviewer."""

import pytest

from improvement import roles
from tests.factories import AdminFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (ReviewerFactory, True),
        (lambda: ReviewerFactory(is_staff=True), True),
        (AdminFactory, True),
        (UserFactory, False),
        (lambda: UserFactory(is_staff=True), False),
        (lambda: AdminFactory(is_active=False), False),
        (lambda: ReviewerFactory(is_active=False), False),
    ],
    ids=[
        "reviewer",
        "staff reviewer",
        "superuser",
        "contributor",
        "staff only",
        "inactive superuser",
        "inactive reviewer",
    ],
)
def test_it_counts_administrators_as_reviewers_and_staff_alone_as_nobody(make, expected):
    assert roles.is_reviewer(make()) is expected
