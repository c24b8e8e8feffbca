"""Settings, read from the environment only. Defaults let a fresh checkout run on SQLite
with tasks in-process; a bad value fails loudly at start (see config/env.py)."""

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

from babel.numbers import is_currency
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_log_level,
    env_oidc,
    env_proxy_ssl_header,
    env_rate,
    env_redis,
    env_storage,
    env_str,
    env_timezone,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# DEBUG defaults on so a fresh checkout runs as is (as healthchecks does); production
# sets DEBUG=0 and must then give SECRET_KEY.
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-DEBUG"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "simple_history",
    "accounts",
    "improvement",
    "metrics",
    "actions",
    "attachments",
    "campaigns",
    "problem_solving",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language) for everyone, signed in or not; a signed-in
    # user's own choice replaces it below (accounts.middleware).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The signed-in user becomes the author of history rows saved during the request,
    # for the paths that do not name one (the services do).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "improvement.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username and address before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "config.auth.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
# The languages a person can choose (accounts.Profile.language) or their browser can ask
# for; each name in its own language, as a language menu writes it. The catalogues are in
# locale/, compiled to .mo files by the build (make, .ci/run; README "Languages").
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates per language (config/formats: ISO in English, "3. Dezember 2026" in German).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (attachments) go through Django's storage API: the local filesystem
# under MEDIA_ROOT by default, an S3-compatible bucket when STORAGE_URL says so
# (config/env.py, README "Configuration"). They are never served at a URL of their own
# (there is no MEDIA_URL route): every file goes out through attachments' views, which
# check who is asking.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": env_storage("STORAGE_URL"),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------------
# With DEBUG off the site is HTTPS-only: redirect, HSTS, cookies sent over HTTPS only.
# With DEBUG on it stays plain HTTP so `make run` works on http://127.0.0.1:8000.
# Behind a TLS-terminating proxy, name the header it sets (HTTP_X_FORWARDED_PROTO) so a
# request that reached the proxy over HTTPS counts as secure here.
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
# SECURE_SSL_REDIRECT=0 when the proxy in front already redirects HTTP to HTTPS.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# Scripts never read the CSRF cookie: base.html renders the token into hx-headers.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy (django-csp): only this site's own scripts, styles and images,
# nothing inline, never framed. The API docs page loosens it for itself (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Sign-in lockout (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is refused for LOGIN_LOCKOUT_MINUTES — on the login page, the
# admin's and the API token endpoint alike. Counting the pair, not the address alone, keeps
# a busy office behind one NAT address from locking everyone out.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind PROXY_COUNT reverse proxies that each append to X-Forwarded-For, the client's
# address is the one the outermost proxy saw; with none, the connection's own address (the
# header is then the client's to forge). The API's throttles read it the same way.
PROXY_COUNT = env_int("PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "config.api.client_ip"

# Single sign-on with OpenID Connect (accounts/oidc.py, README "Single sign-on"): off, and
# nothing changes, unless OIDC_CLIENT_ID is set. LOCAL_PASSWORD_LOGIN=0 then refuses
# passwords on the login page, the admin's login and POST /api/auth/token/.
oidc = env_oidc()
globals().update(oidc)
if oidc["OIDC_ENABLED"]:
    AUTHENTICATION_BACKENDS.append("accounts.oidc.OIDCBackend")
if end_session := oidc.get("OIDC_OP_END_SESSION_ENDPOINT"):
    # Logging out (a form) ends at the provider's logout page: the form's redirect there
    # must be allowed.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(
        "{0.scheme}://{0.netloc}".format(urlsplit(end_session))
    )

# --- Email ------------------------------------------------------------------------
globals().update(env_email("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "improvement@localhost")

# --- REST API -----------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous request a 401, not a 403.
    # Tokens are django-rest-knox's (accounts/tokens.py).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox's, answering in the person's language (accounts.api_auth).
        "accounts.api_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON with limits on size and nesting (config/parsers.py); forms as DRF has them.
    # Views opt in with `throttle_scope` (a key of RATE_LIMITS).
    "DEFAULT_THROTTLE_CLASSES": ["config.throttling.ScopedRateThrottle"],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "config.pagination.Pagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "NUM_PROXIES": PROXY_COUNT,
}
# Rate limits per user (per address when anonymous), config/throttling.py: 429 with
# Retry-After past them. Counted in the default cache.
RATE_LIMITS = {
    "sign_in": env_rate("RATE_LIMIT_SIGN_IN", "10/minute"),
    "ideas": env_rate("RATE_LIMIT_IDEAS", "30/hour"),
    "measurements": env_rate("RATE_LIMIT_MEASUREMENTS", "120/minute"),
}
# API tokens: one per sign-in, valid for API_TOKEN_DAYS, stored as a SHA-512 digest; the
# `Authorization: Token …` header as before. Revoked when the password changes or the
# account is deactivated (accounts/tokens.py).
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=env_int("API_TOKEN_DAYS", 30, minimum=1, maximum=3650)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Improvement tracker API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the vendored sidecar package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "improvement.models.Stage",
        "StatusEnum": "metrics.models.ResultStatus",
        "ActionStatusEnum": "actions.models.ActionStatus",
        "ActionStageEnum": "actions.models.ACTION_STAGES",
        "CampaignStatusEnum": "campaigns.models.CampaignStatus",
    },
    # The error responses every operation can give (400/401/403/404), declared once.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.document_error_responses",
    ],
}

# --- Celery ---------------------------------------------------------------------------
REDIS_URL = env_redis("REDIS_URL")
# The cache holds the rate-limit counts: in Redis when there is one, so every process
# shares them; otherwise in this process's memory (the embedded default is one process).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cache",
        # A down or hung Redis costs a request a second at most (config/throttling.py).
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Without a broker (the embedded default) tasks run in-process, so the app works with
# nothing but Python.
CELERY_BROKER_URL = REDIS_URL or "memory://"
# The audit trail (django-simple-history): a correction's reason is as long as any note
# a person may type (metrics.models.TEXT_MAX_LENGTH), not the library's 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
# Results are kept only where a task's outcome is waited for: the nightly run's shards,
# whose chord rolls up the ledger once the last one is done (metrics.tasks).
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# No job may run longer than this (each task may set less); the broker's visibility
# timeout below is longer, so a running job is never delivered twice.
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 8 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queueing a job must never hold a web request hostage to a down broker: give up within
# about a second (the caller logs it; the nightly run catches up).
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# After a publish fails, a process queues nothing for this many seconds (jobs are logged
# as not queued), so a hung broker does not cost every request its timeout.
BROKER_BACKOFF = env_int("BROKER_BACKOFF", 30, minimum=0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A message a worker took but never acknowledged (the worker died) is delivered again
    # after this long: a minute past the longest job's hard time limit, so a killed
    # worker's job is redone within minutes and a running one is never redelivered.
    # Every task is idempotent, so a second run is harmless.
    "visibility_timeout": env_int(
        "CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 60, minimum=1
    ),
    # A Redis that hangs without closing the connection (paused, swapping, a network
    # partition) would otherwise keep a publish — and the request queueing it — waiting
    # forever; the connect timeout above does not cover replies.
    "socket_timeout": 1,
}
CELERY_TIMEZONE = TIME_ZONE
# Each entry expires well before its next run, so a backlog never runs twice.
CELERY_BEAT_SCHEDULE = {
    # Every night at 02:00: results for every eligible target.
    "measure-results": {
        "task": "metrics.tasks.measure_results",
        "schedule": crontab(hour=2, minute=0),
        "options": {"expires": 6 * 3600},
    },
    # Every night at 02:30, after the results: the open quarters' ledger rows.
    "quarterly-rollup": {
        "task": "metrics.tasks.quarterly_rollup",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 6 * 3600},
    },
    # Every night at 03:00, after the results: signals on completed initiatives.
    "sustainment-watch": {
        "task": "metrics.tasks.sustainment_watch",
        "schedule": crontab(hour=3, minute=0),
        "options": {"expires": 6 * 3600},
    },
    # Mondays at 07:00: owners of initiatives that have not moved for STALE_DAYS.
    "stale-reminders": {
        "task": "improvement.tasks.send_stale_reminders",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
        "options": {"expires": 24 * 3600},
    },
    # Every day at 07:05, after Monday's reminders: one email per person with the
    # notifications they chose to get once a day (improvement.notifications).
    "daily-digest": {
        "task": "improvement.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=5),
        "options": {"expires": 12 * 3600},
    },
    # Every day at 06:30, before the working day and the 07:05 digest: the assignees of
    # open actions due tomorrow and today, reminded once each (actions.reminders).
    "action-reminders": {
        "task": "actions.tasks.send_action_reminders",
        "schedule": crontab(hour=6, minute=30),
        "options": {"expires": 12 * 3600},
    },
    # Every day at 00:15: close the campaigns whose last day was yesterday and tell their
    # submitters (campaigns.services.close_due_campaigns; a closed one is skipped).
    "close-past-campaigns": {
        "task": "campaigns.tasks.close_past_campaigns",
        "schedule": crontab(hour=0, minute=15),
        "options": {"expires": 12 * 3600},
    },
    # Every minute: chat and webhook deliveries due for another try — without a broker
    # the only retries, with one a safety net for lost jobs (integrations.services).
    "retry-due-deliveries": {
        "task": "integrations.tasks.retry_due_deliveries",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
}

# --- Product settings -------------------------------------------------------------------
# Scores are 1–5: a threshold above 5 would make every score low.
QUADRANT_THRESHOLD = env_int("QUADRANT_THRESHOLD", 3, minimum=1, maximum=5)
CONTROL_LIMIT_POINTS = env_int("CONTROL_LIMIT_POINTS", 20, minimum=2)
# Targets per shard of the nightly results run (metrics.results.shards): a worker's memory
# follows the shard, not the programme (bench/README.md, "Results at scale").
RESULTS_SHARD_SIZE = env_int("RESULTS_SHARD_SIZE", 5000, minimum=1)
# The Celery queue the shards and their rollup go to (default: the default queue), so
# that dedicated workers can take them: `celery -A config worker -Q results` (README).
RESULTS_QUEUE = env_str("RESULTS_QUEUE") or None
SUSTAIN_DAYS = env_int("SUSTAIN_DAYS", 365, minimum=0)
# The largest attachment accepted, in bytes (20 MB).
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
STALE_DAYS = env_int("STALE_DAYS", 30, minimum=1)
# The ISO 4217 code of every amount: benefits, costs, the ledger and its exports. Shown
# with each amount, written as the reader's language writes money (Babel).
CURRENCY = (env_str("CURRENCY") or "USD").strip().upper()
if not is_currency(CURRENCY):
    raise ImproperlyConfigured(
        f"CURRENCY={env_str('CURRENCY')!r} is not an ISO 4217 currency code such as USD or EUR."
    )
# Chat channels and webhooks (integrations, README "Chat channels and webhooks"). The
# address people open the tracker at, for the links in messages (none without it; the
# development server's with DEBUG).
SITE_URL = (env_str("SITE_URL") or ("http://127.0.0.1:8000" if DEBUG else "")).strip().rstrip("/")
if SITE_URL and not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} must start with http:// or https://.")
# Tries of one message before it is marked failed, the first included (backoff between
# them: 1, 2, 4, 8… minutes, at most an hour).
INTEGRATIONS_MAX_ATTEMPTS = env_int("INTEGRATIONS_MAX_ATTEMPTS", 6, minimum=1, maximum=20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_log_level("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler would print every line a second time.
        "django": {"handlers": [], "propagate": True},
        # django-axes: wrong passwords and lockouts (warnings), not a banner at every start
        # nor a line per successful sign-in (those are in its access log in the admin).
        "axes": {"level": "WARNING"},
    },
}

# seed_demo's other seeders: each an idempotent `seed(report)` adding that app's demo rows
# (improvement/demo/builder.py). Empty of real data on a deployment: seed_demo refuses to
# run with DEBUG off.
DEMO_SEEDERS: list[str] = [
    "campaigns.demo.seed",
    "actions.demo.seed",
    "attachments.demo.seed",
    "problem_solving.demo.seed",
    "integrations.demo.seed",
]
