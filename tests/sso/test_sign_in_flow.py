"""Signing in through a real OpenID provider (tests/sso/idp, django-oauth-toolkit on
127.0.0.1): the whole authorization-code flow with PKCE, discovery, the RS256 ID token
checked against the provider's keys, userinfo, and the person created or matched here."""

from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.models import Group

from accounts.oidc import BACKEND
from tests.factories import UserFactory
from tests.sso.idp.harness import REVIEWER_GROUP

User = get_user_model()


def signed_in_user(client):
    return User.objects.get(pk=client.session["_auth_user_id"])


def is_reviewer(user) -> bool:
    return user.groups.filter(name="Reviewers").exists()


def test_it_creates_the_user_and_maps_the_reviewer_group_then_drops_it(
    client, sso, sign_in_with_idp
):
    sso.set_claims(
        "ada",
        email="Ada.Lovelace@Example.com",
        email_verified=True,
        name="Ada Lovelace",
        groups=["staff", REVIEWER_GROUP],
    )

    response = sign_in_with_idp(client, "ada")

    assert response.status_code == 302
    assert response["Location"] == "/"
    ada = signed_in_user(client)
    assert ada.email == "Ada.Lovelace@Example.com"
    assert ada.username == "Ada.Lovelace"
    assert (ada.first_name, ada.last_name) == ("Ada", "Lovelace")
    assert not ada.has_usable_password()
    assert is_reviewer(ada)
    assert client.session[BACKEND_SESSION_KEY] == BACKEND
    assert client.get("/").status_code == 200

    client.post("/accounts/logout/")
    sso.set_claims(
        "ada",
        email="ada.lovelace@example.com",
        email_verified=True,
        name="Ada King",
        groups=["staff"],
    )
    response = sign_in_with_idp(client, "ada")

    assert response.status_code == 302
    assert signed_in_user(client).pk == ada.pk
    ada.refresh_from_db()
    assert not is_reviewer(ada)
    assert (ada.first_name, ada.last_name) == ("Ada", "King")
    assert User.objects.count() == 1


def test_it_matches_an_existing_user_by_email_ignoring_case(client, sso, sign_in_with_idp):
    grace = UserFactory(username="ghopper", email="grace@example.com")
    sso.set_claims("grace", email="GRACE@example.com", email_verified=True, groups=[REVIEWER_GROUP])

    response = sign_in_with_idp(client, "grace")

    assert response.status_code == 302
    assert signed_in_user(client).pk == grace.pk
    grace.refresh_from_db()
    assert grace.username == "ghopper"
    assert grace.has_usable_password()  # still signs in with it too
    assert is_reviewer(grace)
    assert User.objects.count() == 1


def test_it_goes_back_to_the_page_asked_for(client, sso, sign_in_with_idp):
    sso.set_claims("ada", email="ada@example.com", email_verified=True)

    response = sign_in_with_idp(client, "ada", next_url="/initiatives/")

    assert response.status_code == 302
    assert response["Location"] == "/initiatives/"


def test_it_leaves_groups_alone_without_reviewer_groups_configured(
    client, idp, configure_sso, sign_in_with_idp
):
    configure_sso(OIDC_REVIEWER_GROUPS="")
    reviewer = UserFactory(email="linus@example.com")
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    idp.set_claims("linus", email="linus@example.com", email_verified=True, groups=[])

    response = sign_in_with_idp(client, "linus")

    assert response.status_code == 302
    assert is_reviewer(reviewer)


def test_it_never_sends_the_person_to_another_site_afterwards(client, sso, sign_in_with_idp):
    sso.set_claims("ada", email="ada@example.com", email_verified=True)

    response = sign_in_with_idp(client, "ada", next_url="https://evil.example.com/")

    assert response.status_code == 302
    assert response["Location"] == "/"
