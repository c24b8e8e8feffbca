"""The API's token sign-in (knox), answering in the person's own language: a session's
language is set by accounts.middleware before the view, but a token is only read inside
DRF's view, after every middleware — so the language is activated here, once the token
has named the user. Without a choice the request's Accept-Language stands."""

from django.utils import translation
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication

from accounts.models import Profile


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate(self, request):
        signed_in = super().authenticate(request)
        if signed_in is not None:
            chosen = Profile.objects.filter(user=signed_in[0]).values_list("language", flat=True)
            language = chosen.first()
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return signed_in


class TokenScheme(KnoxTokenScheme):
    """The schema describes it as knox's token, as before (drf-spectacular matches the
    exact class)."""

    target_class = "accounts.api_auth.TokenAuthentication"
