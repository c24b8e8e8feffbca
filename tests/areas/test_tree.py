"""The area tree: created, moved, renamed and restricted through improvement.areas (the
admin too), names unique among siblings, paths kept by treebeard; the migration that
turned the flat areas into roots kept their ids."""

import importlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from improvement import areas
from improvement.models import Area
from tests.areas.conftest import build_tree
from tests.factories import AdminFactory, InitiativeFactory, ReviewerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return AdminFactory(username="root")


@pytest.fixture
def tree(admin):
    return build_tree(admin)


def names_in_tree_order() -> list[str]:
    return [area.label for area in Area.objects.all()]


def test_it_keeps_the_tree_in_path_order_siblings_by_name(tree):
    assert names_in_tree_order() == [
        "Site Leipzig",
        "\u2003Assembly",
        "\u2003\u2003Line 1",
        "\u2003R&D lab",
        "\u2003\u2003Prototype line",
    ]
    assert Area.objects.find_problems() == ([], [], [], [], [])


def test_it_moves_an_area_with_everything_under_it_and_its_initiatives(admin, tree):
    porto = areas.create_area(actor=admin, name="Site Porto")
    idea = InitiativeFactory(area=tree["line"])

    moved = areas.move_area(actor=admin, area=tree["assembly"], parent=porto)

    assert Area.objects.get_parent(moved) == Area.objects.get(pk=porto.pk)
    line = Area.objects.get(pk=tree["line"].pk)
    assert line.path.startswith(moved.path) and line.depth == 3
    idea.refresh_from_db()
    assert idea.area_id == line.pk
    assert Area.objects.find_problems() == ([], [], [], [], [])


def test_it_moves_an_area_to_the_top(admin, tree):
    moved = areas.move_area(actor=admin, area=tree["lab"], parent=None)

    assert moved.depth == 1
    assert Area.objects.get(pk=tree["prototype"].pk).depth == 2


def test_it_refuses_to_move_an_area_under_itself(admin, tree):
    before = list(Area.objects.values_list("pk", "path"))

    with pytest.raises(ValidationError) as refused:
        areas.move_area(actor=admin, area=tree["assembly"], parent=tree["line"])

    assert "parent" in refused.value.message_dict
    assert list(Area.objects.values_list("pk", "path")) == before


def test_it_refuses_a_name_taken_among_the_siblings_but_not_elsewhere(admin, tree):
    with pytest.raises(ValidationError) as refused:
        areas.create_area(actor=admin, name="Line 1", parent=tree["assembly"])
    assert "name" in refused.value.message_dict

    again = areas.create_area(actor=admin, name="Line 1", parent=tree["lab"])

    assert again.name == "Line 1"
    assert Area.objects.filter(name="Line 1").count() == 2


def test_the_database_refuses_a_sibling_of_the_same_name(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.add_child(tree["assembly"], create_kwargs={"name": "Line 1"})


def test_it_renames_keeping_the_siblings_in_name_order(admin, tree):
    areas.rename_area(actor=admin, area=tree["lab"], name="Analysis lab")

    children = [a.name for a in Area.objects.filter(depth=2)]
    assert children == ["Analysis lab", "Assembly"]
    assert Area.objects.find_problems() == ([], [], [], [], [])


def test_it_restricts_and_opens_an_area(admin, tree):
    areas.restrict_area(actor=admin, area=tree["assembly"])
    assert Area.objects.get(pk=tree["assembly"].pk).restricted

    areas.restrict_area(actor=admin, area=tree["assembly"], restricted=False)
    assert not Area.objects.get(pk=tree["assembly"].pk).restricted


def test_only_an_administrator_changes_the_tree(tree):
    reviewer = ReviewerFactory()
    before = list(Area.objects.values_list("pk", "path", "name", "restricted"))

    for change in (
        lambda: areas.create_area(actor=reviewer, name="Mine"),
        lambda: areas.move_area(actor=reviewer, area=tree["lab"], parent=None),
        lambda: areas.rename_area(actor=reviewer, area=tree["lab"], name="Open lab"),
        lambda: areas.restrict_area(actor=reviewer, area=tree["lab"], restricted=False),
    ):
        with pytest.raises(PermissionDenied):
            change()

    assert list(Area.objects.values_list("pk", "path", "name", "restricted")) == before


def test_a_new_area_without_a_place_becomes_a_root():
    """Fixtures, get_or_create and the shell make roots (Area.save)."""
    zeta = Area.objects.create(name="Zeta")
    alpha, created = Area.objects.get_or_create(name="Alpha")

    assert created and alpha.depth == 1 and zeta.depth == 1
    assert [a.name for a in Area.objects.all()] == ["Alpha", "Zeta"]


# --- the admin ---------------------------------------------------------------------------------


def test_the_admin_adds_and_moves_an_area_through_the_service(client, admin, tree):
    client.force_login(admin)

    response = client.post(
        "/admin/improvement/area/add/",
        {"name": "Line 2", "parent": tree["assembly"].pk, "description": ""},
    )

    assert response.status_code == 302
    line2 = Area.objects.get(name="Line 2")
    assert Area.objects.get_parent(line2) == Area.objects.get(pk=tree["assembly"].pk)

    response = client.post(
        f"/admin/improvement/area/{line2.pk}/change/",
        {"name": "Line 2", "parent": tree["lab"].pk, "description": "", "restricted": "on"},
    )

    assert response.status_code == 302
    line2.refresh_from_db()
    assert Area.objects.get_parent(line2) == Area.objects.get(pk=tree["lab"].pk)
    assert line2.restricted
    assert Area.objects.find_problems() == ([], [], [], [], [])


def test_the_admin_shows_a_taken_name_on_the_form(client, admin, tree):
    client.force_login(admin)
    count = Area.objects.count()

    response = client.post(
        "/admin/improvement/area/add/",
        {"name": "Line 1", "parent": tree["assembly"].pk, "description": ""},
    )

    assert response.status_code == 200
    assert "already has this name" in response.content.decode()
    assert Area.objects.count() == count


def test_a_reviewer_on_staff_may_not_change_areas_in_the_admin(client, tree):
    staff = ReviewerFactory(is_staff=True)
    client.force_login(staff)

    response = client.post("/admin/improvement/area/add/", {"name": "Mine", "description": ""})

    assert response.status_code == 403
    assert not Area.objects.filter(name="Mine").exists()


# --- the migration ---------------------------------------------------------------------------


def test_the_migration_makes_the_flat_areas_roots_in_name_order_keeping_their_ids():
    """Its data step, run on areas as they were before it: no path, one level."""
    migration = importlib.import_module("improvement.migrations.0013_area_tree")
    for name in ("Warehouse", "Assembly", "Finance"):
        Area.objects.create(name=name)
    ids = dict(Area.objects.values_list("name", "pk"))
    for area in Area.objects.all():  # paths in no order, as if made up
        Area.objects.filter(pk=area.pk).update(path=f"ZZ{area.pk:02d}", depth=7)

    class Apps:
        def get_model(self, app, model):
            return Area

    migration.flat_areas_to_roots(Apps(), None)

    rows = list(Area.objects.order_by("path").values_list("name", "pk", "path", "depth"))
    assert rows == [
        ("Assembly", ids["Assembly"], "0001", 1),
        ("Finance", ids["Finance"], "0002", 1),
        ("Warehouse", ids["Warehouse"], "0003", 1),
    ]
