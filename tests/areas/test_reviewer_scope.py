"""Reviewers scoped to areas (improvement.roles.reviews): the triage permission is still
what makes a reviewer; one who is an area reviewer of some areas triages and corrects only
in those areas' subtrees, one with no area stays company-wide (for what they may see).
Enforced in the services, so the web, the API and the admin refuse alike."""

import pytest
from django.core.exceptions import PermissionDenied

from config.auth import ModelBackend
from improvement import roles, services, workflow
from improvement.models import Stage
from tests.areas.conftest import build_tree
from tests.factories import AdminFactory, InitiativeFactory, ReadyInitiativeFactory, ReviewerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return build_tree(AdminFactory(username="root"))


@pytest.fixture
def assembly_reviewer(tree):
    reviewer = ReviewerFactory(username="assembly_reviewer")
    tree["assembly"].reviewers.add(reviewer)
    return reviewer


def fresh(user):
    """As the next request loads the user (config.auth: with `may_triage` and
    `reviews_areas`)."""
    return ModelBackend().get_user(user.pk)


def test_a_scoped_reviewer_triages_in_their_subtree(tree, assembly_reviewer):
    idea = InitiativeFactory(area=tree["line"])

    services.update_initiative(
        initiative=idea, actor=fresh(assembly_reviewer), changes={"impact": 4}
    )

    idea.refresh_from_db()
    assert idea.impact == 4


def test_a_scoped_reviewer_may_not_triage_elsewhere(tree, assembly_reviewer):
    porto = tree["site"].__class__.objects.create(name="Site Porto")
    idea = InitiativeFactory(area=porto)

    with pytest.raises(PermissionDenied):
        services.update_initiative(
            initiative=idea, actor=fresh(assembly_reviewer), changes={"impact": 4}
        )
    idea.refresh_from_db()
    assert idea.impact is None
    assert not roles.reviews(fresh(assembly_reviewer), idea)


def test_a_scoped_reviewer_may_not_move_an_idea_out_of_their_areas(tree, assembly_reviewer):
    porto = tree["site"].__class__.objects.create(name="Site Porto")
    idea = ReadyInitiativeFactory(stage=Stage.SUBMITTED, area=porto)

    with pytest.raises(workflow.MoveForbidden):
        workflow.move(initiative=idea, to=Stage.BACKLOG, actor=fresh(assembly_reviewer))

    idea.refresh_from_db()
    assert idea.stage == Stage.SUBMITTED


def test_a_reviewer_without_areas_reviews_every_open_area(tree):
    reviewer = ReviewerFactory()
    idea = ReadyInitiativeFactory(stage=Stage.SUBMITTED, area=tree["line"])

    workflow.move(initiative=idea, to=Stage.BACKLOG, actor=fresh(reviewer))

    idea.refresh_from_db()
    assert idea.stage == Stage.BACKLOG


def test_an_area_reviewer_without_the_permission_is_no_reviewer(tree):
    from tests.factories import UserFactory

    person = UserFactory()
    tree["assembly"].reviewers.add(person)
    idea = InitiativeFactory(area=tree["line"])

    assert not roles.reviews(fresh(person), idea)


def test_the_triage_page_refuses_a_scoped_reviewer_out_of_scope(web_as, tree, assembly_reviewer):
    porto = tree["site"].__class__.objects.create(name="Site Porto")
    idea = InitiativeFactory(area=porto)

    response = web_as(assembly_reviewer).post(f"/initiatives/{idea.pk}/triage/", {"impact": "3"})

    assert response.status_code == 403
    idea.refresh_from_db()
    assert idea.impact is None


def test_the_api_refuses_a_scoped_reviewer_out_of_scope(api_as, tree, assembly_reviewer):
    porto = tree["site"].__class__.objects.create(name="Site Porto")
    idea = InitiativeFactory(area=porto)
    inside = InitiativeFactory(area=tree["assembly"])
    client = api_as(fresh(assembly_reviewer))

    refused = client.patch(f"/api/initiatives/{idea.pk}/", {"impact": 3}, format="json")
    allowed = client.patch(f"/api/initiatives/{inside.pk}/", {"impact": 3}, format="json")

    assert refused.status_code == 403
    assert allowed.status_code == 200
    idea.refresh_from_db()
    inside.refresh_from_db()
    assert (idea.impact, inside.impact) == (None, 3)


def test_the_scope_check_costs_one_query_and_only_for_a_scoped_reviewer(
    tree, assembly_reviewer, django_assert_num_queries
):
    idea = InitiativeFactory(area=tree["line"])
    company_wide = fresh(ReviewerFactory())
    scoped = fresh(assembly_reviewer)

    with django_assert_num_queries(0):
        assert roles.reviews(company_wide, idea)
    with django_assert_num_queries(1):
        assert roles.reviews(scoped, idea)
        assert roles.reviews(scoped, idea)  # asked again: remembered for the request
