"""Builds the demo data for `manage.py seed_demo`: users, areas and about forty
initiatives spread over every stage of both methodologies, each with its stage history,
targets, frozen baselines and measurement series.

Idempotent by natural keys: users by username, areas by name, initiatives by title. An
initiative that already exists is left alone together with everything hanging off it
(history, targets, measurements, supports, comments, notifications), so a second run adds
nothing and changes nothing, and whatever a demo user changed survives a re-seed. A
password is set only when its user is created.

Every date is an offset from one anchor date (the command passes today, so the demo looks
current) and every random number comes from a `random.Random` seeded with the
initiative's title, so one anchor always gives the same data set.

The moves are written directly, not through the workflow: the demo needs histories that
ended months ago, and the result gates need computed results, which the jobs write later.
"""

import datetime as dt
import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from improvement import areas as area_service
from improvement.demo.data import (
    AREAS,
    BACKSLIDING,
    BASELINE_DAYS,
    CHANGE_LAG_DAYS,
    DEMO_PASSWORD,
    DURATION,
    FLOWS,
    IDEAS,
    IMPROVING,
    MOVE_NOTES,
    REGRESSING,
    REVIEWERS_GROUP,
    SEED,
    TRIAGE_MOVES,
    USERS,
    DemoDataError,
    DemoUser,
    Idea,
    S,
    Series,
)
from improvement.models import (
    ACTIVE_STAGES,
    Area,
    Comment,
    Initiative,
    Methodology,
    Notification,
    StageTransition,
    Support,
)
from metrics.models import (
    BaselineSource,
    ChartKind,
    Measurement,
    MeasurementSource,
    Metric,
    Target,
)


def _path(idea: Idea) -> list[tuple[str, int]]:
    """The stages from submission to the current one, with the PDCA cycle of each."""
    if idea.stage == S.SUBMITTED:
        return [(S.SUBMITTED, 1)]
    if idea.stage == S.REJECTED:
        return (
            [(S.SUBMITTED, 1)]
            + ([(S.BACKLOG, 1)] if idea.via == S.BACKLOG else [])
            + [(S.REJECTED, 1)]
        )
    effective = idea.via or idea.stage
    flow = FLOWS[idea.methodology]
    path = [(S.SUBMITTED, 1)]
    for cycle in range(1, idea.cycles):  # earlier PDCA cycles ran up to act
        start = 0 if cycle == 1 else 1
        path += [(stage, cycle) for stage in flow[start : flow.index(S.ACT) + 1]]
    start = 0 if idea.cycles == 1 else 1
    path += [(stage, idea.cycles) for stage in flow[start : flow.index(effective) + 1]]
    if idea.via:
        path.append((idea.stage, idea.cycles))
    return path


def _reached(idea: Idea, stage: str) -> bool:
    """Whether the initiative got as far as `stage` (on hold or cancelled: before leaving)."""
    if idea.methodology == "" or idea.stage == S.REJECTED:
        return False
    flow = FLOWS[idea.methodology]
    return stage in flow and flow.index(idea.via or idea.stage) >= flow.index(stage)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A working-hours moment on `day` in the site's time zone."""
    moment = dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.randrange(0, 60, 5)))
    return timezone.make_aware(moment)


def _timeline(idea: Idea, path: list, anchor: dt.date, rng: random.Random) -> list[dt.datetime]:
    """When each stage of `path` was entered: the current one `idea.age` days before the
    anchor, each earlier one its (jittered) typical duration before the next."""
    days = [anchor - dt.timedelta(days=max(1, idea.age))]
    for stage, _ in reversed(path[:-1]):
        spent = max(1, round(DURATION[stage] * rng.uniform(0.85, 1.15)))
        days.append(days[-1] - dt.timedelta(days=spent))
    return [_at(day, rng) for day in reversed(days)]


# --- Building ------------------------------------------------------------------------------


@dataclass
class SeedReport:
    anchor: dt.date
    created: Counter = field(default_factory=Counter)
    totals: dict[str, int] = field(default_factory=dict)
    users: list[DemoUser] = field(default_factory=list)


@dataclass
class _Batch:
    """Rows written in bulk once every initiative exists."""

    targets: int = 0  # saved one by one: their measurements need the id
    transitions: list = field(default_factory=list)
    measurements: list = field(default_factory=list)
    supports: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    notifications: list = field(default_factory=list)


@transaction.atomic
def seed_demo(*, anchor: dt.date) -> SeedReport:
    """Create whatever part of the demo data set is missing; one transaction, so a failure
    leaves nothing half-seeded."""
    report = SeedReport(anchor=anchor, users=USERS)
    metrics = _metrics()
    users = _users(report)
    areas = _areas(users, report)

    existing = set(
        Initiative.objects.filter(title__in=[i.title for i in IDEAS]).values_list(
            "title", flat=True
        )
    )
    batch = _Batch()
    for idea in IDEAS:
        if idea.title not in existing:
            _build(idea, anchor=anchor, users=users, areas=areas, metrics=metrics, batch=batch)
            report.created["initiatives"] += 1
    _write(batch, report)
    # The other apps' demo rows (action items, attachments, campaigns, A3 tools), each an
    # idempotent `seed(report)` named in settings.DEMO_SEEDERS: named, not imported, so
    # improvement depends on none of the apps built on it.
    for dotted in settings.DEMO_SEEDERS:
        import_string(dotted)(report)

    User = get_user_model()
    for label, model in [
        ("users", User),
        ("areas", Area),
        ("initiatives", Initiative),
        ("stage moves", StageTransition),
        ("targets", Target),
        ("measurements", Measurement),
        ("supports", Support),
        ("comments", Comment),
        ("notifications", Notification),
    ]:
        report.totals[label] = model.objects.count()
    return report


def _metrics() -> dict[str, Metric]:
    names = {series.metric for idea in IDEAS for series in idea.targets}
    metrics = Metric.objects.in_bulk(names, field_name="name")
    if missing := names - metrics.keys():
        raise DemoDataError(f"KPI catalog lacks {', '.join(sorted(missing))}; run migrate.")
    return metrics


def _areas(users: dict, report: SeedReport) -> dict[str, Area]:
    """The site tree, made through improvement.areas as the demo's administrator. An area
    that exists (by name) stays where it is; a restricted area's members are added."""
    made = {}
    for spec in AREAS:
        area = Area.objects.filter(name=spec.name).order_by("depth", "pk").first()
        if area is None:
            area = area_service.create_area(
                actor=users["admin"],
                name=spec.name,
                parent=made.get(spec.parent),
                description=spec.description,
                restricted=spec.restricted,
            )
            report.created["areas"] += 1
        area.members.add(*(users[username] for username in spec.members))
        made[spec.name] = area
    # Fresh rows: adding an area in name order may have moved its siblings' paths.
    fresh = Area.objects.in_bulk([area.pk for area in made.values()])
    return {name: fresh[area.pk] for name, area in made.items()}


def _users(report: SeedReport) -> dict:
    User = get_user_model()
    try:
        reviewers = Group.objects.get(name=REVIEWERS_GROUP)
    except Group.DoesNotExist:
        raise DemoDataError(f'No "{REVIEWERS_GROUP}" group; run migrate.') from None
    password = None  # hashed once, on first need: the hasher is deliberately slow
    users = {}
    for spec in USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            password = password or make_password(DEMO_PASSWORD)
            user = User.objects.create(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@example.com",
                is_staff=spec.is_staff,
                is_superuser=spec.is_superuser,
                password=password,
            )
            report.created["users"] += 1
        if spec.reviewer:
            user.groups.add(reviewers)  # a no-op when already a member
        users[spec.username] = user
    return users


def _build(idea: Idea, *, anchor, users, areas, metrics, batch: _Batch) -> None:
    rng = random.Random(f"{SEED}:{idea.title}")
    path = _path(idea)
    entered = _timeline(idea, path, anchor, rng)
    pdca = idea.methodology == Methodology.PDCA

    def entry(stage: str, *, last: bool = False) -> dt.datetime | None:
        times = [at for (s, _), at in zip(path, entered, strict=True) if s == stage]
        return (times[-1] if last else times[0]) if times else None

    implemented_on = None
    if _reached(idea, S.CHECK if pdca else S.CONTROL):
        change_stage_entered = entry(S.DO if pdca else S.IMPROVE, last=True)
        implemented_on = timezone.localdate(change_stage_entered) + dt.timedelta(
            days=CHANGE_LAG_DAYS
        )

    # Originals come before their duplicates in IDEAS, so the original exists by now (the
    # oldest of that title, should a user have reused it).
    originals = Initiative.objects.filter(title=idea.duplicate_of).order_by("pk")
    original = originals.first() if idea.duplicate_of else None

    initiative = Initiative.objects.create(
        title=idea.title,
        problem_statement=idea.problem,
        proposed_change=idea.change,
        root_cause=idea.root_cause
        if _reached(idea, S.PLAN if pdca else S.ANALYZE) and idea.root_cause
        else "",
        control_plan=idea.control_plan
        if _reached(idea, S.COMPLETED if pdca else S.CONTROL)
        else "",
        decision_note=idea.decision_note if _reached(idea, S.ACT) or idea.cycles > 1 else "",
        rejection_reason=idea.reason,
        pillar=idea.pillar,
        area=areas[idea.area],
        methodology=idea.methodology,
        stage=idea.stage,
        held_from=idea.via if idea.stage == S.ON_HOLD else "",
        cycle=idea.cycles,
        submitted_by=users[idea.submitted_by],
        owner=users.get(idea.owner),
        sponsor=users.get(idea.sponsor),
        impact=idea.impact,
        effort=idea.effort,
        estimated_annual_benefit=_money(idea.benefit),
        estimated_cost=_money(idea.cost),
        confidence=Decimal(idea.confidence) if idea.confidence else None,
        implemented_on=implemented_on,
        duplicate_of=original,
        created_at=entered[0],
        stage_entered_at=entered[-1],
    )
    initiative.team.set([users[key] for key in idea.team])
    initiative.watchers.set([users[key] for key in idea.watchers])

    freeze_stage = S.DO if pdca else S.ANALYZE
    frozen_at = entry(freeze_stage) if _reached(idea, freeze_stage) else None
    collecting = _reached(idea, S.PLAN if pdca else S.MEASURE)
    if idea.stage in (S.ON_HOLD, S.CANCELLED):
        last_day = timezone.localdate(entered[-1])  # the data stopped when the work did
    else:
        last_day = anchor - dt.timedelta(days=1)
    for series in idea.targets:
        _target(
            series,
            initiative=initiative,
            metric=metrics[series.metric],
            created_at=entry(S.BACKLOG) + dt.timedelta(hours=1),
            frozen_at=frozen_at,
            last_day=last_day if collecting else None,
            batch=batch,
        )

    _history(idea, initiative, path, entered, users, batch)
    _social(idea, initiative, entered, anchor, users, rng, batch)
    _notifications(idea, initiative, path, entered, anchor, users, batch)


def _money(amount: int | None) -> Decimal | None:
    return None if amount is None else Decimal(amount).quantize(Decimal("0.01"))


def _target(series: Series, *, initiative, metric, created_at, frozen_at, last_day, batch):
    """The target, and its measurement series when data is being collected: from the start
    of the baseline window (imported history) to `last_day`."""
    target = Target(
        initiative=initiative,
        metric=metric,
        is_primary=series.primary,
        target_value=series.target,
        target_date=timezone.localdate(created_at) + dt.timedelta(days=180),
        value_per_unit=Decimal(series.value_per_unit) if series.value_per_unit else None,
        benefit_type=series.benefit_type,
        created_at=created_at,
    )
    if last_day is None:  # backlog and define: a promise, no data yet
        target.save()
        batch.targets += 1
        return
    window_end = timezone.localdate(frozen_at) - dt.timedelta(days=1) if frozen_at else last_day
    target.baseline_start = window_end - dt.timedelta(days=BASELINE_DAYS[series.daily] - 1)
    target.baseline_end = window_end
    rows = _series(
        series,
        metric=metric,
        start=target.baseline_start,
        end=last_day,
        change=initiative.implemented_on,
        rng=random.Random(f"{SEED}:{initiative.title}:{metric.name}"),
    )
    in_window = [value for day, value, _ in rows if day <= window_end]
    if frozen_at:
        target.baseline_value = statistics.fmean(in_window)
        target.baseline_n = len(in_window)
        target.baseline_source = BaselineSource.WINDOW
        target.frozen_at = frozen_at
        target.frozen_by = initiative.owner
    target.save()
    batch.targets += 1
    for day, value, sample_size in rows:
        observed_at = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
        imported = observed_at < created_at  # history loaded when the target was set up
        batch.measurements.append(
            Measurement(
                target=target,
                observed_at=observed_at,
                value=value,
                sample_size=sample_size,
                source=MeasurementSource.IMPORT if imported else MeasurementSource.WEB,
                recorded_by=initiative.owner,
                created_at=created_at if imported else observed_at + dt.timedelta(hours=2),
            )
        )


def _series(series: Series, *, metric, start, end, change, rng) -> list[tuple]:
    """(day, value, sample size) from `start` to `end`: the base level, then from `change`
    on the level the scenario tells; noise around it."""
    step = dt.timedelta(days=1 if series.daily else 7)
    days = []
    day = start
    while day <= end:
        if not series.daily or day.weekday() < 5:
            days.append(day)
        day += step
    after = {d: k for k, d in enumerate(d for d in days if change and d >= change)}
    gain = series.target - series.base
    noise = series.noise if series.noise is not None else abs(gain) / 4
    proportion = metric.chart_kind == ChartKind.PROPORTION
    rows = []
    for day in days:
        level = series.base + gain * _progress(series, after.get(day), len(after))
        if proportion:
            size = rng.randint(200, 400)
            spread = (level * (1 - level) / size) ** 0.5
            hits = min(size, max(0, round(size * (level + rng.gauss(0, spread)))))
            rows.append((day, hits / size, size))
        else:
            low, high = series.bounds
            value = max(low, level + rng.gauss(0, noise))
            value = min(high, value) if high is not None else value
            rows.append((day, round(value, series.decimals), None))
    return rows


def _progress(series: Series, k: int | None, n_after: int) -> float:
    """Share of the planned gain reached at the k-th point after the change (None: before)."""
    if k is None:
        return 0.0
    ramp = min(1.0, (k + 1) / 3)  # a change takes a few points to bed in
    if series.scenario == IMPROVING:
        return series.reach * ramp
    if series.scenario == REGRESSING:
        return -0.5 * ramp
    if series.scenario == BACKSLIDING:  # holds, then drifts back over the last ten points
        slide = max(0, k - (n_after - 10))
        return ramp * (1.0 - 0.08 * slide)
    return 0.0


def _history(idea: Idea, initiative, path, entered, users, batch: _Batch) -> None:
    owner = users.get(idea.owner)
    for i in range(1, len(path)):
        (from_stage, _), (to_stage, cycle) = path[i - 1], path[i]
        move = (from_stage, to_stage)
        batch.transitions.append(
            StageTransition(
                initiative=initiative,
                from_stage=from_stage,
                to_stage=to_stage,
                actor=users["reviewer"] if move in TRIAGE_MOVES or owner is None else owner,
                at=entered[i],
                note=_note(
                    idea,
                    initiative,
                    move,
                    cycle,
                    # The change went live CHANGE_LAG_DAYS into the do / improve stage.
                    changed_on=timezone.localdate(entered[i - 1])
                    + dt.timedelta(days=CHANGE_LAG_DAYS),
                    last=i == len(path) - 1,
                ),
                cycle=cycle,
            )
        )


def _note(idea: Idea, initiative, move, cycle: int, *, changed_on: dt.date, last: bool) -> str:
    if move[1] == S.REJECTED:
        return idea.reason or f"Duplicate of “{idea.duplicate_of}”."
    if last and idea.note:
        return idea.note
    if move == (S.PLAN, S.DO) and cycle > 1:
        return f"Cycle {cycle} trial starts; the baseline stays as frozen in cycle 1."
    return MOVE_NOTES[move].format(
        decision=idea.decision_note.partition(":")[0],  # adopt, adapt or abandon
        impact=idea.impact,
        effort=idea.effort,
        method=initiative.get_methodology_display(),
        changed_on=changed_on,
        cycle=cycle,
    )


def _social(idea: Idea, initiative, entered, anchor, users, rng, batch: _Batch) -> None:
    """Supports and comments, spread over the days after submission."""
    latest = timezone.make_aware(dt.datetime.combine(anchor, dt.time(7, 0))) - dt.timedelta(days=1)

    def later(days: int) -> dt.datetime:
        return min(latest, entered[0] + dt.timedelta(days=days, minutes=rng.randint(0, 600)))

    for i, key in enumerate(idea.supporters, start=1):
        batch.supports.append(Support(initiative=initiative, user=users[key], created_at=later(i)))
    for i, (key, body) in enumerate(idea.comments):
        # The discussion is recent: the last days before the anchor, after the latest move.
        days_back = 2 * (len(idea.comments) - i)
        created_at = max(
            entered[-1] + dt.timedelta(hours=i + 1), latest - dt.timedelta(days=days_back)
        )
        author = users[key]
        batch.comments.append(
            Comment(initiative=initiative, author=author, body=body, created_at=created_at)
        )
        recipient = initiative.owner or initiative.submitted_by
        if recipient != author:
            batch.notifications.append(
                Notification(
                    recipient=recipient,
                    initiative=initiative,
                    kind=Notification.Kind.COMMENT,
                    message=f"{author.get_full_name()} commented on “{initiative.title}”.",
                    created_at=created_at,
                    emailed_at=created_at,
                )
            )


def _notifications(idea: Idea, initiative, path, entered, anchor, users, batch: _Batch) -> None:
    """The in-app list: the latest move for the submitter, the assignment for the owner,
    and a stale reminder where one is due. Notices older than a week have been read.

    No control-chart signal: the sustainment watch raises the real one (with its
    SignalAlert) from the backsliding series once the results job has run."""

    def notice(recipient, kind, message, at):
        read = (anchor - timezone.localdate(at)).days > 7
        batch.notifications.append(
            Notification(
                recipient=recipient,
                initiative=initiative,
                kind=kind,
                message=message,
                created_at=at,
                read_at=at + dt.timedelta(hours=20) if read else None,
                emailed_at=at,  # past events: no job should mail them now
            )
        )

    title = initiative.title
    if len(path) > 1:
        stage = initiative.get_stage_display().lower()
        notice(
            initiative.submitted_by,
            Notification.Kind.STAGE_MOVED,
            f"Your idea “{title}” moved to {stage}.",
            entered[-1] + dt.timedelta(minutes=1),
        )
    if initiative.owner and (S.BACKLOG, 1) in path:
        notice(
            initiative.owner,
            Notification.Kind.ASSIGNED,
            f"You are the owner of “{title}”.",
            entered[path.index((S.BACKLOG, 1))] + dt.timedelta(minutes=1),
        )
    yesterday = timezone.make_aware(dt.datetime.combine(anchor, dt.time(6, 0))) - dt.timedelta(
        days=1
    )
    if idea.stage in ACTIVE_STAGES and idea.age > settings.STALE_DAYS:
        notice(
            initiative.owner,
            Notification.Kind.REMINDER,
            f"“{title}” has had no move for {idea.age} days.",
            yesterday,
        )


def _write(batch: _Batch, report: SeedReport) -> None:
    # bulk_create bypasses StageTransition.save(); these rows are new, which is all the
    # immutability guard is about.
    for label, model, rows in [
        ("stage moves", StageTransition, batch.transitions),
        ("measurements", Measurement, batch.measurements),
        ("supports", Support, batch.supports),
        ("comments", Comment, batch.comments),
        ("notifications", Notification, batch.notifications),
    ]:
        model.objects.bulk_create(rows, batch_size=500)
        report.created[label] += len(rows)
    report.created["targets"] += batch.targets
