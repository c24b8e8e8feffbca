"""Point Django at the benchmark database, create it if missing, migrate it.

The server and credentials come from DATABASE_URL; the database name is replaced by the
benchmark's own (default `improvement_bench`), so a benchmark can never write into the
development data the URL names. SQLite is refused: the figures are about PostgreSQL.
"""

import os
import sys
from urllib.parse import unquote, urlsplit, urlunsplit

BENCH_DATABASE = "improvement_bench"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


def setup(
    database: str = BENCH_DATABASE,
    *,
    command: str = "python -m bench.results_bench",
    migrate: bool = True,
) -> None:
    """Configure and start Django on `database` (on DATABASE_URL's server)."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        sys.exit(
            "The benchmarks need PostgreSQL (SQLite is refused). Set DATABASE_URL to a "
            "PostgreSQL server, e.g.\n"
            f"  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres {command}\n"
            f"The benchmark then works in its own database ({database!r}) on that server."
        )
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{database}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()

    from django.conf import settings

    # As the test runner does: production runs with DEBUG off, and with it on every
    # query's SQL (megabytes for a 5,000-row upsert) would be kept in connection.queries
    # and counted in the memory figures.
    settings.DEBUG = False

    create_database(settings.DATABASES["default"])
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)


def create_database(config: dict) -> None:
    """CREATE DATABASE unless it exists, from a connection to the `postgres` database."""
    import psycopg
    from psycopg import sql

    params = {
        "dbname": "postgres",
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    name = config["NAME"]
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", file=sys.stderr)


def drop(*names: str) -> None:
    """DROP DATABASE IF EXISTS each of `names` on DATABASE_URL's server (before Django is
    set up): a smoke run (`--tiny`) starts from migrations, never from a reused data set."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    params = {
        "dbname": "postgres",
        "host": parts.hostname,
        "port": parts.port,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            print(f"dropped database {name} (if it existed)", file=sys.stderr)


def describe() -> str:
    from django.db import connection

    s = connection.settings_dict
    return f"{s['NAME']} on {s.get('HOST') or 'localhost'}:{s.get('PORT') or 5432}"
