"""What the HTTP benchmarks set up in a benchmark database, after `bench.db.setup()`: the
data set of one size (`bench.generate`, plus ideas in intake), its results, and the people
who use it. Everything here is idempotent, so a database is reused run after run.
"""

import math
import secrets

from bench import db, generate

HTTP_USER = "bench-http"
LOAD_USER = "bench-load-{:02d}"
LOAD_USERS = 50
OWNED_PER_LOAD_USER = 4
REVIEWER_EVERY = 5  # every fifth load user is also a reviewer
# The ideas still in intake, as a share of the initiatives: half submitted, half in the
# backlog, so the backlog, the matrix and the triage count have rows to rank.
INTAKE_SHARE = 0.10


def database_for(initiatives: int) -> str:
    """`improvement_bench_1k`, `improvement_bench_10k`: one database per size, so neither
    is rebuilt when the benchmark moves to the other."""
    label = f"{initiatives // 1000}k" if initiatives % 1000 == 0 else str(initiatives)
    return f"{db.BENCH_DATABASE}_{label}"


def intake_for(initiatives: int) -> int:
    return round(initiatives * INTAKE_SHARE)


def prepare(initiatives: int, *, rebuild: bool = False) -> generate.DataSet:
    """The data set (reused when it fits) and a result for every eligible target."""
    data = generate.build(initiatives, intake=intake_for(initiatives), rebuild=rebuild)
    ensure_results()
    return data


def ensure_results() -> int:
    """Results as of the generator's date, once: the pages show them. Returns the number
    of rows computed now (0 when they were there).

    Then statistics for the planner, as autovacuum gives them a minute or so after a big
    write: the pages' queries are planned with them."""
    from django.db import connection

    from metrics.models import ResultSnapshot
    from metrics.results.compute import compute_results

    computed = 0
    if not ResultSnapshot.objects.filter(as_of=generate.AS_OF).exists():
        computed = compute_results(as_of=generate.AS_OF)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {ResultSnapshot._meta.db_table}")
    return computed


def _user(username: str, *, reviewer: bool, password: str | None = None):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts import tokens
    from improvement.demo.data import REVIEWERS_GROUP

    user, _ = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": "Bench", "last_name": username, "email": ""},
    )
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    elif user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    reviewers = Group.objects.get(name=REVIEWERS_GROUP)
    if reviewer:
        user.groups.add(reviewers)
    else:
        user.groups.remove(reviewers)
    # A new token each run: they are stored only as digests, so none can be read back.
    _, token = tokens.issue(user)
    return user, token


def showcase_initiative():
    """The worst case for the initiative page and the API detail: in control (so charts
    with limits and signals), the most measurements, the lowest id among equals."""
    from django.db.models import Count

    from improvement.models import Initiative, Stage

    return (
        Initiative.objects.filter(stage=Stage.CONTROL)
        .annotate(n=Count("targets__measurements"))
        .order_by("-n", "pk")
        .first()
    )


def http_user():
    """The HTTP benchmark's user: a reviewer and the owner of the showcase initiative, so
    its page shows every panel (triage, moves, recording forms). A new password each run,
    signed in through the login form once."""
    from improvement.models import Initiative

    password = secrets.token_urlsafe(24)
    user, token = _user(HTTP_USER, reviewer=True, password=password)
    initiative = showcase_initiative()
    if initiative.owner_id != user.pk:
        Initiative.objects.filter(pk=initiative.pk).update(owner=user)
    return user, password, token, initiative.pk


def session_backend() -> str:
    """The backend a sign-in through the form records in the session: the first
    ModelBackend of AUTHENTICATION_BACKENDS (django-axes' own backend, listed before it,
    only refuses locked-out sign-ins and loads no user)."""
    from django.conf import settings
    from django.contrib.auth import load_backend
    from django.contrib.auth.backends import ModelBackend

    for path in settings.AUTHENTICATION_BACKENDS:
        if isinstance(load_backend(path), ModelBackend):
            return path
    raise RuntimeError("no ModelBackend in AUTHENTICATION_BACKENDS")


def session_for(user) -> str:
    """A signed-in session for `user`, as the login form would make it (so a load test
    does not spend its first seconds on 50 deliberately slow password hashes)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = session_backend()
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def load_users(count: int = LOAD_USERS) -> list[dict]:
    """`count` people for the load test, each the owner of OWNED_PER_LOAD_USER initiatives
    of its own (active stages, with targets), with an API token and a session. Every
    REVIEWER_EVERY-th is a reviewer too. Ownership is reassigned here: run it on a copy."""
    from improvement.models import ACTIVE_STAGES, Initiative
    from metrics.models import ChartKind, Target

    showcase = showcase_initiative()
    active = list(
        Initiative.objects.filter(stage__in=ACTIVE_STAGES, targets__isnull=False)
        .exclude(pk=showcase.pk)
        .distinct()
        .order_by("pk")
        .values_list("pk", "stage")
    )
    if len(active) < count * OWNED_PER_LOAD_USER:
        raise RuntimeError(f"{len(active)} active initiatives: too few for {count} users")
    people = []
    for i in range(count):
        user, token = _user(LOAD_USER.format(i + 1), reviewer=i % REVIEWER_EVERY == 0)
        # Every count-th initiative from the i-th: each person's spread over the stages.
        owned = active[i::count][:OWNED_PER_LOAD_USER]
        Initiative.objects.filter(pk__in=[pk for pk, _ in owned]).update(owner=user)
        targets = Target.objects.filter(initiative_id__in=[pk for pk, _ in owned]).order_by("pk")
        people.append(
            {
                "username": user.username,
                "token": token,
                "session": session_for(user),
                "reviewer": i % REVIEWER_EVERY == 0,
                "initiatives": [{"id": pk, "stage": stage} for pk, stage in owned],
                "targets": [
                    {
                        "id": t.pk,
                        "proportion": t.metric.chart_kind == ChartKind.PROPORTION,
                        "baseline": t.baseline_value,
                    }
                    for t in targets.select_related("metric")
                ],
            }
        )
    return people


def browse_ids(limit: int = 500) -> list[int]:
    """Initiatives people open at random: every stage, intake included."""
    from improvement.models import Initiative

    ids = list(Initiative.objects.order_by("pk").values_list("pk", flat=True))
    step = max(1, len(ids) // limit)
    return ids[::step][:limit]


def api_pages(most: int, **filters) -> int:
    """How many pages the API's initiative list has with these filters, 1 to `most`: the
    load test asks only for pages that exist, whatever the size of the data set."""
    from django.conf import settings

    from improvement.models import Initiative

    rows = Initiative.objects.filter(**filters).count()
    return max(1, min(most, math.ceil(rows / settings.REST_FRAMEWORK["PAGE_SIZE"])))


def area_id() -> int:
    from improvement.models import Area

    return Area.objects.get(name=generate.AREA).pk
