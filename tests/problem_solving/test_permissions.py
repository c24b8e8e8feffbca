"""Who may change the analysis: like the root cause itself — the owner, sponsor, team,
reviewers and administrators while the initiative is open; after the gate only a
reviewer; a closed initiative nobody."""

import pytest

from improvement.models import Stage
from problem_solving import rules
from tests.factories import AdminFactory, ReviewerFactory, TriagedInitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    owner, sponsor, member = UserFactory(), UserFactory(), UserFactory()
    initiative = TriagedInitiativeFactory(
        methodology="dmaic", stage=Stage.ANALYZE, owner=owner, sponsor=sponsor
    )
    initiative.team.add(member)
    return initiative, {
        "owner": owner,
        "sponsor": sponsor,
        "team member": member,
        "reviewer": ReviewerFactory(),
        "administrator": AdminFactory(),
        "contributor": UserFactory(),
        "submitter": initiative.submitted_by,
    }


@pytest.mark.parametrize(
    "stage, allowed",
    [
        (
            Stage.ANALYZE,
            {"owner", "sponsor", "team member", "reviewer", "administrator"},
        ),
        (Stage.MEASURE, {"owner", "sponsor", "team member", "reviewer", "administrator"}),
        (Stage.IMPROVE, {"reviewer", "administrator"}),
        (Stage.CONTROL, {"reviewer", "administrator"}),
        (Stage.COMPLETED, set()),
        (Stage.CANCELLED, set()),
    ],
)
def test_who_may_edit_the_analysis(people, stage, allowed):
    initiative, users = people
    initiative.stage = stage

    may = {role for role, user in users.items() if rules.can_edit(user, initiative)}

    assert may == allowed


def test_a_deactivated_reviewer_may_not(people):
    initiative, users = people
    users["reviewer"].is_active = False

    assert not rules.can_edit(users["reviewer"], initiative)
