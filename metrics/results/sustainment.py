"""The backsliding watch: after an initiative is completed, every new control-chart
signal on its targets alerts the owner once, for settings.SUSTAIN_DAYS.

The signals are those of the stored `control` figure's post-change phase
(metrics.results.compute.control_columns), so the watch judges with the very limits
and rules the chart shows: limits from the first CONTROL_LIMIT_POINTS points on or after
the change date, rule 1 on those points too, rules 1-4 after them, a p-chart's points
against their own limits, zero-width limits flagging any point off the centre line.
The baseline phase's signals are the old process, not backsliding: never alerted."""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from improvement import notifications
from improvement.models import NotificationKind, Stage
from metrics import events
from metrics.models import ResultSnapshot, SignalAlert


def watched_results():
    """The latest result of each target of an initiative completed within SUSTAIN_DAYS."""
    since = timezone.now() - dt.timedelta(days=settings.SUSTAIN_DAYS)
    latest = (
        ResultSnapshot.objects.filter(target=OuterRef("target"))
        .order_by()
        .values("target")
        .annotate(latest=Max("as_of"))
        .values("latest")
    )
    return ResultSnapshot.objects.filter(
        target__initiative__stage=Stage.COMPLETED,
        target__initiative__stage_entered_at__gte=since,
        control__isnull=False,
        as_of=Subquery(latest),
    ).select_related("target__initiative", "target__metric")


def watch() -> int:
    """Alert owners of signals not alerted before; returns how many alerts went out."""
    results = list(watched_results())
    alerted = set(
        SignalAlert.objects.filter(target__in=[r.target_id for r in results]).values_list(
            "target_id", "observed_at"
        )
    )
    sent = 0
    for result in results:
        center = result.control["center"]
        # The post-change phase's signals; the baseline phase's sit under "baseline".
        for signal in result.control.get("signals", []):
            at = dt.datetime.fromisoformat(signal["observed_at"])
            if (result.target_id, at) in alerted or not worse(result, signal["value"], center):
                continue
            if _alert(result, at=at, value=signal["value"], rule=signal["rule"]):
                sent += 1
    return sent


def worse(result: ResultSnapshot, value: float, center: float) -> bool:
    """A signal on the bad side of the centre line: a shift for the better is no backsliding."""
    if result.target.metric.lower_is_better:
        return value > center
    return value < center


def _alert(result: ResultSnapshot, *, at: dt.datetime, value: float, rule: int) -> bool:
    """Record the alert and notify the owner in one transaction; the unique constraint
    makes a concurrent or repeated run skip it."""
    target = result.target
    initiative = target.initiative
    try:
        with transaction.atomic():
            alert = SignalAlert.objects.create(
                target=target, observed_at=at, value=value, rule=rule
            )
            events.send_on_commit(events.signal_alert, alert_id=alert.pk)
            notifications.notify(
                initiative=initiative,
                kind=NotificationKind.SIGNAL,
                # Written in the owner's language (a function: improvement.notifications).
                message=lambda: (
                    _(
                        "Possible backsliding on “%(title)s”: %(metric)s was %(value)s on "
                        "%(day)s (Western Electric rule %(rule)s)."
                    )
                    % {
                        "title": initiative.title,
                        "metric": target.metric.name,
                        "value": f"{value:g}",
                        "day": date_format(timezone.localtime(at).date()),
                        "rule": rule,
                    }
                ),
                user_ids=[initiative.owner_id],
            )
    except IntegrityError:
        return False
    return True
