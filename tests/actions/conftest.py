import datetime as dt

import pytest
from django.utils import timezone

from improvement.models import Methodology, Stage
from tests.factories import ActionItemFactory, TriagedInitiativeFactory, UserFactory


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def member(db):
    """On the initiative's team."""
    return UserFactory(username="member")


@pytest.fixture
def assignee(db):
    """Neither owner nor team: someone an action was given to."""
    return UserFactory(username="assignee")


@pytest.fixture
def outsider(db):
    """Signed in, with no role on the initiative."""
    return UserFactory(username="outsider")


@pytest.fixture
def initiative(owner, member):
    """PDCA, in Do, with a sponsor and one team member."""
    initiative = TriagedInitiativeFactory(
        stage=Stage.DO, methodology=Methodology.PDCA, owner=owner, sponsor=UserFactory()
    )
    initiative.team.add(member)
    return initiative


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def action(initiative, assignee, today):
    """Open, due in a week, in the Do stage, assigned to `assignee`."""
    return ActionItemFactory(
        initiative=initiative,
        assignee=assignee,
        stage=Stage.DO,
        due_on=today + dt.timedelta(days=7),
        title="Brief the night shift",
    )
