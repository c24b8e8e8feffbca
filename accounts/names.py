"""The project's model and field names in the active language, for the labels Django
derives from them (form fields, the admin's columns, filters and headings).

Most fields take their name from the attribute ("problem_statement" → "problem
statement"); giving each a translated `verbose_name` in the models would be a migration
per field and per model for no change to the schema. So the names are listed here and
set at start-up (AccountsConfig.ready → `translate_names`). Migrations read the argument
a field was declared with (`Field._verbose_name`) and a model's declared options
(`Meta.original_attrs`), never these, so `makemigrations` sees nothing.
tests/i18n/test_names.py fails when a field or model of the project has no entry."""

from __future__ import annotations

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

PROJECT_APPS = [
    "accounts",
    "improvement",
    "metrics",
    "actions",
    "attachments",
    "campaigns",
    "problem_solving",
    "integrations",
]

# BEGIN GENERATED (by the names in the models; keep sorted)
FIELD_NAMES: dict[str, Promise] = {
    "URL": pgettext_lazy("field", "URL"),
    "action": pgettext_lazy("field", "action"),
    "active": pgettext_lazy("field", "active"),
    "actor": pgettext_lazy("field", "actor"),
    "alpha": pgettext_lazy("field", "alpha"),
    "answer": pgettext_lazy("field", "answer"),
    "area": pgettext_lazy("field", "area"),
    "as of": pgettext_lazy("field", "as of"),
    "assignee": pgettext_lazy("field", "assignee"),
    "at": pgettext_lazy("field", "at"),
    "attempts": pgettext_lazy("field", "attempts"),
    "author": pgettext_lazy("field", "author"),
    "baseline end": pgettext_lazy("field", "baseline end"),
    "baseline mean": pgettext_lazy("field", "baseline mean"),
    "baseline n": pgettext_lazy("field", "baseline n"),
    "baseline source": pgettext_lazy("field", "baseline source"),
    "baseline start": pgettext_lazy("field", "baseline start"),
    "baseline value": pgettext_lazy("field", "baseline value"),
    "benefit high": pgettext_lazy("field", "benefit high"),
    "benefit low": pgettext_lazy("field", "benefit low"),
    "benefit type": pgettext_lazy("field", "benefit type"),
    "body": pgettext_lazy("field", "body"),
    "campaign": pgettext_lazy("field", "campaign"),
    "category": pgettext_lazy("field", "category"),
    "chain": pgettext_lazy("field", "chain"),
    "channel": pgettext_lazy("field", "channel"),
    "chart kind": pgettext_lazy("field", "chart kind"),
    "claimed until": pgettext_lazy("field", "claimed until"),
    "close note": pgettext_lazy("field", "close note"),
    "closed at": pgettext_lazy("field", "closed at"),
    "closed by": pgettext_lazy("field", "closed by"),
    "closes on": pgettext_lazy("field", "closes on"),
    "comment": pgettext_lazy("field", "comment"),
    "computed at": pgettext_lazy("field", "computed at"),
    "computed benefit": pgettext_lazy("field", "computed benefit"),
    "confidence": pgettext_lazy("field", "confidence"),
    "content type": pgettext_lazy("field", "content type"),
    "control": pgettext_lazy("field", "control"),
    "control plan": pgettext_lazy("field", "control plan"),
    "created at": pgettext_lazy("field", "created at"),
    "created by": pgettext_lazy("field", "created by"),
    "current mean": pgettext_lazy("field", "current mean"),
    "cycle": pgettext_lazy("field", "cycle"),
    "decision note": pgettext_lazy("field", "decision note"),
    "delivery": pgettext_lazy("field", "delivery"),
    "depth": pgettext_lazy("field", "depth"),
    "description": pgettext_lazy("field", "description"),
    "detail": pgettext_lazy("field", "detail"),
    "digest": pgettext_lazy("field", "digest"),
    "direction": pgettext_lazy("field", "direction"),
    "due date": pgettext_lazy("field", "due date"),
    "duplicate of": pgettext_lazy("field", "duplicate of"),
    "effort": pgettext_lazy("field", "effort"),
    "email error": pgettext_lazy("field", "email error"),
    "email failed at": pgettext_lazy("field", "email failed at"),
    "emailed at": pgettext_lazy("field", "emailed at"),
    "error": pgettext_lazy("field", "error"),
    "estimated annual benefit": pgettext_lazy("field", "estimated annual benefit"),
    "estimated cost": pgettext_lazy("field", "estimated cost"),
    "event": pgettext_lazy("field", "event"),
    "event key": pgettext_lazy("field", "event key"),
    "events": pgettext_lazy("field", "events"),
    "evidence": pgettext_lazy("field", "evidence"),
    "file": pgettext_lazy("field", "file"),
    "from stage": pgettext_lazy("field", "from stage"),
    "frozen at": pgettext_lazy("field", "frozen at"),
    "frozen by": pgettext_lazy("field", "frozen by"),
    "held from": pgettext_lazy("field", "held from"),
    "impact": pgettext_lazy("field", "impact"),
    "implemented on": pgettext_lazy("field", "implemented on"),
    "improvement": pgettext_lazy("field", "improvement"),
    "improvement high": pgettext_lazy("field", "improvement high"),
    "improvement low": pgettext_lazy("field", "improvement low"),
    "improvement pct": pgettext_lazy("field", "improvement pct"),
    "initiative": pgettext_lazy("field", "initiative"),
    "interim": pgettext_lazy("field", "interim"),
    "is active": pgettext_lazy("field", "is active"),
    "is primary": pgettext_lazy("field", "is primary"),
    "is root cause": pgettext_lazy("field", "is root cause"),
    "kind": pgettext_lazy("field", "kind"),
    "language": pgettext_lazy("field", "language"),
    "last attempt at": pgettext_lazy("field", "last attempt at"),
    "last error": pgettext_lazy("field", "last error"),
    "latest status": pgettext_lazy("field", "latest status"),
    "members": pgettext_lazy("field", "members"),
    "message": pgettext_lazy("field", "message"),
    "methodology": pgettext_lazy("field", "methodology"),
    "metric": pgettext_lazy("field", "metric"),
    "n after": pgettext_lazy("field", "n after"),
    "n before": pgettext_lazy("field", "n before"),
    "n eff after": pgettext_lazy("field", "n eff after"),
    "n eff before": pgettext_lazy("field", "n eff before"),
    "n measurements": pgettext_lazy("field", "n measurements"),
    "name": pgettext_lazy("field", "name"),
    "next attempt at": pgettext_lazy("field", "next attempt at"),
    "note": pgettext_lazy("field", "note"),
    "numchild": pgettext_lazy("field", "numchild"),
    "observed at": pgettext_lazy("field", "observed at"),
    "opens on": pgettext_lazy("field", "opens on"),
    "original name": pgettext_lazy("field", "original name"),
    "owner": pgettext_lazy("field", "owner"),
    "p value": pgettext_lazy("field", "p value"),
    "path": pgettext_lazy("field", "path"),
    "payload": pgettext_lazy("field", "payload"),
    "pillar": pgettext_lazy("field", "pillar"),
    "position": pgettext_lazy("field", "position"),
    "problem": pgettext_lazy("field", "problem"),
    "problem statement": pgettext_lazy("field", "problem statement"),
    "progress pct": pgettext_lazy("field", "progress pct"),
    "proposed change": pgettext_lazy("field", "proposed change"),
    "quarter": pgettext_lazy("field", "quarter"),
    "quarter mean": pgettext_lazy("field", "quarter mean"),
    "question": pgettext_lazy("field", "question"),
    "r1 after": pgettext_lazy("field", "r1 after"),
    "r1 before": pgettext_lazy("field", "r1 before"),
    "read at": pgettext_lazy("field", "read at"),
    "realized annual benefit": pgettext_lazy("field", "realized annual benefit"),
    "reason": pgettext_lazy("field", "reason"),
    "recipient": pgettext_lazy("field", "recipient"),
    "recorded by": pgettext_lazy("field", "recorded by"),
    "rejection reason": pgettext_lazy("field", "rejection reason"),
    "reminded before on": pgettext_lazy("field", "reminded before on"),
    "reminded due on": pgettext_lazy("field", "reminded due on"),
    "reopened at": pgettext_lazy("field", "reopened at"),
    "reopened by": pgettext_lazy("field", "reopened by"),
    "response status": pgettext_lazy("field", "response status"),
    "restricted": pgettext_lazy("field", "restricted"),
    "results stale since": pgettext_lazy("field", "results stale since"),
    "review note": pgettext_lazy("field", "review note"),
    "reviewed at": pgettext_lazy("field", "reviewed at"),
    "reviewed by": pgettext_lazy("field", "reviewed by"),
    "reviewers": pgettext_lazy("field", "reviewers"),
    "root cause": pgettext_lazy("field", "root cause"),
    "rule": pgettext_lazy("field", "rule"),
    "sample size": pgettext_lazy("field", "sample size"),
    "sent at": pgettext_lazy("field", "sent at"),
    "significant": pgettext_lazy("field", "significant"),
    "signing secret": pgettext_lazy("field", "signing secret"),
    "size": pgettext_lazy("field", "size"),
    "source": pgettext_lazy("field", "source"),
    "sponsor": pgettext_lazy("field", "sponsor"),
    "stage": pgettext_lazy("field", "stage"),
    "stage entered at": pgettext_lazy("field", "stage entered at"),
    "status": pgettext_lazy("field", "status"),
    "submitted by": pgettext_lazy("field", "submitted by"),
    "target": pgettext_lazy("field", "target"),
    "target date": pgettext_lazy("field", "target date"),
    "target value": pgettext_lazy("field", "target value"),
    "team": pgettext_lazy("field", "team"),
    "test method": pgettext_lazy("field", "test method"),
    "text": pgettext_lazy("field", "text"),
    "thumbnail": pgettext_lazy("field", "thumbnail"),
    "title": pgettext_lazy("field", "title"),
    "to stage": pgettext_lazy("field", "to stage"),
    "topic": pgettext_lazy("field", "topic"),
    "unit": pgettext_lazy("field", "unit"),
    "unproven benefit": pgettext_lazy("field", "unproven benefit"),
    "updated at": pgettext_lazy("field", "updated at"),
    "uploaded at": pgettext_lazy("field", "uploaded at"),
    "uploaded by": pgettext_lazy("field", "uploaded by"),
    "user": pgettext_lazy("field", "user"),
    "validated benefit": pgettext_lazy("field", "validated benefit"),
    "value": pgettext_lazy("field", "value"),
    "value per unit": pgettext_lazy("field", "value per unit"),
    "verified": pgettext_lazy("field", "verified"),
    "watchers": pgettext_lazy("field", "watchers"),
    "welch df": pgettext_lazy("field", "welch df"),
    "welch t": pgettext_lazy("field", "welch t"),
    "year": pgettext_lazy("field", "year"),
}
MODEL_NAMES: dict[str, tuple[Promise, Promise]] = {
    "accounts.Profile": (pgettext_lazy("model", "profile"), pgettext_lazy("model", "profiles")),
    "actions.ActionEvent": (
        pgettext_lazy("model", "action event"),
        pgettext_lazy("model", "action events"),
    ),
    "actions.ActionItem": (
        pgettext_lazy("model", "action item"),
        pgettext_lazy("model", "action items"),
    ),
    "attachments.Attachment": (
        pgettext_lazy("model", "attachment"),
        pgettext_lazy("model", "attachments"),
    ),
    "campaigns.Campaign": (pgettext_lazy("model", "campaign"), pgettext_lazy("model", "campaigns")),
    "improvement.Area": (pgettext_lazy("model", "area"), pgettext_lazy("model", "areas")),
    "improvement.Comment": (pgettext_lazy("model", "comment"), pgettext_lazy("model", "comments")),
    "improvement.Initiative": (
        pgettext_lazy("model", "initiative"),
        pgettext_lazy("model", "initiatives"),
    ),
    "improvement.Notification": (
        pgettext_lazy("model", "notification"),
        pgettext_lazy("model", "notifications"),
    ),
    "improvement.NotificationPreference": (
        pgettext_lazy("model", "notification preference"),
        pgettext_lazy("model", "notification preferences"),
    ),
    "improvement.StageTransition": (
        pgettext_lazy("model", "stage transition"),
        pgettext_lazy("model", "stage transitions"),
    ),
    "improvement.Support": (pgettext_lazy("model", "support"), pgettext_lazy("model", "supports")),
    "integrations.Channel": (pgettext_lazy("model", "channel"), pgettext_lazy("model", "channels")),
    "integrations.Delivery": (
        pgettext_lazy("model", "delivery"),
        pgettext_lazy("model", "deliveries"),
    ),
    "metrics.Measurement": (
        pgettext_lazy("model", "measurement"),
        pgettext_lazy("model", "measurements"),
    ),
    "metrics.Metric": (pgettext_lazy("model", "metric"), pgettext_lazy("model", "metrics")),
    "metrics.QuarterClose": (
        pgettext_lazy("model", "quarter close"),
        pgettext_lazy("model", "quarter closes"),
    ),
    "metrics.QuarterReopen": (
        pgettext_lazy("model", "quarter reopen"),
        pgettext_lazy("model", "quarter reopens"),
    ),
    "metrics.QuarterlyResult": (
        pgettext_lazy("model", "quarterly result"),
        pgettext_lazy("model", "quarterly results"),
    ),
    "metrics.ResultSnapshot": (
        pgettext_lazy("model", "result snapshot"),
        pgettext_lazy("model", "result snapshots"),
    ),
    "metrics.SignalAlert": (
        pgettext_lazy("model", "signal alert"),
        pgettext_lazy("model", "signal alerts"),
    ),
    "metrics.Target": (pgettext_lazy("model", "target"), pgettext_lazy("model", "targets")),
    "problem_solving.Cause": (pgettext_lazy("model", "cause"), pgettext_lazy("model", "causes")),
    "problem_solving.FiveWhy": (
        pgettext_lazy("model", "5-why chain"),
        pgettext_lazy("model", "5-why chains"),
    ),
    "problem_solving.WhyStep": (
        pgettext_lazy("model", "why step"),
        pgettext_lazy("model", "why steps"),
    ),
}
# END GENERATED


def _models():
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            # django-simple-history's copies name themselves after the model they copy.
            if not model.__name__.startswith("Historical"):
                yield model


def _fields(model):
    for field in model._meta.get_fields():
        if field.auto_created or not (field.concrete or field.many_to_many):
            continue
        yield field


def fields_and_models(*, untranslated_only: bool = True):
    """The English field names and the models' (name, plural) still without a
    translation (or all of them)."""
    fields, models = set(), {}
    for model in _models():
        meta = model._meta
        if not untranslated_only or not isinstance(meta.verbose_name, Promise):
            models[meta.label] = (str(meta.verbose_name), str(meta.verbose_name_plural))
        for field in _fields(model):
            if not untranslated_only or not isinstance(field.verbose_name, Promise):
                fields.add(str(field.verbose_name))
    return fields, models


def translate_names() -> None:
    """Replaces each listed English name with its lazy translation (English while English
    is active: the same words as before)."""
    for model in _models():
        meta = model._meta
        if meta.label in MODEL_NAMES and not isinstance(meta.verbose_name, Promise):
            meta.verbose_name, meta.verbose_name_plural = MODEL_NAMES[meta.label]
        for field in _fields(model):
            name = field.verbose_name
            if not isinstance(name, Promise) and name in FIELD_NAMES:
                field.verbose_name = FIELD_NAMES[name]
