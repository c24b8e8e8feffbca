"""accounts.sso.sign_in_with_claims: the user a provider's claims sign in, created or
matched by verified e-mail, with names and Reviewers membership following the claims."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.sso import SignInRefused, free_username, sign_in_with_claims
from tests.factories import ReviewerFactory, UserFactory

User = get_user_model()
REVIEWERS = ["ci-reviewers"]


def sign_in(**claims):
    return sign_in_with_claims(claims={"email_verified": True, **claims}, reviewer_groups=REVIEWERS)


def is_reviewer(user) -> bool:
    return user.groups.filter(name="Reviewers").exists()


def test_it_creates_a_user_without_a_password(db):
    signed_in = sign_in(email="ada@example.com", given_name="Ada", family_name="Lovelace")

    ada = User.objects.get()
    assert signed_in.created
    assert signed_in.user == ada
    assert (ada.username, ada.email, ada.first_name, ada.last_name) == (
        "ada",
        "ada@example.com",
        "Ada",
        "Lovelace",
    )
    assert not ada.has_usable_password()
    assert not ada.is_staff
    assert not is_reviewer(ada)


def test_it_matches_by_email_ignoring_case_and_keeps_the_account(db):
    grace = UserFactory(username="grace", email="Grace.Hopper@Example.com", is_staff=True)

    signed_in = sign_in(email="grace.hopper@example.com", name="Grace Brewster Hopper")

    assert not signed_in.created
    assert signed_in.user.pk == grace.pk
    grace.refresh_from_db()
    assert grace.email == "Grace.Hopper@Example.com"
    assert (grace.first_name, grace.last_name) == ("Grace Brewster", "Hopper")
    assert grace.is_staff
    assert grace.has_usable_password()
    assert User.objects.count() == 1


def test_it_never_matches_by_username(db):
    UserFactory(username="ada", email="someone.else@example.com")

    signed_in = sign_in(email="ada@example.com")

    assert signed_in.created
    assert signed_in.user.username == "ada-2"


@pytest.mark.parametrize(
    ("groups", "reviewer"),
    [
        (["staff", "ci-reviewers"], True),
        ("ci-reviewers", True),
        (["staff"], False),
        ([], False),
        (None, False),
        ({"ci-reviewers": True}, False),
    ],
    ids=["list", "single string", "other groups", "empty", "no claim", "not a list"],
)
def test_it_sets_reviewers_membership_from_the_groups_claim(db, groups, reviewer):
    claims = {"email": "ada@example.com"}
    if groups is not None:
        claims["groups"] = groups

    user = sign_in(**claims).user

    assert is_reviewer(user) is reviewer


def test_it_removes_reviewers_membership_the_claim_no_longer_gives(db):
    reviewer = ReviewerFactory(email="ada@example.com")

    sign_in(email="ada@example.com", groups=["staff"])

    assert not is_reviewer(reviewer)
    assert Group.objects.filter(name="Reviewers").exists()


def test_it_reads_the_configured_claim(db):
    user = sign_in_with_claims(
        claims={"email": "ada@example.com", "email_verified": True, "roles": ["qa"]},
        groups_claim="roles",
        reviewer_groups=["qa"],
    ).user

    assert is_reviewer(user)


def test_it_leaves_membership_alone_without_reviewer_groups(db):
    reviewer = ReviewerFactory(email="ada@example.com")

    sign_in_with_claims(claims={"email": "ada@example.com", "email_verified": True, "groups": []})

    assert is_reviewer(reviewer)


def test_it_accepts_verification_as_the_string_true(db):
    user = sign_in_with_claims(claims={"email": "ada@example.com", "email_verified": "true"}).user

    assert user.email == "ada@example.com"


def test_it_reads_the_configured_verification_claim(db):
    user = sign_in_with_claims(
        claims={"email": "ada@example.com", "xms_edov": True},
        email_verified_claim="xms_edov",
    ).user

    assert user.email == "ada@example.com"


@pytest.mark.parametrize(
    "claims",
    [
        {"email_verified": True},
        {"email": "", "email_verified": True},
        {"email": "not-an-address", "email_verified": True},
        {"email": ["ada@example.com"], "email_verified": True},
        {"email": "ada@example.com"},
        {"email": "ada@example.com", "email_verified": False},
        {"email": "ada@example.com", "email_verified": "false"},
        {"email": "ada@example.com", "email_verified": 1},
    ],
)
def test_it_refuses_claims_without_a_verified_email(db, claims):
    with pytest.raises(SignInRefused) as refusal:
        sign_in_with_claims(claims=claims)

    assert refusal.value.status == 403
    assert "e-mail" in refusal.value.message
    assert not User.objects.exists()


def test_it_refuses_an_email_two_users_share_and_changes_nothing(db):
    first = UserFactory(email="ada@example.com", first_name="A")
    UserFactory(email="ADA@example.com")

    with pytest.raises(SignInRefused, match="More than one account"):
        sign_in(email="ada@example.com", name="Ada Lovelace", groups=REVIEWERS)

    first.refresh_from_db()
    assert first.first_name == "A"
    assert not is_reviewer(first)
    assert User.objects.count() == 2


def test_it_refuses_a_deactivated_user_and_changes_nothing(db):
    UserFactory(email="ada@example.com", is_active=False)

    with pytest.raises(SignInRefused, match="deactivated"):
        sign_in(email="ada@example.com", groups=REVIEWERS)

    assert not Group.objects.get(name="Reviewers").user_set.exists()


@pytest.mark.parametrize(
    ("email", "taken", "username"),
    [
        ("ada.lovelace@example.com", [], "ada.lovelace"),
        ("ada@example.com", ["ADA"], "ada-2"),
        ("ada@example.com", ["ada", "ada-2"], "ada-3"),
        ("josé.núñez@example.com", [], "jose.nunez"),
        ("o'brien+news@example.com", [], "obrien+news"),
        ("<script>@example.com", [], "script"),
        ("日本@example.com", [], "user"),
        (f"{'x' * 200}@example.com", [], "x" * 140),
    ],
)
def test_it_derives_a_safe_free_username(db, email, taken, username):
    for name in taken:
        UserFactory(username=name)

    assert free_username(email) == username
