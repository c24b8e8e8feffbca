"""The analysis through the API: /api/initiatives/{id}/five-whys/ and …/causes/, and
the detail routes; reads for everyone signed in, writes by role (no other initiative's
rows reachable by id), a refusal changes nothing."""

import pytest

from improvement.models import Stage
from problem_solving.models import Cause, FiveWhy, WhyStep
from tests.factories import ReviewerFactory, TriagedInitiativeFactory, UserFactory
from tests.problem_solving.factories import CauseFactory, FiveWhyFactory, WhyStepFactory

pytestmark = pytest.mark.django_db


def whys_url(initiative):
    return f"/api/initiatives/{initiative.pk}/five-whys/"


def causes_url(initiative):
    return f"/api/initiatives/{initiative.pk}/causes/"


def test_the_owner_posts_a_five_why_with_its_whys(api_as, analyzing, owner):
    response = api_as(owner).post(
        whys_url(analyzing),
        {
            "problem": "Scrap is high.",
            "steps": [
                {"answer": "Edges crack."},
                {
                    "answer": "Coils at the top of the tolerance.",
                    "is_root_cause": True,
                    "verified": True,
                },
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["initiative"] == analyzing.pk
    assert [s["position"] for s in body["steps"]] == [1, 2]
    assert body["steps"][1]["verified"] is True
    chain = FiveWhy.objects.get(pk=body["id"])
    assert chain.steps.count() == 2


def test_anyone_signed_in_reads_the_chains_and_causes(api_as, analyzing):
    chain = FiveWhyFactory(initiative=analyzing)
    WhyStepFactory(chain=chain, position=1, answer="Because")
    CauseFactory(initiative=analyzing, text="Worn die")
    client = api_as(UserFactory())

    chains = client.get(whys_url(analyzing)).json()
    causes = client.get(causes_url(analyzing)).json()
    one = client.get(f"/api/five-whys/{chain.pk}/").json()

    assert chains["count"] == 1 and chains["results"][0]["steps"][0]["answer"] == "Because"
    assert causes["results"][0]["text"] == "Worn die"
    assert one["problem"] == chain.problem


def test_anonymous_callers_get_401(api, analyzing):
    assert api.get(whys_url(analyzing)).status_code == 401
    assert api.post(causes_url(analyzing), {"category": "man", "text": "x"}).status_code == 401


def test_patch_replaces_the_whys(api_as, analyzing, owner):
    chain = FiveWhyFactory(initiative=analyzing)
    WhyStepFactory(chain=chain, position=1, answer="Old 1")
    WhyStepFactory(chain=chain, position=2, answer="Old 2")

    response = api_as(owner).patch(
        f"/api/five-whys/{chain.pk}/",
        {"steps": [{"answer": "New 1", "is_root_cause": True}]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert list(chain.steps.values_list("answer", "is_root_cause")) == [("New 1", True)]


def test_a_bad_chain_is_a_400_and_nothing_changes(api_as, analyzing, owner):
    chain = FiveWhyFactory(initiative=analyzing, problem="Kept")
    WhyStepFactory(chain=chain, position=1, answer="Kept why")

    response = api_as(owner).patch(
        f"/api/five-whys/{chain.pk}/",
        {
            "problem": "Changed",
            "steps": [
                {"answer": "A", "is_root_cause": True},
                {"answer": "B", "is_root_cause": True},
            ],
        },
        format="json",
    )

    assert response.status_code == 400
    assert "steps" in response.json()
    chain.refresh_from_db()
    assert chain.problem == "Kept"
    assert list(chain.steps.values_list("answer", flat=True)) == ["Kept why"]


def test_an_unknown_field_is_a_400(api_as, analyzing, owner):
    response = api_as(owner).post(
        causes_url(analyzing), {"category": "man", "text": "x", "initiative": 99}, format="json"
    )

    assert response.status_code == 400
    assert "initiative" in response.json()
    assert not Cause.objects.exists()


def test_the_owner_adds_patches_and_deletes_a_cause(api_as, analyzing, owner):
    client = api_as(owner)
    created = client.post(
        causes_url(analyzing), {"category": "material", "text": "Thin steel"}, format="json"
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]

    patched = client.patch(
        f"/api/causes/{pk}/", {"verified": True, "evidence": "Micrometer."}, format="json"
    )
    assert patched.status_code == 200
    assert Cause.objects.get(pk=pk).verified is True

    assert client.delete(f"/api/causes/{pk}/").status_code == 204
    assert not Cause.objects.filter(pk=pk).exists()


def test_a_bad_category_is_a_400(api_as, analyzing, owner):
    response = api_as(owner).post(
        causes_url(analyzing), {"category": "money", "text": "x"}, format="json"
    )

    assert response.status_code == 400
    assert "category" in response.json()


# --- IDOR: another initiative's rows ---------------------------------------------------------


@pytest.fixture
def elsewhere():
    """An initiative the caller has no part in, with a chain and a cause."""
    other = TriagedInitiativeFactory(methodology="dmaic", stage=Stage.ANALYZE)
    chain = FiveWhyFactory(initiative=other, problem="Theirs")
    WhyStepFactory(chain=chain, position=1, answer="Their why")
    cause = CauseFactory(initiative=other, text="Their cause")
    return other, chain, cause


def test_a_stranger_may_not_write_another_initiatives_analysis(api_as, analyzing, owner, elsewhere):
    other, chain, cause = elsewhere
    client = api_as(owner)  # the owner of `analyzing`, nothing of `other`

    responses = [
        client.post(whys_url(other), {"problem": "Mine now"}, format="json"),
        client.post(causes_url(other), {"category": "man", "text": "Mine"}, format="json"),
        client.patch(f"/api/five-whys/{chain.pk}/", {"problem": "Mine"}, format="json"),
        client.patch(f"/api/five-whys/{chain.pk}/", {"steps": []}, format="json"),
        client.patch(f"/api/causes/{cause.pk}/", {"text": "Mine"}, format="json"),
        client.delete(f"/api/five-whys/{chain.pk}/"),
        client.delete(f"/api/causes/{cause.pk}/"),
    ]

    assert [r.status_code for r in responses] == [403] * 7
    chain.refresh_from_db()
    cause.refresh_from_db()
    assert chain.problem == "Theirs"
    assert list(chain.steps.values_list("answer", flat=True)) == ["Their why"]
    assert cause.text == "Their cause"
    assert FiveWhy.objects.count() == 1 and Cause.objects.count() == 1


def test_the_role_is_checked_before_the_values(api_as, elsewhere):
    _, chain, _ = elsewhere

    response = api_as(UserFactory()).patch(
        f"/api/five-whys/{chain.pk}/", {"steps": "not a list"}, format="json"
    )

    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/api/five-whys/１/", "/api/causes/abc/", "/api/causes/999999/"])
def test_odd_ids_are_404(api_as, path):
    assert api_as(UserFactory()).get(path).status_code == 404


def test_after_the_gate_a_reviewer_deletes_with_a_reason(api_as, owner):
    improving = TriagedInitiativeFactory(methodology="dmaic", stage=Stage.IMPROVE, owner=owner)
    cause = CauseFactory(initiative=improving, verified=True)
    client = api_as(ReviewerFactory())

    assert api_as(owner).delete(f"/api/causes/{cause.pk}/").status_code == 403
    missing = client.delete(f"/api/causes/{cause.pk}/")
    assert missing.status_code == 400 and "reason" in missing.json()
    assert Cause.objects.filter(pk=cause.pk).exists()

    assert client.delete(f"/api/causes/{cause.pk}/?reason=Not+a+cause").status_code == 204
    assert not Cause.objects.filter(pk=cause.pk).exists()


def test_the_chain_list_reads_in_fixed_queries(api_as, analyzing, count_queries):
    client = api_as(UserFactory())
    FiveWhyFactory(initiative=analyzing)
    client.get(whys_url(analyzing))
    _, few = count_queries(client, whys_url(analyzing))
    for _ in range(6):
        chain = FiveWhyFactory(initiative=analyzing)
        for position in (1, 2, 3):
            WhyStepFactory(chain=chain, position=position)

    _, many = count_queries(client, whys_url(analyzing))

    assert few == many
    assert WhyStep.objects.count() == 18
