"""API tokens (django-rest-knox): issued at sign-in, each with an expiry
(settings.API_TOKEN_DAYS), stored only as a hash, listed and revoked by their owner in the
API and by an administrator in the admin, and all revoked when the owner's password
changes or the account is deactivated.

Why knox rather than DRF's own token: DRF keeps one token per user, in clear text, for
ever; knox gives each sign-in its own token with an expiry, keeps only a SHA-512 digest,
and answers with the same `Authorization: Token …` header, so clients need no change."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver
from knox.models import AuthToken


def issue(user) -> tuple[AuthToken, str]:
    """A new token for `user`: the row, and the token itself (shown once, never stored)."""
    return AuthToken.objects.create(user=user, expiry=settings.REST_KNOX["TOKEN_TTL"])


def owned_by(user):
    """The user's tokens that have not expired, newest first."""
    from django.utils import timezone

    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def revoke(*, user, token_key: str) -> bool:
    """Revoke one of the user's own tokens, named by its key (the first characters of the
    token, which identify it without revealing it). Returns whether one was revoked."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    return bool(deleted)


def revoke_all(user) -> int:
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts.tokens.revoke_on_change")
def revoke_on_password_change_or_deactivation(sender, instance, created, **kwargs):
    # set_password() keeps the new raw password in `_password` until the save has run
    # (AbstractBaseUser.save), so this sees a password change made by any path: the
    # password-change page, the admin, `manage.py changepassword`.
    if created:
        return
    if instance._password is not None or not instance.is_active:
        revoke_all(instance)
