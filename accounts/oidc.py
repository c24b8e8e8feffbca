"""OpenID Connect sign-in through mozilla-django-oidc: the authentication backend and the
provider's endpoints.

mozilla-django-oidc runs the authorization-code flow (state, nonce, PKCE, the token
exchange, the ID token's signature against the provider's keys); this module adds what a
company's provider needs here:

- the endpoints may come from the issuer's discovery document (OIDC_ISSUER), fetched at
  the first sign-in and kept for an hour, instead of four URLs configured by hand;
- the ID token must be addressed to this client and, with an issuer configured, come from
  it (mozilla-django-oidc checks neither);
- the person is created or matched by accounts.sso, from the ID token's claims and the
  userinfo answer together (Entra ID, for one, puts groups only in the ID token);
- the signed-in user is loaded by config.auth's one-query loader, as after a password
  sign-in: Django loads a session's user through the backend that signed it in.
"""

import logging
import time

import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts import sso
from config.auth import ModelBackend

logger = logging.getLogger(__name__)

BACKEND = "accounts.oidc.OIDCBackend"
# The discovery document's name for each endpoint setting (OpenID Connect Discovery 1.0).
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
DISCOVERY_SECONDS = 3600
_discovered: dict[str, tuple[float, dict]] = {}


def enabled() -> bool:
    return getattr(settings, "OIDC_ENABLED", False)


def provider_name() -> str:
    return getattr(settings, "OIDC_PROVIDER_NAME", "") or "SSO"


def setting(name: str, *default):
    """A mozilla-django-oidc setting; an endpoint not configured comes from discovery."""
    value = getattr(settings, name, None)
    if value is None and name in DISCOVERED and getattr(settings, "OIDC_ISSUER", None):
        value = discovery(settings.OIDC_ISSUER).get(DISCOVERED[name])
    if value is None:
        if default:
            return default[0]
        raise sso.SignInRefused(
            _("Single sign-on is not fully configured here (%(name)s). Tell an administrator.")
            % {"name": name},
            status=503,
        )
    return value


def discovery(issuer: str) -> dict:
    """The issuer's discovery document, fetched at most once an hour per process."""
    now = time.monotonic()
    cached = _discovered.get(issuer)
    if cached and now - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("OpenID Connect discovery at %s failed: %s", url, exc)
        raise unreachable() from exc
    # The document must be the issuer's own (Discovery 1.0, section 4.3).
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip(
        "/"
    ) != issuer.rstrip("/"):
        logger.warning("The discovery document at %s names another issuer.", url)
        raise unreachable()
    _discovered[issuer] = (now, document)
    return document


def unreachable() -> sso.SignInRefused:
    return sso.SignInRefused(
        _(
            "%(provider)s did not answer as expected. Please try again in a moment; if it "
            "keeps happening, tell an administrator."
        )
        % {"provider": provider_name()},
        status=502,
    )


def not_verified() -> sso.SignInRefused:
    return sso.SignInRefused(
        _("The sign-in could not be verified, so it was refused. Please try again."),
        status=400,
    )


class OIDCBackend(OIDCAuthenticationBackend, ModelBackend):
    """Signs in from an authorization-code callback, and only from one: a password sign-in
    (username and password) passes it by."""

    get_settings = staticmethod(setting)
    # The one-query loader and its permission shortcut (config.auth), not
    # mozilla-django-oidc's plain `get`.
    get_user = ModelBackend.get_user
    has_perm = ModelBackend.has_perm

    def __init__(self, *args, **kwargs):
        # mozilla-django-oidc reads every endpoint here, and Django makes a backend for every
        # request that loads a signed-in user: the endpoints (perhaps from discovery, over
        # the network) are read when signing in, in `authenticate`.
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    def authenticate(self, request, nonce=None, code_verifier=None, **credentials):
        if credentials or request is None or not enabled():
            return None
        super().__init__()
        return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is addressed to another client.")
        issuer = getattr(settings, "OIDC_ISSUER", None)
        if issuer and str(payload.get("iss", "")).rstrip("/") != issuer.rstrip("/"):
            raise SuspiciousOperation("The ID token comes from another issuer.")
        return payload

    def verify_claims(self, claims):
        return True  # accounts.sso checks them, with a message the person can act on

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        # OpenID Connect Core 5.3.2: the userinfo answer must be about the token's subject.
        # (Not SuspiciousOperation: mozilla-django-oidc would turn it into a silent failure.)
        if userinfo.get("sub") != payload.get("sub"):
            logger.warning("OpenID Connect: the userinfo answer is about another subject.")
            raise not_verified()
        signed_in = sso.sign_in_with_claims(
            claims={**payload, **userinfo},
            groups_claim=settings.OIDC_GROUPS_CLAIM,
            reviewer_groups=settings.OIDC_REVIEWER_GROUPS,
            email_verified_claim=settings.OIDC_EMAIL_VERIFIED_CLAIM,
        )
        return signed_in.user
