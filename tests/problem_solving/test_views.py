"""The root-cause panel on the initiative page: shown to everyone, its forms to those who
may use them, each form working without JavaScript (post, redirect to the panel)."""

import pytest

from improvement.models import Stage
from problem_solving.models import Cause, FiveWhy
from tests.factories import (
    CommentFactory,
    StageTransitionFactory,
    SupportFactory,
    TriagedInitiativeFactory,
    UserFactory,
)
from tests.problem_solving.factories import CauseFactory, FiveWhyFactory, WhyStepFactory

pytestmark = pytest.mark.django_db


def page_of(initiative):
    return f"/initiatives/{initiative.pk}/"


def chain_data(prefix="new-chain", **values):
    data = {f"{prefix}-problem": "Orders ship late.", f"{prefix}-root_cause": ""}
    data.update({f"{prefix}-{k}": v for k, v in values.items()})
    return data


def test_the_page_shows_the_panel_and_the_a3_link(web_as, analyzing, owner):
    chain = FiveWhyFactory(initiative=analyzing, problem="Why is scrap high?")
    WhyStepFactory(chain=chain, position=1, answer="Edges crack", is_root_cause=True)
    CauseFactory(initiative=analyzing, category="material", text="Thin coils", verified=True)

    html = web_as(UserFactory()).get(page_of(analyzing)).content.decode()

    assert 'id="analysis"' in html
    assert "Why is scrap high?" in html and "Edges crack" in html
    assert "Thin coils" in html and "<svg" in html
    assert f"/initiatives/{analyzing.pk}/a3/" in html
    assert "Start a 5-why" not in html  # a contributor sees no forms


def test_the_owner_sees_the_forms(web_as, analyzing, owner):
    html = web_as(owner).get(page_of(analyzing)).content.decode()

    assert "Start a 5-why" in html and "Add a cause" in html


def test_the_owner_starts_a_five_why_without_javascript(web_as, analyzing, owner):
    response = web_as(owner).post(
        f"/initiatives/{analyzing.pk}/five-whys/",
        chain_data(
            why_1="Picking waits", why_2="", why_3="One printer", root_cause="3", verified="on"
        ),
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"/initiatives/{analyzing.pk}/#analysis")
    chain = FiveWhy.objects.get(initiative=analyzing)
    assert list(chain.steps.values_list("position", "answer", "is_root_cause", "verified")) == [
        (1, "Picking waits", False, False),
        (2, "One printer", True, True),
    ]


def test_a_refused_five_why_comes_back_with_what_was_typed(web_as, analyzing, owner):
    response = web_as(owner).post(
        f"/initiatives/{analyzing.pk}/five-whys/",
        chain_data(why_1="Kept answer", root_cause="2", verified="on"),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Kept answer" in html and "cannot be the root cause" in html
    assert not FiveWhy.objects.exists()


def test_the_owner_edits_a_chain(web_as, analyzing, owner):
    chain = FiveWhyFactory(initiative=analyzing)
    WhyStepFactory(chain=chain, position=1, answer="Old")
    prefix = f"chain-{chain.pk}"

    response = web_as(owner).post(
        f"/five-whys/{chain.pk}/",
        chain_data(prefix, problem="New problem", why_1="New", why_2="Second", root_cause="2"),
    )

    assert response.status_code == 302
    chain.refresh_from_db()
    assert chain.problem == "New problem"
    assert list(chain.steps.values_list("answer", "is_root_cause")) == [
        ("New", False),
        ("Second", True),
    ]


def test_the_owner_adds_edits_and_deletes_a_cause(web_as, analyzing, owner):
    client = web_as(owner)
    added = client.post(
        f"/initiatives/{analyzing.pk}/causes/",
        {"new-cause-category": "machine", "new-cause-text": "Worn die", "new-cause-evidence": ""},
    )
    cause = Cause.objects.get()
    edited = client.post(
        f"/causes/{cause.pk}/",
        {
            f"cause-{cause.pk}-category": "machine",
            f"cause-{cause.pk}-text": "Worn die",
            f"cause-{cause.pk}-verified": "on",
            f"cause-{cause.pk}-evidence": "Gauge log",
        },
    )
    cause.refresh_from_db()
    deleted = client.post(f"/causes/{cause.pk}/delete/")

    assert [added.status_code, edited.status_code, deleted.status_code] == [302, 302, 302]
    assert (cause.verified, cause.evidence) == (True, "Gauge log")
    assert not Cause.objects.exists()


def test_a_bad_cause_is_a_400_and_nothing_is_saved(web_as, analyzing, owner):
    response = web_as(owner).post(
        f"/initiatives/{analyzing.pk}/causes/",
        {"new-cause-category": "money", "new-cause-text": "Kept text"},
    )

    assert response.status_code == 400
    assert "Kept text" in response.content.decode()
    assert not Cause.objects.exists()


def test_a_stranger_gets_403_and_nothing_changes(web_as, analyzing):
    cause = CauseFactory(initiative=analyzing, text="Theirs")
    chain = FiveWhyFactory(initiative=analyzing)
    client = web_as(UserFactory())

    responses = [
        client.post(f"/initiatives/{analyzing.pk}/five-whys/", chain_data(why_1="x")),
        client.post(f"/five-whys/{chain.pk}/delete/"),
        client.post(f"/causes/{cause.pk}/", {f"cause-{cause.pk}-text": "Mine"}),
        client.post(f"/causes/{cause.pk}/delete/"),
    ]

    assert [r.status_code for r in responses] == [403] * 4
    cause.refresh_from_db()
    assert cause.text == "Theirs" and FiveWhy.objects.count() == 1


def test_after_the_gate_a_reviewer_deletes_with_a_reason(web_as, reviewer, owner):
    improving = TriagedInitiativeFactory(methodology="dmaic", stage=Stage.IMPROVE, owner=owner)
    cause = CauseFactory(initiative=improving)
    client = web_as(reviewer)

    refused = client.post(f"/causes/{cause.pk}/delete/")
    done = client.post(f"/causes/{cause.pk}/delete/", {f"delete-cause-{cause.pk}-reason": "Dup."})

    assert refused.status_code == 400 and "reason" in refused.content.decode()
    assert done.status_code == 302
    assert not Cause.objects.exists()


def test_get_is_not_allowed_on_the_forms(web_as, analyzing, owner):
    assert web_as(owner).get(f"/initiatives/{analyzing.pk}/causes/").status_code == 405


def build(initiative, *, chains: int, causes: int, rows: int) -> None:
    for _ in range(chains):
        chain = FiveWhyFactory(initiative=initiative)
        for position in range(1, 6):
            WhyStepFactory(chain=chain, position=position)
    CauseFactory.create_batch(causes, initiative=initiative, verified=True)
    CommentFactory.create_batch(rows, initiative=initiative)
    StageTransitionFactory.create_batch(rows, initiative=initiative)
    SupportFactory.create_batch(rows, initiative=initiative)


@pytest.mark.parametrize("role", ["owner", "contributor"])
def test_the_panel_costs_a_fixed_number_of_queries(web_as, count_queries, role):
    """However many chains, whys and causes: the panel reads them in two queries."""
    owner = UserFactory()
    viewer = owner if role == "owner" else UserFactory()
    small = TriagedInitiativeFactory(methodology="dmaic", stage=Stage.ANALYZE, owner=owner)
    large = TriagedInitiativeFactory(methodology="dmaic", stage=Stage.ANALYZE, owner=owner)
    build(small, chains=1, causes=1, rows=1)
    build(large, chains=4, causes=15, rows=5)
    client = web_as(viewer)
    client.get(page_of(small))

    _, few = count_queries(client, page_of(small))
    response, many = count_queries(client, page_of(large))

    assert response.status_code == 200
    assert few == many
