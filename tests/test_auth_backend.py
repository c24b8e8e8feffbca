"""Permissions come from the user and their groups; whether the signed-in user may triage
comes with the user (config.auth)."""

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AdminFactory, ReviewerFactory, UserFactory


def test_it_gives_a_reviewer_the_groups_permissions_loaded_once(db):
    reviewer = ReviewerFactory()

    with CaptureQueriesContext(connection) as queries:
        assert reviewer.has_perm("improvement.triage_initiative")
        assert reviewer.has_perm("metrics.view_measurement")
        assert not reviewer.has_perm("improvement.delete_initiative")

    # Django's own: the user's permissions, then their groups' (cached on the user).
    assert len(queries) == 2


def test_it_gives_a_user_their_own_permissions(db):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="change_initiative"))

    assert user.has_perm("improvement.change_initiative")
    assert not user.has_perm("improvement.triage_initiative")


def test_it_gives_a_superuser_every_permission(db):
    assert AdminFactory().has_perm("metrics.delete_quarterclose")


def test_it_gives_an_inactive_user_nothing(db):
    reviewer = ReviewerFactory(is_active=False)

    assert not reviewer.has_perm("improvement.triage_initiative")


def test_it_knows_a_signed_in_reviewer_without_loading_permissions(db):
    from config.auth import ModelBackend

    reviewer = ModelBackend().get_user(ReviewerFactory().pk)

    with CaptureQueriesContext(connection) as queries:
        assert reviewer.has_perm("improvement.triage_initiative")

    assert len(queries) == 0


def test_it_knows_who_may_not_triage_when_signed_in(db):
    from config.auth import ModelBackend

    backend = ModelBackend()
    direct = UserFactory()
    direct.user_permissions.add(Permission.objects.get(codename="triage_initiative"))

    assert backend.get_user(direct.pk).has_perm("improvement.triage_initiative")
    assert backend.get_user(AdminFactory().pk).has_perm("improvement.triage_initiative")
    assert not backend.get_user(UserFactory().pk).has_perm("improvement.triage_initiative")
