"""API tokens have a life: each sign-in gets its own, it expires, its owner can list and
revoke it, and every one of them dies when the password changes or the account is
deactivated."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from accounts import tokens
from tests.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests"


def sign_in(api, username="ada", password=PASSWORD):
    return api.post("/api/auth/token/", {"username": username, "password": password})


def with_token(api, token):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_it_issues_a_new_token_at_every_sign_in(api):
    user = UserFactory(username="ada")

    first = sign_in(api).json()["token"]
    second = sign_in(api).json()["token"]

    assert first != second
    assert AuthToken.objects.filter(user=user).count() == 2


def test_it_stores_only_a_digest_of_the_token(api):
    UserFactory(username="ada")

    token = sign_in(api).json()["token"]

    row = AuthToken.objects.get()
    assert token not in (row.digest, row.token_key)
    assert token.startswith(row.token_key)


def test_it_gives_a_token_the_configured_life(api, settings):
    UserFactory(username="ada")

    response = sign_in(api)

    expiry = dt.datetime.fromisoformat(response.json()["expiry"])
    life = settings.REST_KNOX["TOKEN_TTL"]
    assert life == dt.timedelta(days=30)
    assert abs(expiry - (timezone.now() + life)) < dt.timedelta(minutes=1)


def test_it_refuses_an_expired_token(api):
    UserFactory(username="ada")
    token = sign_in(api).json()["token"]
    AuthToken.objects.update(expiry=timezone.now() - dt.timedelta(seconds=1))

    response = with_token(api, token).get("/api/me/")

    assert response.status_code == 401
    assert not AuthToken.objects.exists()  # knox deletes it when it is next presented


def test_it_revokes_every_token_when_the_password_changes(api, client):
    user = UserFactory(username="ada")
    token = sign_in(api).json()["token"]
    client.force_login(user)

    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-42",
            "new_password2": "a-new-long-passphrase-42",
        },
    )

    assert with_token(api, token).get("/api/me/").status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()


def test_it_revokes_every_token_when_an_administrator_sets_the_password(api):
    user = UserFactory(username="ada")
    token = sign_in(api).json()["token"]

    user.set_password("set-by-the-administrator-1")
    user.save()

    assert with_token(api, token).get("/api/me/").status_code == 401


def test_it_revokes_every_token_when_the_account_is_deactivated(api):
    user = UserFactory(username="ada")
    token = sign_in(api).json()["token"]

    user.is_active = False
    user.save(update_fields=["is_active"])

    assert with_token(api, token).get("/api/me/").status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()


def test_it_keeps_tokens_through_other_changes_to_the_user(api):
    user = UserFactory(username="ada")
    token = sign_in(api).json()["token"]

    user.first_name = "Ada"
    user.save()
    user.refresh_from_db()  # a sign-in's last_login update is a save too
    user.save(update_fields=["last_login"])

    assert with_token(api, token).get("/api/me/").status_code == 200


def test_it_lists_the_callers_own_tokens_and_marks_the_current_one(api):
    ada = UserFactory(username="ada")
    UserFactory(username="bob")
    sign_in(api, "bob")
    old = sign_in(api).json()["token"]
    current = sign_in(api).json()["token"]

    response = with_token(api, current).get("/api/auth/tokens/")

    assert response.status_code == 200
    listed = response.json()
    assert [row["current"] for row in listed] == [True, False]
    assert {row["key"] for row in listed} == {current[:15], old[:15]}
    assert all(set(row) == {"key", "created", "expiry", "current"} for row in listed)
    assert AuthToken.objects.filter(user=ada).count() == 2


def test_it_lets_the_owner_revoke_one_token(api):
    UserFactory(username="ada")
    old = sign_in(api).json()["token"]
    current = sign_in(api).json()["token"]

    response = with_token(api, current).delete(f"/api/auth/tokens/{old[:15]}/")

    assert response.status_code == 204
    assert with_token(api, old).get("/api/me/").status_code == 401
    assert with_token(api, current).get("/api/me/").status_code == 200


def test_it_does_not_let_anyone_revoke_someone_elses_token(api):
    UserFactory(username="ada")
    UserFactory(username="bob")
    bobs = sign_in(api, "bob").json()["token"]
    adas = sign_in(api).json()["token"]

    response = with_token(api, adas).delete(f"/api/auth/tokens/{bobs[:15]}/")

    assert response.status_code == 404
    assert with_token(api, bobs).get("/api/me/").status_code == 200


def test_it_revokes_the_token_in_use_at_logout(api):
    UserFactory(username="ada")
    token = sign_in(api).json()["token"]

    response = with_token(api, token).post("/api/auth/logout/")

    assert response.status_code == 204
    assert with_token(api, token).get("/api/me/").status_code == 401


def test_it_refuses_a_logout_without_a_token(api):
    user = UserFactory(username="ada")
    api.force_login(user)

    response = api.post("/api/auth/logout/")

    assert response.status_code == 400


def test_it_lets_an_administrator_list_and_revoke_tokens_in_the_admin(client):
    user = UserFactory(username="ada")
    row, _ = tokens.issue(user)
    client.force_login(AdminFactory())

    listing = client.get(reverse("admin:knox_authtoken_changelist"))
    deleted = client.post(reverse("admin:knox_authtoken_delete", args=[row.pk]), {"post": "yes"})

    assert listing.status_code == 200
    assert deleted.status_code == 302
    assert not AuthToken.objects.filter(user=user).exists()
