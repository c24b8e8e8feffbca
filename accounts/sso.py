"""Signing a person in from what their identity provider says about them (the claims of
an OpenID Connect sign-in, accounts/oidc.py): the one write path that creates or updates
a user from a provider.

- The e-mail address is the key: a provider that sends none, or does not say it is
  verified, gets no account here — anyone can type an unverified address, and matching on
  it would hand them someone else's account.
- An existing user is matched by that address, ignoring case; two local users with the
  same address are refused rather than guessed between. A new user gets a username
  derived from the address and no usable password.
- Names follow the claims at every sign-in; membership of the Reviewers group follows
  the groups claim at every sign-in, when reviewer groups are configured (otherwise it is
  left to the admin).
"""

import logging
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# The group that carries the triage permission (improvement/migrations/0002_reviewers_group).
REVIEWERS_GROUP = "Reviewers"
# What Django's username validator accepts, in ASCII: letters, digits and @ . + - _
NOT_IN_USERNAME = re.compile(r"[^A-Za-z0-9@.+_-]")
USERNAME_BASE_LENGTH = 140  # leaves room for "-NNN" within the 150 characters


class SignInRefused(Exception):
    """A sign-in refused for a reason the person can act on; `message` is shown to them."""

    def __init__(self, message: str, *, status: int = 403):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class SignIn:
    user: Any
    created: bool


def sign_in_with_claims(
    *,
    claims: Mapping[str, Any],
    groups_claim: str = "groups",
    reviewer_groups: Collection[str] = (),
    email_verified_claim: str = "email_verified",
) -> SignIn:
    """The user these claims sign in: matched by verified e-mail or created, with names and
    Reviewers membership brought up to date. Raises SignInRefused, having changed nothing."""
    email = verified_email(claims, email_verified_claim)
    for attempt in range(2):
        try:
            with transaction.atomic():
                user, created = matched_or_new_user(email)
                update_names(user, claims)
                if reviewer_groups:
                    set_reviewer(
                        user,
                        is_reviewer=bool(groups_of(claims, groups_claim) & set(reviewer_groups)),
                    )
            break
        except IntegrityError:
            # Two first sign-ins of one person at once: the other created the user (the same
            # username) a moment ago; the second attempt matches it by e-mail.
            if attempt:
                raise
    if created:
        logger.info("Created user %s from the identity provider.", user.username)
    return SignIn(user=user, created=created)


def verified_email(claims: Mapping[str, Any], verified_claim: str) -> str:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email.strip():
        raise SignInRefused(
            _(
                "Your identity provider did not send your e-mail address, so you cannot be "
                "signed in here. Ask your IT department to release the e-mail claim to this "
                "application."
            )
        )
    # True, or the string "true" that some providers send.
    if str(claims.get(verified_claim)).lower() != "true":
        raise SignInRefused(
            _(
                "Your identity provider has not verified your e-mail address %(email)s, so "
                "you cannot be signed in here. Verify it with your provider and try again."
            )
            % {"email": email.strip()}
        )
    return email.strip()


def matched_or_new_user(email: str):
    User = get_user_model()
    matches = list(User._default_manager.filter(email__iexact=email).order_by("pk")[:2])
    if len(matches) > 1:
        raise SignInRefused(
            _(
                "More than one account here has the e-mail address %(email)s. An administrator "
                "must change one of them before you can sign in with it."
            )
            % {"email": email}
        )
    if matches:
        user = matches[0]
        if not user.is_active:
            raise SignInRefused(
                _("Your account here is deactivated. Ask an administrator to reactivate it.")
            )
        return user, False
    user = User(username=free_username(email), email=email)
    user.set_unusable_password()
    user.save()
    return user, True


def free_username(email: str) -> str:
    """The part of `email` before the @, reduced to the characters a username may hold,
    with -2, -3 … added when a user (in any case) already has it."""
    local = unicodedata.normalize("NFKD", email.rsplit("@", 1)[0])
    base = NOT_IN_USERNAME.sub("", local.encode("ascii", "ignore").decode())[:USERNAME_BASE_LENGTH]
    base = base or "user"
    taken = {
        name.lower()
        for name in get_user_model()
        ._default_manager.filter(username__istartswith=base)
        .values_list("username", flat=True)
    }
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def update_names(user, claims: Mapping[str, Any]) -> None:
    first, last = claims.get("given_name"), claims.get("family_name")
    if not (isinstance(first, str) or isinstance(last, str)):
        name = claims.get("name")
        if not isinstance(name, str) or not name.strip():
            return
        first, _space, last = name.strip().rpartition(" ")
        if not first:  # one word
            first, last = last, ""
    names = {
        "first_name": (first or "").strip()[:150],
        "last_name": (last or "").strip()[:150],
    }
    changed = [field for field, value in names.items() if getattr(user, field) != value]
    if changed:
        for field in changed:
            setattr(user, field, names[field])
        user.save(update_fields=changed)


def groups_of(claims: Mapping[str, Any], claim: str) -> set[str]:
    """The claim's groups: a list of names (or ids), or a single one."""
    value = claims.get(claim)
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple):
        return {str(item) for item in value if isinstance(item, str | int)}
    return set()


def set_reviewer(user, *, is_reviewer: bool) -> None:
    reviewers = Group.objects.filter(name=REVIEWERS_GROUP).first()
    if reviewers is None:
        logger.error(
            "No %s group: reviewer membership from the provider not applied.", REVIEWERS_GROUP
        )
        return
    if is_reviewer:
        user.groups.add(reviewers)
    else:
        user.groups.remove(reviewers)
