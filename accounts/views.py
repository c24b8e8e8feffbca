"""Signing in and out on the web: the login page (passwords, and "Sign in with …" when
single sign-on is configured), the admin's login, the OpenID Connect start and callback,
and logging out (at the provider too, when it has a logout endpoint configured).

With LOCAL_PASSWORD_LOGIN off, a password is refused on the login page and the admin's
login (and POST /api/auth/token/, accounts.api) before it is checked, and config.auth's
backend refuses any other way in; the sign-in lockout (django-axes) still counts wrong
passwords while they are on."""

import logging
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts import oidc
from accounts.sso import SignInRefused

logger = logging.getLogger(__name__)


def sso_context() -> dict:
    return {
        "sso": oidc.enabled(),
        "sso_name": oidc.provider_name(),
        "local_passwords": settings.LOCAL_PASSWORD_LOGIN,
    }


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **sso_context()}

    def post(self, request, *args, **kwargs):
        if not settings.LOCAL_PASSWORD_LOGIN:
            # An unbound form: validating it would try the password (and count a failure).
            context = self.get_context_data(
                form=self.get_form_class()(request), password_refused=True
            )
            return self.render_to_response(context, status=403)
        return super().post(request, *args, **kwargs)


@login_not_required
def admin_login(request, extra_context=None):
    """The admin's own login while passwords are on; otherwise the login page, where staff
    sign in with the provider like everyone else and come back to the admin."""
    if settings.LOCAL_PASSWORD_LOGIN:
        return admin.site.login(request, extra_context)
    if request.user.is_authenticated:
        raise PermissionDenied  # signed in, and not staff (or the admin would have let them in)
    query = urlencode({"next": request.GET.get("next") or reverse("admin:index")})
    return redirect(f"{reverse('login')}?{query}")


def refused(request, message: str, *, status: int):
    return render(
        request,
        "registration/sso_refused.html",
        {"message": message, **sso_context()},
        status=status,
    )


@method_decorator([login_not_required, never_cache], name="dispatch")
class AuthenticateView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider's sign-in page (state, nonce and PKCE kept in
    the session for the callback)."""

    get_settings = staticmethod(oidc.setting)

    def __init__(self, **kwargs):
        # Not mozilla-django-oidc's: it reads the endpoint before a failure can be answered.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request):
        if not oidc.enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc.setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except SignInRefused as refusal:
            return refused(request, refusal.message, status=refusal.status)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


@method_decorator([login_not_required, never_cache], name="dispatch")
class CallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back. Every way a sign-in can fail ends on a
    page that says why (400 for a sign-in that could not be verified, 403 for a refusal,
    502 for a provider that did not answer), never a server error."""

    get_settings = staticmethod(oidc.setting)

    def get(self, request):
        if not oidc.enabled():
            raise Http404
        # RFC 9207: a provider that names itself must be the configured one (mix-up attack).
        issuer = request.GET.get("iss")
        if (
            issuer
            and settings.OIDC_ISSUER
            and issuer.rstrip("/") != settings.OIDC_ISSUER.rstrip("/")
        ):
            logger.warning("OpenID Connect callback from issuer %r refused.", issuer)
            return refused(request, oidc.not_verified().message, status=400)
        try:
            return super().get(request)
        except SignInRefused as refusal:
            return refused(request, refusal.message, status=refusal.status)
        except (SuspiciousOperation, jwt.PyJWTError) as exc:
            # A state not started in this browser, a bad signature, a token for someone else.
            logger.warning("OpenID Connect sign-in refused: %s", exc)
            return refused(request, oidc.not_verified().message, status=400)
        except (requests.RequestException, ValueError) as exc:
            logger.warning("OpenID Connect provider failed: %s", exc)
            return refused(request, oidc.unreachable().message, status=502)

    def login_failure(self):
        request = self.request
        if error := request.GET.get("error"):
            message = _("%(provider)s did not sign you in (%(error)s).") % {
                "provider": oidc.provider_name(),
                "error": error,
            }
        else:
            message = _(
                "This sign-in was started in another browser or has expired. Please sign in again."
            )
        return refused(request, message, status=403 if error else 400)


class LogoutView(auth_views.LogoutView):
    """Ends the session here; after a single sign-on, and with the provider's logout
    endpoint configured (OIDC_END_SESSION_ENDPOINT), ends the provider's session too and
    comes back to the login page (OpenID Connect RP-Initiated Logout)."""

    def post(self, request, *args, **kwargs):
        at_provider = provider_logout_url(request)  # read before the session is emptied
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(at_provider) if at_provider else response


def provider_logout_url(request) -> str | None:
    endpoint = getattr(settings, "OIDC_OP_END_SESSION_ENDPOINT", None)
    id_token = request.session.get("oidc_id_token")
    if not (oidc.enabled() and endpoint and id_token):
        return None
    if request.session.get(BACKEND_SESSION_KEY) != oidc.BACKEND:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
