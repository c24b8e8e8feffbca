"""Settings come from the environment, and a bad value stops start-up naming the variable.

The parsing details are unit tests of config/env.py; a few subprocess tests prove the
end-to-end claim that `django.setup()` itself refuses to start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config import env

REPO_ROOT = Path(__file__).resolve().parent.parent
# Variables that change what the tests below expect; each test sets what it needs.
OWN_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "TIME_ZONE",
    "LOG_LEVEL",
)


def start_django(code: str = "", **variables: str | None) -> subprocess.CompletedProcess:
    """Run `django.setup()` (then `code`) in a fresh interpreter with the given environment
    changes; a None value removes the variable."""
    environ = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    environ.update({k: v for k, v in variables.items() if v is not None})
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=REPO_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- start-up stops on a bad value --------------------------------------------------------


@pytest.mark.parametrize(
    "name, value",
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "nonsense://x"),
        ("REDIS_URL", "http://x"),
        ("QUADRANT_THRESHOLD", "abc"),
        ("CONTROL_LIMIT_POINTS", "1"),
        ("BROKER_BACKOFF", "-1"),
        ("EMAIL_URL", "ftp://x"),
        ("TIME_ZONE", "Mars/Olympus_Mons"),
        ("LOG_LEVEL", "chatty"),
    ],
)
def test_it_refuses_to_start_with_a_bad_value(name, value):
    run = start_django(**{name: value})

    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr
    assert f"{name}=" in run.stderr


def test_it_refuses_to_start_without_secret_key_when_debug_is_off():
    run = start_django(DEBUG="0")

    assert run.returncode != 0
    assert "SECRET_KEY" in run.stderr


def test_it_starts_on_sqlite_with_tasks_in_process_by_default():
    run = start_django(
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG)"
    )

    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["django.db.backends.sqlite3", "True", "True"]


def test_it_starts_in_production_mode_with_secret_key_and_redis():
    run = start_django(
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, s.ALLOWED_HOSTS)",
        DEBUG="0",
        SECRET_KEY="x" * 50,
        REDIS_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="improve.example.com",
    )

    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [
        "False",
        "False",
        "redis://127.0.0.1:6379/0",
        "['improve.example.com']",
    ]


# --- parsing details ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_it_reads_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)

    assert env.env_bool("FLAG", not expected) is expected


def test_it_uses_the_default_for_an_unset_variable(monkeypatch):
    monkeypatch.delenv("ANSWER", raising=False)

    assert env.env_bool("ANSWER", True) is True
    assert env.env_int("ANSWER", 42) == 42
    assert env.env_list("ANSWER", ["a"]) == ["a"]
    assert env.env_str("ANSWER", "x") == "x"
    assert env.env_redis("ANSWER") is None
    assert env.env_timezone("ANSWER", "UTC") == "UTC"
    assert env.env_log_level("ANSWER", "INFO") == "INFO"


@pytest.mark.parametrize("raw", ["maybe", "2", "y"])
def test_it_refuses_a_bad_boolean(monkeypatch, raw):
    monkeypatch.setenv("DEBUG", raw)

    with pytest.raises(ImproperlyConfigured, match="DEBUG="):
        env.env_bool("DEBUG", True)


def test_it_reads_whole_numbers(monkeypatch):
    monkeypatch.setenv("STALE_DAYS", "14")

    assert env.env_int("STALE_DAYS", 30, minimum=1) == 14


@pytest.mark.parametrize("raw", ["abc", "2.5", ""])
def test_it_refuses_a_value_that_is_not_a_whole_number(monkeypatch, raw):
    monkeypatch.setenv("QUADRANT_THRESHOLD", raw)

    with pytest.raises(ImproperlyConfigured, match=r"QUADRANT_THRESHOLD=.*whole number"):
        env.env_int("QUADRANT_THRESHOLD", 3, minimum=1)


def test_it_refuses_a_number_below_the_minimum(monkeypatch):
    monkeypatch.setenv("CONTROL_LIMIT_POINTS", "1")

    with pytest.raises(ImproperlyConfigured, match=r"CONTROL_LIMIT_POINTS=.*at least 2"):
        env.env_int("CONTROL_LIMIT_POINTS", 20, minimum=2)


def test_it_splits_lists_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " a.example.com, ,b.example.com ")

    assert env.env_list("ALLOWED_HOSTS", []) == ["a.example.com", "b.example.com"]


def test_it_defaults_to_a_sqlite_file(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)

    config = env.env_database("DATABASE_URL", "sqlite:////tmp/app.sqlite3")

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/tmp/app.sqlite3"
    assert config["CONN_MAX_AGE"] == 0


def test_it_keeps_postgres_connections_open_between_requests(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app:s%40cret@db.internal:5433/improvement")

    config = env.env_database("DATABASE_URL", "sqlite:///unused")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"]) == ("app", "s@cret")
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "improvement")
    assert config["CONN_MAX_AGE"] == 60
    assert config["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize("raw", ["nonsense://x", "postgres://u@h:port/x"])
def test_it_refuses_a_bad_database_url(monkeypatch, raw):
    monkeypatch.setenv("DATABASE_URL", raw)

    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL="):
        env.env_database("DATABASE_URL", "sqlite:///unused")


@pytest.mark.parametrize("raw", ["redis://127.0.0.1:6379/0", "rediss://:pw@cache:6380/1"])
def test_it_reads_redis_urls(monkeypatch, raw):
    monkeypatch.setenv("REDIS_URL", raw)

    assert env.env_redis("REDIS_URL") == raw


def test_it_treats_an_empty_redis_url_as_unset(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "")

    assert env.env_redis("REDIS_URL") is None


@pytest.mark.parametrize("raw", ["http://x", "amqp://guest@rabbit//", "localhost:6379"])
def test_it_refuses_a_broker_url_that_is_not_redis(monkeypatch, raw):
    monkeypatch.setenv("REDIS_URL", raw)

    with pytest.raises(ImproperlyConfigured, match="REDIS_URL="):
        env.env_redis("REDIS_URL")


@pytest.mark.parametrize("raw", [None, "", "console://"])
def test_it_prints_email_to_the_console_by_default(monkeypatch, raw):
    if raw is None:
        monkeypatch.delenv("EMAIL_URL", raising=False)
    else:
        monkeypatch.setenv("EMAIL_URL", raw)

    assert env.env_email("EMAIL_URL") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }


@pytest.mark.parametrize(
    "raw, host, port, tls, ssl",
    [
        ("smtp://mail.example.com", "mail.example.com", 25, False, False),
        ("smtp+tls://mail.example.com:587", "mail.example.com", 587, True, False),
        ("smtps://mail.example.com", "mail.example.com", 465, False, True),
    ],
)
def test_it_reads_smtp_urls(monkeypatch, raw, host, port, tls, ssl):
    monkeypatch.setenv("EMAIL_URL", raw)

    config = env.env_email("EMAIL_URL")

    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"]) == (host, port)
    assert (config["EMAIL_USE_TLS"], config["EMAIL_USE_SSL"]) == (tls, ssl)


def test_it_unquotes_smtp_credentials(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp+tls://me%40example.com:p%3Ass@mail.example.com:587")

    config = env.env_email("EMAIL_URL")

    assert config["EMAIL_HOST_USER"] == "me@example.com"
    assert config["EMAIL_HOST_PASSWORD"] == "p:ss"


@pytest.mark.parametrize("raw", ["ftp://x", "smtp://", "smtp://mail.example.com:99999"])
def test_it_refuses_a_bad_email_url(monkeypatch, raw):
    monkeypatch.setenv("EMAIL_URL", raw)

    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL="):
        env.env_email("EMAIL_URL")


@pytest.mark.parametrize("raw, expected", [("debug", "DEBUG"), (" Warning ", "WARNING")])
def test_it_reads_log_levels_in_any_case(monkeypatch, raw, expected):
    monkeypatch.setenv("LOG_LEVEL", raw)

    assert env.env_log_level("LOG_LEVEL", "INFO") == expected


def test_it_refuses_an_unknown_log_level(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "chatty")

    with pytest.raises(ImproperlyConfigured, match="LOG_LEVEL="):
        env.env_log_level("LOG_LEVEL", "INFO")


def test_it_reads_time_zones(monkeypatch):
    monkeypatch.setenv("TIME_ZONE", "Europe/Paris")

    assert env.env_timezone("TIME_ZONE", "UTC") == "Europe/Paris"


@pytest.mark.parametrize("raw", ["Mars/Olympus_Mons", "", "../etc/passwd"])
def test_it_refuses_an_unknown_time_zone(monkeypatch, raw):
    monkeypatch.setenv("TIME_ZONE", raw)

    with pytest.raises(ImproperlyConfigured, match="TIME_ZONE="):
        env.env_timezone("TIME_ZONE", "UTC")


def test_it_refuses_a_quadrant_threshold_above_the_highest_score(monkeypatch):
    from config.env import env_int

    monkeypatch.setenv("QUADRANT_THRESHOLD", "6")
    with pytest.raises(ImproperlyConfigured, match="QUADRANT_THRESHOLD='6' must be at most 5"):
        env_int("QUADRANT_THRESHOLD", 3, minimum=1, maximum=5)


@pytest.mark.parametrize(
    "name, raw",
    [
        ("EMAIL_URL", "smtp://user:S3cretPW@mail.example.com:99999"),
        ("EMAIL_URL", "smtp://user:S3cretPW@mail.example.com:abc"),
        ("DATABASE_URL", "postgres://app:S3cretPW@db.internal:port/improvement"),
        ("DATABASE_URL", "nonsense://app:S3cretPW@db.internal/improvement"),
        ("DATABASE_URL", "postgres://app:S3c@retPW@db.internal:0/improvement"),
        ("REDIS_URL", "redis://:S3cretPW@cache:abc/0"),
        ("REDIS_URL", "redis://:S3cretPW@cache:6379/zero"),
        ("REDIS_URL", "http://:S3cretPW@cache:6379/0"),
    ],
)
def test_it_names_the_variable_but_never_prints_the_password(monkeypatch, name, raw):
    monkeypatch.setenv(name, raw)
    parse = {
        "EMAIL_URL": env.env_email,
        "DATABASE_URL": lambda n: env.env_database(n, "sqlite:///unused"),
        "REDIS_URL": env.env_redis,
    }[name]

    with pytest.raises(ImproperlyConfigured) as refused:
        parse(name)

    message = str(refused.value)
    assert message.startswith(f"{name}=")
    assert "S3c" not in message and "retPW" not in message
    assert "***" in message


@pytest.mark.parametrize(
    "raw", ["redis://cache:abc/0", "redis://cache:0/0", "redis://:pw@/0", "redis://cache/x"]
)
def test_it_refuses_a_redis_url_with_a_bad_port_host_or_database(monkeypatch, raw):
    monkeypatch.setenv("REDIS_URL", raw)

    with pytest.raises(ImproperlyConfigured, match="REDIS_URL="):
        env.env_redis("REDIS_URL")


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("postgres://app:pw@db/x", "postgres://app:***@db/x"),
        ("redis://:p@ss@cache:6379/0", "redis://:***@cache:6379/0"),
        ("smtp://mail.example.com", "smtp://mail.example.com"),
        ("redis://user@cache/0", "redis://user@cache/0"),
    ],
)
def test_it_masks_only_the_password_of_a_url(raw, shown):
    assert env.masked(raw) == shown


def test_a_killed_workers_job_comes_back_within_minutes_and_a_running_one_never_twice():
    import improvement.tasks  # noqa: F401 - registers the tasks
    import metrics.tasks  # noqa: F401
    from config.celery import app

    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    longest = max(task.time_limit or settings.CELERY_TASK_TIME_LIMIT for task in ours.values())

    assert ours, "the project's tasks are registered"
    assert longest < visibility <= 15 * 60
