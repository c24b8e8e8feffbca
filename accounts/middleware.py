"""A signed-in person's own language, over the browser's: LocaleMiddleware has already
activated the Accept-Language one; this replaces it with the profile's choice when there
is one. The choice comes with the user in the same query (config.auth.ModelBackend
annotates `preferred_language`), so this costs no query; a user loaded by another
backend (single sign-on's, say) costs one."""

from django.utils import translation

from accounts.models import Profile


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = getattr(user, "preferred_language", None)
            if not hasattr(user, "preferred_language"):
                language = (
                    Profile.objects.filter(user=user).values_list("language", flat=True).first()
                )
                user.preferred_language = language
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
