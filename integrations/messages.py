"""What a channel is told about each event: a title and a short Markdown text for chat,
and the same facts as data for a webhook. Built once per event, when it is published, in
the site's language (settings.LANGUAGE_CODE): a channel has no reader to ask.

The payload (the webhook's body, README "Webhook payload"):

    {"event": "stage_moved", "occurred_at": "2026-12-03T16:58:25+00:00",
     "title": "…", "text": "…", "url": "https://tracker.example.com/initiatives/42/",
     "initiative": {"id", "title", "stage", "area": {"id", "name"}, "campaign": …},
     …and the event's own: "transition", "result", "signal" or "quarter"}
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from improvement import outcomes
from improvement.formatting import money_text
from improvement.models import Initiative, Stage, StageTransition
from improvement.people import display_name
from integrations.models import Event
from metrics.models import QuarterClose, QuarterlyResult, ResultSnapshot, SignalAlert

# The most of a person's text (a title) one message quotes.
TITLE_LENGTH = 200


@dataclass
class News:
    """One event occurrence: `key` names it for the deliveries' unique constraint."""

    event: str
    key: str
    initiative: Initiative | None
    payload: dict


def link(path: str) -> str:
    """An absolute link into the tracker, or "" when settings.SITE_URL is not set."""
    return f"{settings.SITE_URL}{path}" if settings.SITE_URL else ""


def quoted(text: str) -> str:
    """A person's text inside a chat message, harmless: on one line; no Markdown of its
    own (a title must not become a link); no Slack or Teams markup (<!channel>,
    <at>…</at>) and no Mattermost mention (@all) — a title must never ping anyone."""
    flat = " ".join(text.split())
    if len(flat) > TITLE_LENGTH:
        flat = flat[: TITLE_LENGTH - 1].rstrip() + "…"
    flat = flat.replace("<", "‹").replace(">", "›")
    flat = re.sub(r"([\\`*_\[\]~|])", r"\\\1", flat)
    return re.sub(r"@(?=\w)", "@\N{ZERO WIDTH SPACE}", flat)


def _initiative(initiative: Initiative) -> dict:
    campaign = initiative.campaign
    return {
        "id": initiative.pk,
        "title": initiative.title,
        "stage": initiative.stage,
        "area": {"id": initiative.area_id, "name": initiative.area.name},
        "campaign": {"id": campaign.pk, "title": campaign.title} if campaign else None,
        "url": link(reverse("improvement:initiative", args=[initiative.pk])),
    }


def _payload(event: str, initiative: Initiative | None, title: str, text: str, **extra) -> dict:
    url = _initiative(initiative)["url"] if initiative else ""
    if url:
        text += f"\n[{_('Open in the tracker')}]({url})"
    return {
        "event": event,
        "occurred_at": timezone.now().isoformat(),
        "title": title,
        "text": text,
        "url": url,
        "initiative": _initiative(initiative) if initiative else None,
        **extra,
    }


def _in_site_language(build):
    def wrapped(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return build(*args, **kwargs)

    return wrapped


def _load(initiative_id: int) -> Initiative | None:
    return (
        Initiative.objects.select_related("area", "campaign", "submitted_by")
        .filter(pk=initiative_id)
        .first()
    )


@_in_site_language
def idea_submitted(*, initiative_id: int) -> News | None:
    initiative = _load(initiative_id)
    if initiative is None:
        return None
    text = _("“%(title)s” in %(area)s, from %(person)s.") % {
        "title": quoted(initiative.title),
        "area": quoted(initiative.area.name),
        "person": quoted(display_name(initiative.submitted_by)),
    }
    if initiative.campaign:
        text += " " + _("Campaign: %(campaign)s.") % {"campaign": quoted(initiative.campaign.title)}
    payload = _payload(Event.IDEA_SUBMITTED, initiative, _("New idea"), text)
    return News(Event.IDEA_SUBMITTED, f"initiative:{initiative.pk}", initiative, payload)


@_in_site_language
def stage_moved(*, transition_id: int) -> News | None:
    transition = StageTransition.objects.select_related("actor").filter(pk=transition_id).first()
    initiative = transition and _load(transition.initiative_id)
    if initiative is None:
        return None
    source, target = Stage(transition.from_stage).label, Stage(transition.to_stage).label
    text = _("“%(title)s” moved from %(from)s to %(to)s.") % {
        "title": quoted(initiative.title),
        "from": source,
        "to": target,
    }
    payload = _payload(
        Event.STAGE_MOVED,
        initiative,
        _("Moved to %(stage)s") % {"stage": target},
        text,
        transition={
            "from": transition.from_stage,
            "to": transition.to_stage,
            "actor": display_name(transition.actor),
            "at": transition.at.isoformat(),
            "cycle": transition.cycle,
        },
    )
    return News(Event.STAGE_MOVED, f"transition:{transition.pk}", initiative, payload)


@_in_site_language
def result_computed(*, initiative_id: int, result_id: int) -> News | None:
    initiative = _load(initiative_id)
    result = ResultSnapshot.objects.select_related("target__metric").filter(pk=result_id).first()
    if initiative is None or result is None:
        return None
    line = outcomes.result_line(result)
    text = _("First measured result for “%(title)s”: %(result)s.") % {
        "title": quoted(initiative.title),
        "result": line,
    }
    payload = _payload(
        Event.RESULT_COMPUTED,
        initiative,
        _("First result"),
        text,
        result={
            "status": result.status,
            "summary": line,
            "metric": result.target.metric.name,
            "as_of": result.as_of.isoformat(),
            "improvement_pct": result.improvement_pct,
            "p_value": result.p_value,
            "significant": result.significant,
        },
    )
    return News(Event.RESULT_COMPUTED, f"result:{result.pk}", initiative, payload)


@_in_site_language
def signal_alert(*, alert_id: int) -> News | None:
    alert = SignalAlert.objects.select_related("target__metric").filter(pk=alert_id).first()
    initiative = alert and _load(alert.target.initiative_id)
    if initiative is None:
        return None
    metric = alert.target.metric.name
    text = _(
        "Possible backsliding on “%(title)s”: %(metric)s was %(value)s on %(day)s "
        "(Western Electric rule %(rule)s)."
    ) % {
        "title": quoted(initiative.title),
        "metric": quoted(metric),
        "value": f"{alert.value:g}",
        "day": f"{timezone.localtime(alert.observed_at):%Y-%m-%d}",
        "rule": alert.rule,
    }
    payload = _payload(
        Event.SIGNAL_ALERT,
        initiative,
        _("Signal after completion"),
        text,
        signal={
            "metric": metric,
            "observed_at": alert.observed_at.isoformat(),
            "value": alert.value,
            "rule": alert.rule,
        },
    )
    return News(Event.SIGNAL_ALERT, f"alert:{alert.pk}", initiative, payload)


@_in_site_language
def quarter_closed(*, close: QuarterClose, scope: Q) -> dict:
    """The closed quarter's figures over the initiatives in `scope` (a channel's part of
    the tree, matching.programme_scope): what one channel is told."""
    initiatives = Initiative.objects.filter(scope).values("pk")
    totals = QuarterlyResult.objects.filter(
        year=close.year, quarter=close.quarter, initiative__in=initiatives
    ).aggregate(
        rows=Count("pk"),
        proven=Sum("computed_benefit"),
        validated=Sum("validated_benefit"),
    )
    locale = translation.to_locale(settings.LANGUAGE_CODE)
    proven = money_text(totals["proven"] or 0, currency=settings.CURRENCY, locale=locale)
    validated = money_text(totals["validated"] or 0, currency=settings.CURRENCY, locale=locale)
    text = _(
        "%(year)s Q%(quarter)s is closed: %(rows)s initiatives, proven benefit %(proven)s, "
        "validated %(validated)s."
    ) % {
        "year": close.year,
        "quarter": close.quarter,
        "rows": totals["rows"],
        "proven": proven,
        "validated": validated,
    }
    return _payload(
        Event.QUARTER_CLOSED,
        None,
        _("Quarter closed"),
        text,
        quarter={
            "year": close.year,
            "quarter": close.quarter,
            "closed_at": close.closed_at.isoformat(),
            "initiatives": totals["rows"],
            # Two decimals on every database (SQLite's sum drops them).
            "proven_benefit": f"{Decimal(totals['proven'] or 0):.2f}",
            "validated_benefit": f"{Decimal(totals['validated'] or 0):.2f}",
            "currency": settings.CURRENCY,
        },
    )


@_in_site_language
def test_message(*, channel_name: str) -> dict:
    """The admin's "send a test message"."""
    text = _("A test message to the channel “%(name)s”: it is set up.") % {
        "name": quoted(channel_name)
    }
    return _payload("test", None, _("Test message"), text)
