import pytest

from improvement.models import Methodology, Stage
from tests.factories import TriagedInitiativeFactory, UserFactory


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def analyzing(owner):
    """A DMAIC initiative in Analyze, owned by `owner`, with no root cause yet."""
    return TriagedInitiativeFactory(
        methodology=Methodology.DMAIC, stage=Stage.ANALYZE, owner=owner, root_cause=""
    )
