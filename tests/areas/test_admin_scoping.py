"""The admin for staff who are not administrators: every list of something about an
initiative leaves out the rows of initiatives they may not see, and a row's own page is
not found; an administrator sees them all."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from improvement.visibility import VisibleOnlyAdmin
from tests.factories import UserFactory

SCOPED = [
    (model, model_admin)
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, VisibleOnlyAdmin)
]


def test_every_admin_of_something_about_an_initiative_is_scoped():
    """Models with a path to an initiative are listed through VisibleOnlyAdmin."""
    about_initiatives = {
        "improvement.initiative",
        "improvement.stagetransition",
        "improvement.support",
        "improvement.comment",
        "improvement.notification",
        "metrics.target",
        "metrics.measurement",
        "metrics.resultsnapshot",
        "metrics.signalalert",
        "metrics.quarterlyresult",
        "actions.actionitem",
        "actions.actionevent",
        "attachments.attachment",
        "problem_solving.fivewhy",
        "problem_solving.cause",
    }
    assert {m._meta.label_lower for m, _ in SCOPED} == about_initiatives


@pytest.fixture
def staff(world):
    user = UserFactory(username="staff", is_staff=True)
    for model, _ in SCOPED:
        user.user_permissions.add(
            Permission.objects.get(
                codename=f"view_{model._meta.model_name}",
                content_type__app_label=model._meta.app_label,
            )
        )
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model_admin", [a for _, a in SCOPED], ids=[m._meta.label_lower for m, _ in SCOPED]
)
def test_a_staff_member_lists_only_the_rows_they_may_see(model_admin, world, staff):
    request = RequestFactory().get("/admin/")
    lookup = model_admin.initiative_lookup
    secret = {f"{lookup}__pk" if lookup else "pk": world.secret.pk}

    request.user = staff
    hidden = model_admin.get_queryset(request).filter(**secret)
    request.user = world.admin
    shown = model_admin.get_queryset(request).filter(**secret)

    assert not hidden.exists()
    assert shown.exists() or not model_admin.model.objects.filter(**secret).exists()


@pytest.mark.django_db
def test_the_initiatives_admin_page_is_not_found_for_staff_who_may_not_see_it(client, world, staff):
    client.force_login(staff)

    listing = client.get("/admin/improvement/initiative/")
    page = client.get(f"/admin/improvement/initiative/{world.secret.pk}/change/")

    assert listing.status_code == 200
    assert world.secret.title not in listing.content.decode()
    assert page.status_code == 302  # the admin's "does not exist" redirect to its index
