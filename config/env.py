"""Strict environment parsing: a bad value stops start-up with a message naming the
variable. A URL's password never appears in a message: it is masked as `***`."""

import os
import re
import zoneinfo
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def masked(raw: str) -> str:
    """`raw` with the password of a URL (`scheme://user:password@host`) replaced by ***."""
    found = re.match(r"([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)(.*)", raw, re.DOTALL)
    if not found or "@" not in found[2]:
        return raw
    userinfo, host = found[2].rsplit("@", 1)
    if ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":***"
    return f"{found[1]}{userinfo}@{host}{found[3]}"


def bad_url(name: str, raw: str, problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={masked(raw)!r} {problem}")


def checked_port(name: str, raw: str, url) -> int | None:
    """The URL's port, or None without one; refuses a port that is not 1-65535."""
    try:
        port = url.port
    except ValueError:
        raise bad_url(name, raw, "has a bad port: use a number from 1 to 65535.") from None
    if port == 0:
        raise bad_url(name, raw, "has a bad port: use a number from 1 to 65535.")
    return port


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at most {maximum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def env_log_level(name: str, default: str) -> str:
    # logging only knows upper-case names and its own error never says which variable
    # held the bad value, so accept any case and check here.
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().upper()
    if value not in LOG_LEVELS:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a log level; use one of {LOG_LEVELS}.")
    return value


def env_timezone(name: str, default: str) -> str:
    # Django checks TIME_ZONE only where /usr/share/zoneinfo exists; elsewhere a typo
    # would surface at the first request instead of at start.
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not an IANA time zone such as UTC or Europe/Paris."
        ) from None
    return raw


def env_database(name: str, default: str) -> dict:
    import dj_database_url

    raw = os.environ.get(name) or default
    checked_port(name, raw, urlsplit(raw))
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        # The parser's message can quote the URL, password and all: name the problem only.
        problem = "names no supported database engine" if "scheme" in str(exc) else "is malformed"
        raise bad_url(name, raw, f"is not a database URL: it {problem}.") from None
    if not config.get("ENGINE"):
        raise bad_url(name, raw, "names no supported database engine.")
    if config["ENGINE"].endswith("sqlite3"):
        # SQLite keeps no persistent connections worth reusing; waiting a little on a
        # locked file beats failing a request while a job writes.
        config["CONN_MAX_AGE"] = 0
        # BEGIN IMMEDIATE: a transaction takes the write lock when it starts, so two
        # writers queue instead of both reading and one failing on upgrade.
        config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    return config


def env_redis(name: str) -> str | None:
    raw = os.environ.get(name)
    if not raw:
        return None
    url = urlsplit(raw)
    if url.scheme not in {"redis", "rediss"} or not url.hostname:
        raise bad_url(name, raw, "must be a redis:// or rediss:// URL with a host.")
    checked_port(name, raw, url)
    database = url.path.strip("/")
    if database and not (database.isascii() and database.isdigit()):
        raise bad_url(name, raw, "must name a database by number, as in redis://host:6379/0.")
    return raw


def env_email(name: str) -> dict:
    """EMAIL_URL: smtp://user:pass@host:port (smtp+tls:// for STARTTLS, smtps:// for SSL),
    or console:// (the default)."""
    raw = os.environ.get(name)
    if not raw or raw == "console://":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    url = urlsplit(raw)
    if url.scheme not in {"smtp", "smtp+tls", "smtps"} or not url.hostname:
        raise bad_url(name, raw, "must look like smtp://user:password@host:port or console://.")
    port = checked_port(name, raw, url) or (465 if url.scheme == "smtps" else 25)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": url.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(url.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(url.password or ""),
        "EMAIL_USE_TLS": url.scheme == "smtp+tls",
        "EMAIL_USE_SSL": url.scheme == "smtps",
    }


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """The request header, as Django names it (`HTTP_X_FORWARDED_PROTO`), through which a
    TLS-terminating proxy says the client used HTTPS; unset when there is no such proxy.
    Only set it when the proxy always sets or strips that header: a client could send it."""
    raw = os.environ.get(name)
    if not raw:
        return None
    if not re.fullmatch(r"HTTP_[A-Z0-9_]+", raw.strip()):
        raise ImproperlyConfigured(
            f"{name}={raw!r} must name a request header as Django sees it, "
            "such as HTTP_X_FORWARDED_PROTO."
        )
    return (raw.strip(), "https")


RATE_PERIODS = ("second", "minute", "hour", "day")


def env_rate(name: str, default: str) -> str:
    """A rate as `N/period`, period one of second, minute, hour, day (as DRF reads it)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    found = re.fullmatch(r"\s*(\d+)\s*/\s*([a-z]+)\s*", raw.lower())
    if not found or found[2] not in RATE_PERIODS or int(found[1]) < 1:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate; write it as 30/hour (second, minute, hour or day)."
        )
    return f"{int(found[1])}/{found[2]}"


STORAGE_OPTIONS = ("endpoint_url", "region", "addressing_style")


def env_storage(name: str) -> dict:
    """STORAGE_URL: where uploaded files (attachments) are kept, as STORAGES["default"].

    Unset or empty: the local filesystem under MEDIA_ROOT. `s3://bucket[/prefix]` with
    optional `?endpoint_url=https://…&region=…&addressing_style=path|virtual`: an
    S3-compatible bucket (AWS, MinIO, Ceph, …) through django-storages. The credentials
    come the way boto3 finds them — AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a
    profile, an instance role — never in the URL, which ends up in logs and messages."""
    raw = os.environ.get(name)
    if not raw:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    url = urlsplit(raw)
    if url.scheme != "s3" or not url.netloc:
        raise bad_url(name, raw, "must look like s3://bucket/prefix?endpoint_url=…&region=….")
    if "@" in url.netloc:
        raise bad_url(
            name, raw, "must not hold credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
        )
    try:
        query = dict(parse_qsl(url.query, keep_blank_values=True, strict_parsing=bool(url.query)))
    except ValueError:
        raise bad_url(name, raw, "has a malformed query string.") from None
    if unknown := sorted(set(query) - set(STORAGE_OPTIONS)):
        raise bad_url(
            name, raw, f"has unknown options {unknown}; use {', '.join(STORAGE_OPTIONS)}."
        )
    endpoint = query.get("endpoint_url") or None
    if endpoint is not None:
        parts = urlsplit(endpoint)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise bad_url(name, raw, "has an endpoint_url that is not an http(s) URL.")
        checked_port(name, raw, parts)
    style = query.get("addressing_style") or None
    if style not in {None, "path", "virtual", "auto"}:
        raise bad_url(name, raw, "has an addressing_style other than path, virtual or auto.")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": url.netloc,
            "location": url.path.strip("/"),
            "endpoint_url": endpoint,
            "region_name": query.get("region") or None,
            "addressing_style": style,
            # No ACL is sent: objects are as private as the bucket (keep it private), and
            # are read only through the application's access-checked views.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }


# --- OpenID Connect sign-in (accounts/oidc.py, README "Single sign-on") ------------------
# Environment name → the mozilla-django-oidc setting it fills (OIDC_OP_END_SESSION_ENDPOINT
# is ours: mozilla-django-oidc leaves the provider's logout to the project).
OIDC_ENDPOINTS = {
    "OIDC_AUTHORIZATION_ENDPOINT": "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_TOKEN_ENDPOINT": "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_USERINFO_ENDPOINT": "OIDC_OP_USER_ENDPOINT",
    "OIDC_JWKS_ENDPOINT": "OIDC_OP_JWKS_ENDPOINT",
    "OIDC_END_SESSION_ENDPOINT": "OIDC_OP_END_SESSION_ENDPOINT",
}
OIDC_VARIABLES = (
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_ISSUER",
    *OIDC_ENDPOINTS,
    "OIDC_SIGN_ALGO",
    "OIDC_SCOPES",
    "OIDC_PROVIDER_NAME",
    "OIDC_GROUPS_CLAIM",
    "OIDC_REVIEWER_GROUPS",
    "OIDC_EMAIL_VERIFIED_CLAIM",
    "OIDC_TIMEOUT",
)
# RS*/ES* are checked with the provider's published keys (JWKS), HS256 with the client
# secret; mozilla-django-oidc knows no others.
OIDC_SIGN_ALGOS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def env_oidc_url(name: str) -> str | None:
    """An https:// URL (http:// only on this machine, for a local test provider)."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return None
    url = urlsplit(raw)
    if url.scheme not in {"http", "https"} or not url.hostname:
        raise bad_url(name, raw, "is not an http(s) URL.")
    checked_port(name, raw, url)
    if url.scheme == "http" and url.hostname not in LOOPBACK:
        raise bad_url(name, raw, "must be https:// (http:// only for 127.0.0.1 or localhost).")
    return raw


def env_oidc() -> dict:
    """Django settings for OpenID Connect sign-in, from OIDC_* and LOCAL_PASSWORD_LOGIN.

    Off (OIDC_ENABLED False, nothing else) unless OIDC_CLIENT_ID is set. On, it needs the
    client secret and either OIDC_ISSUER, whose discovery document names the endpoints, or
    the endpoints themselves (an endpoint given is used over the discovered one)."""
    local_passwords = env_bool("LOCAL_PASSWORD_LOGIN", True)
    client_id = (os.environ.get("OIDC_CLIENT_ID") or "").strip()
    if not client_id:
        if stray := [name for name in OIDC_VARIABLES if os.environ.get(name)]:
            raise ImproperlyConfigured(
                f"{', '.join(stray)} set without OIDC_CLIENT_ID: set it too, or unset them."
            )
        if not local_passwords:
            raise ImproperlyConfigured(
                "LOCAL_PASSWORD_LOGIN is off but OpenID Connect sign-in is not configured "
                "(OIDC_CLIENT_ID …): nobody could sign in."
            )
        return {"OIDC_ENABLED": False, "LOCAL_PASSWORD_LOGIN": True}

    secret = os.environ.get("OIDC_CLIENT_SECRET") or ""
    if not secret:
        raise ImproperlyConfigured("OIDC_CLIENT_SECRET is required with OIDC_CLIENT_ID.")
    algo = (os.environ.get("OIDC_SIGN_ALGO") or "RS256").strip().upper()
    if algo not in OIDC_SIGN_ALGOS:
        raise ImproperlyConfigured(
            f"OIDC_SIGN_ALGO={os.environ['OIDC_SIGN_ALGO']!r} is not one of {OIDC_SIGN_ALGOS}."
        )
    issuer = env_oidc_url("OIDC_ISSUER")
    endpoints = {setting: env_oidc_url(name) for name, setting in OIDC_ENDPOINTS.items()}
    needed = ["OIDC_AUTHORIZATION_ENDPOINT", "OIDC_TOKEN_ENDPOINT", "OIDC_USERINFO_ENDPOINT"]
    if not algo.startswith("HS"):
        needed.append("OIDC_JWKS_ENDPOINT")
    missing = [name for name in needed if not endpoints[OIDC_ENDPOINTS[name]]]
    if missing and not issuer:
        raise ImproperlyConfigured(
            f"OpenID Connect needs OIDC_ISSUER (its discovery document names the endpoints) "
            f"or {', '.join(missing)}."
        )
    scopes = (os.environ.get("OIDC_SCOPES") or "openid email profile").replace(",", " ").split()
    if not {"openid", "email"} <= set(scopes):
        raise ImproperlyConfigured(
            f"OIDC_SCOPES={os.environ['OIDC_SCOPES']!r} must include openid and email: "
            "people are matched by their e-mail address."
        )
    return {
        "OIDC_ENABLED": True,
        "LOCAL_PASSWORD_LOGIN": local_passwords,
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": secret,
        "OIDC_RP_SIGN_ALGO": algo,
        "OIDC_RP_SCOPES": " ".join(dict.fromkeys(scopes)),
        "OIDC_ISSUER": issuer,
        **endpoints,
        "OIDC_PROVIDER_NAME": (os.environ.get("OIDC_PROVIDER_NAME") or "").strip() or "SSO",
        "OIDC_GROUPS_CLAIM": (os.environ.get("OIDC_GROUPS_CLAIM") or "").strip() or "groups",
        "OIDC_REVIEWER_GROUPS": env_list("OIDC_REVIEWER_GROUPS", []),
        "OIDC_EMAIL_VERIFIED_CLAIM": (os.environ.get("OIDC_EMAIL_VERIFIED_CLAIM") or "").strip()
        or "email_verified",
        # mozilla-django-oidc waits for ever by default; a hung provider must not hold a
        # web worker.
        "OIDC_TIMEOUT": env_int("OIDC_TIMEOUT", 10, minimum=1, maximum=120),
        # PKCE (S256): a stolen authorization code is useless without the verifier kept in
        # the session. Providers that do not know it ignore the extra parameters.
        "OIDC_USE_PKCE": True,
        # The ID token is kept in the session only to end the provider's session at logout.
        "OIDC_STORE_ID_TOKEN": bool(endpoints["OIDC_OP_END_SESSION_ENDPOINT"]),
    }
