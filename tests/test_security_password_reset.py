"""There is no self-service password reset: a forgotten password is reset by an
administrator, so no anonymous page sends mail or can be used to probe addresses."""

import pytest
from django.core import mail
from django.urls import NoReverseMatch, reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/MQ/set-password/",
        "/accounts/reset/done/",
    ],
)
def test_it_has_no_password_reset_pages(client, path):
    UserFactory(email="someone@example.com")

    get = client.get(path)
    post = client.post(path, {"email": "someone@example.com"})

    assert get.status_code in (302, 404)
    assert post.status_code in (302, 404)
    assert mail.outbox == []


def test_it_names_no_password_reset_url():
    with pytest.raises(NoReverseMatch):
        reverse("password_reset")


def test_a_signed_in_user_can_still_change_their_password(client):
    user = UserFactory()
    user.set_password("old-password-123")
    user.save()
    client.force_login(user)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "old-password-123",
            "new_password1": "a-new-long-passphrase-42",
            "new_password2": "a-new-long-passphrase-42",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-long-passphrase-42")
