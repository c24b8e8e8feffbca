"""The rule itself (improvement.visibility): who sees a private area's initiatives, and who
hears about them."""

import pytest

from improvement import notifications, visibility
from improvement.models import Area, Notification, NotificationKind
from tests.areas.conftest import build_tree
from tests.factories import AdminFactory, InitiativeFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return build_tree(AdminFactory(username="root"))


def sees(user, initiative) -> bool:
    in_list = visibility.visible_initiatives(user).filter(pk=initiative.pk).exists()
    one = visibility.can_see(UserRefetch(user), initiative)
    assert in_list is one  # the list and the one-row answer agree
    return in_list


def UserRefetch(user):
    return type(user).objects.get(pk=user.pk)


def test_everyone_sees_what_no_restricted_area_covers(tree):
    idea = InitiativeFactory(area=tree["line"])

    assert sees(UserFactory(), idea)


def test_a_restricted_areas_initiatives_are_its_members_reviewers_and_administrators(tree):
    lab_idea = InitiativeFactory(area=tree["lab"])
    member, reviewer, stranger = UserFactory(), UserFactory(), UserFactory()
    tree["lab"].members.add(member)
    tree["lab"].reviewers.add(reviewer)

    assert sees(member, lab_idea)
    assert sees(reviewer, lab_idea)
    assert sees(AdminFactory(), lab_idea)
    assert not sees(stranger, lab_idea)
    # Holding the triage permission alone opens nothing private.
    assert not sees(ReviewerFactory(), lab_idea)


def test_restriction_covers_the_areas_under_it(tree):
    deep = InitiativeFactory(area=tree["prototype"])
    member = UserFactory()
    tree["lab"].members.add(member)

    assert sees(member, deep)
    assert not sees(UserFactory(), deep)


def test_belonging_to_an_area_above_covers_the_restricted_area(tree):
    """A site's people see the site's private areas; an inactive administrator nothing
    more than anyone."""
    lab_idea = InitiativeFactory(area=tree["lab"])
    site_member = UserFactory()
    tree["site"].members.add(site_member)
    other_branch = UserFactory()
    tree["assembly"].members.add(other_branch)

    assert sees(site_member, lab_idea)
    assert not sees(other_branch, lab_idea)
    assert not sees(AdminFactory(is_active=False), lab_idea)


def test_a_member_of_an_area_under_a_restricted_one_sees_only_that_branch(tree):
    lab_idea = InitiativeFactory(area=tree["lab"])
    line_idea = InitiativeFactory(area=tree["prototype"])
    line_member = UserFactory()
    tree["prototype"].members.add(line_member)

    assert sees(line_member, line_idea)
    assert not sees(line_member, lab_idea)


def test_the_visible_areas_leave_out_the_private_ones(tree):
    stranger = UserFactory()

    names = set(visibility.visible_areas(stranger).values_list("name", flat=True))

    assert names == {"Site Leipzig", "Assembly", "Line 1"}
    assert visibility.visible_areas(AdminFactory()).count() == Area.objects.count()


def test_it_asks_one_query_for_a_list_however_many_areas(tree, django_assert_num_queries):
    stranger = UserFactory()
    for area in tree.values():
        InitiativeFactory.create_batch(3, area=area)

    with django_assert_num_queries(1):
        rows = list(visibility.visible_initiatives(stranger))

    assert len(rows) == 9


def test_only_those_who_may_see_it_are_notified(
    tree, mailoutbox, django_capture_on_commit_callbacks
):
    lab_idea = InitiativeFactory(area=tree["lab"])
    member, stranger = UserFactory(), UserFactory()
    tree["lab"].members.add(member)

    with django_capture_on_commit_callbacks(execute=True):
        written = notifications.notify(
            initiative=lab_idea,
            kind=NotificationKind.STAGE_MOVED,
            message="Moved.",
            user_ids=[member.pk, stranger.pk, lab_idea.submitted_by_id],
        )

    assert {row.recipient_id for row in written} == {member.pk}
    assert not Notification.objects.filter(recipient=stranger).exists()
    assert [m.to for m in mailoutbox] == [[member.email]]


def test_everyone_asked_is_notified_about_an_open_areas_initiative(tree):
    idea = InitiativeFactory(area=tree["line"])
    people = [UserFactory(), UserFactory()]

    written = notifications.notify(
        initiative=idea,
        kind=NotificationKind.STAGE_MOVED,
        message="Moved.",
        user_ids=[p.pk for p in people],
    )

    assert {row.recipient_id for row in written} == {p.pk for p in people}


def test_an_idea_goes_only_into_an_area_its_submitter_may_see(tree):
    from django.core.exceptions import ValidationError

    from improvement import services
    from improvement.models import Initiative

    stranger = UserFactory()

    with pytest.raises(ValidationError) as refused:
        services.submit_idea(
            actor=stranger,
            title="Into the lab",
            problem_statement="Curious.",
            area=tree["lab"],
            pillar="operational",
        )

    assert "area" in refused.value.message_dict
    assert not Initiative.objects.filter(title="Into the lab").exists()


def test_an_owner_must_be_able_to_see_the_initiative(tree):
    from django.core.exceptions import ValidationError

    from improvement import services

    lab_idea = InitiativeFactory(area=tree["lab"])
    stranger, member = UserFactory(), UserFactory()
    tree["lab"].members.add(member)
    admin = AdminFactory()

    with pytest.raises(ValidationError) as refused:
        services.update_initiative(initiative=lab_idea, actor=admin, changes={"owner": stranger})
    assert "owner" in refused.value.message_dict

    services.update_initiative(initiative=lab_idea, actor=admin, changes={"owner": member})
    lab_idea.refresh_from_db()
    assert lab_idea.owner == member
