"""The audit trail as people read it: what was changed or deleted on an initiative, its
targets and their measurements — who, when, which object, old → new per field, and why.

The rows are django-simple-history's (each model's `audit`). `diff_against()` would read
each row's previous version with a query of its own; here every row comes with its
previous version's values beside it (LAG over the object's versions, in the same query),
so the trail costs a fixed number of queries however many rows it has: one per model
(`changes_for`)."""

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Count, F, Func, OuterRef, Q, Subquery, Window
from django.db.models.functions import Lag
from django.utils import timezone
from django.utils.text import capfirst

from improvement.models import Area, Initiative
from improvement.people import display_name
from metrics.models import Measurement, Metric, Target

# What a move changes, which the initiative's stage history already shows.
MOVE_FIELDS = frozenset({"stage", "held_from", "cycle"})
# The target form's words for its fields, where they differ from the model's.
LABELS = {
    "is_primary": "Primary target",
    "value_per_unit": "Money per unit per year",
    "baseline_n": "Baseline measurements",
    "implemented_on": "Change went live",
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Change:
    """One change (`deleted` False) or deletion of an initiative, target or measurement."""

    kind: str  # "initiative", "target" or "measurement"
    deleted: bool
    when: dt.datetime
    history_id: int
    object_id: int
    subject: str  # which object, in words
    who: str  # "" when nobody signed in made it (a job, a shell)
    reason: str
    fields: tuple[FieldChange, ...]  # old → new; for a deletion, empty


class DistinctFrom(Func):
    """`a IS DISTINCT FROM b`: "differs", with NULL a value like any other (a plain `<>`
    is unknown when either side is NULL). SQLite spells it `IS NOT`."""

    arg_joiner = " IS DISTINCT FROM "
    template = "(%(expressions)s)"
    output_field = BooleanField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, arg_joiner=" IS NOT ", **extra_context)


def changes_for(initiative_id: int, limit: int = 50) -> list[Change]:
    """The initiative's `limit` newest corrections, newest first: changes ("~") and
    deletions ("-") of its targets and their measurements, and changes of its own fields
    other than a move's (MOVE_FIELDS: the stage history shows those). A version that
    changed nothing tracked (a save of the same values) is left out, as are the
    measurements deleted with their target: the target's deletion counts them.

    Three queries, one per model, however many rows: each reads the previous version of
    every row beside it (LAG), who made it and which metric a target is on. Only when a
    change points elsewhere (a new owner, another metric, an area) is there one more
    query per kind of thing named."""
    rows = [
        *_initiative_rows(initiative_id, limit),
        *_target_rows(initiative_id, limit),
        *_measurement_rows(initiative_id, limit),
    ]
    rows.sort(key=lambda r: (r[1].history_date, r[1].history_id), reverse=True)
    rows = rows[:limit]
    names = _Names(rows)
    return [_change(kind, row, fields, names) for kind, row, fields in rows]


# --- the rows -----------------------------------------------------------------------------


def _tracked(model, *, exclude=frozenset()) -> list:
    """The fields a model's history keeps and a person can change."""
    return [
        f
        for f in model.audit.model.tracked_fields
        if f.editable and not f.primary_key and f.name not in exclude
    ]


def _with_previous(queryset, fields):
    """Each version with `was_<attname>` for each field, and `was_history_id`: the values
    of the same object's version before it (None for its first). history_id orders the
    versions as they were written; history_date may tie within one transaction."""
    order = [F("history_id").asc()]

    def previous(name):
        return Window(Lag(name), partition_by=[F("id")], order_by=order)

    return queryset.annotate(
        was_history_id=previous("history_id"),
        **{f"was_{f.attname}": previous(f.attname) for f in fields},
    )


def _changed(fields) -> Q:
    """A version that differs from the one before it — or a change ("~") with none before
    it: the object was written before the history began (or in bulk, without a version),
    so what it was is unknown, but that it was changed, by whom and why is not. A filter
    on the window's values: Django computes the window in a subquery and filters outside
    it, so the LAG still sees every version."""
    differs = (Q(DistinctFrom(F(f.attname), F(f"was_{f.attname}"))) for f in fields)
    first_change = Q(was_history_id__isnull=True, history_type="~")
    return first_change | (Q(was_history_id__isnull=False) & reduce(or_, differs))


def _newest(queryset, limit: int) -> list:
    """The `limit` newest versions, each with who made it."""
    versions = queryset.select_related("history_user")
    return list(versions.order_by("-history_date", "-history_id")[:limit])


def _initiative_rows(initiative_id: int, limit: int) -> list[tuple]:
    fields = _tracked(Initiative, exclude=MOVE_FIELDS)
    versions = _with_previous(Initiative.audit.filter(id=initiative_id), fields)
    # A deletion repeats the last version's values: no field differs, so it is left out
    # (and the initiative's page is gone with it).
    return [
        ("initiative", row, fields) for row in _newest(versions.filter(_changed(fields)), limit)
    ]


def _target_ids(initiative_id: int):
    """The ids of every target the initiative has had: the historical rows keep the
    initiative's id after the target is deleted."""
    return Target.audit.filter(initiative_id=initiative_id).values("id")


def _cascaded():
    """Measurement deletions without a reason of their own: those that went with their
    target (a deletion by itself always has one, metrics.services.delete_measurement)."""
    return Q(history_type="-") & (
        Q(history_change_reason__isnull=True) | Q(history_change_reason="")
    )


def _target_rows(initiative_id: int, limit: int) -> list[tuple]:
    fields = _tracked(Target)
    went_with = (
        Measurement.audit.filter(_cascaded(), target_id=OuterRef("id"))
        .order_by()
        .values("target_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    metric_name = Metric.objects.filter(pk=OuterRef("metric_id")).values("name")
    versions = _with_previous(Target.audit.filter(initiative_id=initiative_id), fields).annotate(
        measurements_deleted=Subquery(went_with), metric_name=Subquery(metric_name)
    )
    wanted = Q(history_type="-") | _changed(fields)
    return [("target", row, fields) for row in _newest(versions.filter(wanted), limit)]


def _measurement_rows(initiative_id: int, limit: int) -> list[tuple]:
    fields = _tracked(Measurement)
    targets = _target_ids(initiative_id)
    # Only the versions of measurements that were ever corrected or deleted are read, so
    # the window's input stays small however many measurements were recorded.
    corrected = Measurement.audit.filter(target_id__in=targets, history_type__in=["~", "-"]).values(
        "id"
    )
    deleted_targets = Target.audit.filter(initiative_id=initiative_id, history_type="-").values(
        "id"
    )
    metric_name = (
        Target.audit.filter(id=OuterRef("target_id"))
        .order_by("-history_id")
        .values("metric__name")[:1]
    )
    versions = _with_previous(
        Measurement.audit.filter(target_id__in=targets, id__in=corrected).exclude(
            _cascaded() & Q(target_id__in=deleted_targets)
        ),
        fields,
    ).annotate(metric_name=Subquery(metric_name))
    wanted = Q(history_type="-") | _changed(fields)
    return [("measurement", row, fields) for row in _newest(versions.filter(wanted), limit)]


# --- in words -------------------------------------------------------------------------------


class _Names:
    """The names of the people, metrics and areas the rows mention. Who made each change
    and each target's metric come with the rows; the values of a changed reference
    (an owner, a metric, an area) are looked up once per model, only when there are any."""

    def __init__(self, rows: list[tuple]):
        User = get_user_model()
        self.users = {r.history_user_id: display_name(r.history_user) for _, r, _ in rows}
        self.metrics = {r.metric_id: r.metric_name for k, r, _ in rows if k == "target"}
        self.areas = {}
        wanted = {User: set(), Metric: set(), Area: set()}
        for _kind, row, fields in rows:
            for field in fields:
                if field.is_relation and field.related_model in wanted and _differs(row, field):
                    wanted[field.related_model].update((_new(row, field), _old(row, field)))
        known = {User: self.users, Metric: self.metrics, Area: self.areas}
        for model, ids in wanted.items():
            missing = ids - known[model].keys() - {None}
            if model is User and missing:
                people = User.objects.filter(pk__in=missing).only(
                    "username", "first_name", "last_name"
                )
                self.users.update((person.pk, display_name(person)) for person in people)
            elif missing:
                known[model].update(model.objects.filter(pk__in=missing).values_list("pk", "name"))

    def related(self, model, pk) -> str:
        names = {get_user_model(): self.users, Metric: self.metrics, Area: self.areas}.get(model)
        if names is None:
            return f"#{pk}"
        return names.get(pk) or f"{model._meta.verbose_name} #{pk}"


def _new(row, field):
    return getattr(row, field.attname)


def _old(row, field):
    return getattr(row, f"was_{field.attname}")


def _differs(row, field) -> bool:
    return row.was_history_id is not None and _new(row, field) != _old(row, field)


def _change(kind: str, row, fields, names: _Names) -> Change:
    deleted = row.history_type == "-"
    return Change(
        kind=kind,
        deleted=deleted,
        when=row.history_date,
        history_id=row.history_id,
        object_id=row.id,
        subject=_subject(kind, row, names),
        who=names.users[row.history_user_id] if row.history_user_id else "",
        reason=row.history_change_reason or "",
        fields=()
        if deleted
        else tuple(
            FieldChange(
                label=LABELS.get(f.name, capfirst(f.verbose_name)),
                old=_shown(f, _old(row, f), names),
                new=_shown(f, _new(row, f), names),
            )
            for f in fields
            if _differs(row, f)
        ),
    )


def _subject(kind: str, row, names: _Names) -> str:
    if kind == "initiative":
        return "the initiative"
    if kind == "target":
        subject = f"the target on {names.related(Metric, row.metric_id)}"
        if row.history_type == "-" and row.measurements_deleted:
            n = row.measurements_deleted
            subject += f" and its {n} measurement{'s' if n != 1 else ''}"
        return subject
    metric = row.metric_name or f"target #{row.target_id}"
    return f"the measurement of {metric} at {_when(row.observed_at)} ({_number(row.value)})"


def _shown(field, value, names: _Names) -> str:
    """A field's value as the pages show it: "—" for nothing, a choice's label, a name."""
    if value is None or value == "":
        return "—"
    if field.is_relation:
        return names.related(field.related_model, value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return _when(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return _number(value)
    return str(value)


def _when(value: dt.datetime) -> str:
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%d %H:%M:%S}" if local.second else f"{local:%Y-%m-%d %H:%M}"


def _number(value: float) -> str:
    return f"{value:.15g}"
