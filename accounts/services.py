"""Writes to a person's profile: the one path for the preferences page, the admin and
any later API."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Profile


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@transaction.atomic
def set_language(*, user, language: str) -> Profile:
    """Saves `language` (a code of settings.LANGUAGES, or "" to follow the browser) as
    the user's language; refuses any other value."""
    if language and language not in language_codes():
        raise ValidationError(
            _("“%(language)s” is not a language of this site.") % {"language": language},
            code="unknown_language",
        )
    profile, _created = Profile.objects.update_or_create(user=user, defaults={"language": language})
    return profile


def language_of(user) -> str:
    """The language to write to `user` in (notifications, e-mails): their preference, else
    settings.LANGUAGE_CODE — a message sent outside a request has no browser to ask."""
    language = getattr(user, "preferred_language", None)
    if language is None:
        language = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def languages_of(*, user_ids: list[int]) -> dict[int, str]:
    """Each user's language (see language_of), in one query."""
    chosen = dict(
        Profile.objects.filter(user_id__in=user_ids)
        .exclude(language="")
        .values_list("user_id", "language")
    )
    return {pk: chosen.get(pk, settings.LANGUAGE_CODE) for pk in user_ids}
