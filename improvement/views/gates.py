"""The initiative page's gates as it shows them: each unmet condition of a move in words
with the link to what fixes it (or who can), and the banner of a refused form with a link
to each field to fix. The workflow names what fixes a condition (workflow.fixed_by); this
module knows where that is on the page."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from improvement import roles, workflow
from improvement.forms import TriageDecisionForm
from improvement.models import Initiative


@dataclass(frozen=True)
class Condition:
    """An unmet condition as the page shows it: in words, with the link to its fix
    (`href`), or who can fix it (`who`) when this user cannot."""

    message: str
    href: str = ""
    who: str = ""


@dataclass(frozen=True)
class NextStep:
    """A move as the page offers it."""

    to: str
    allowed: bool
    needs_note: bool
    freezes: bool  # the move freezes the baselines (the page previews them)
    unmet: list[Condition]


@dataclass(frozen=True)
class FixLinks:
    """Where on the page this user fixes each unmet condition (workflow.fixed_by). A
    field inside a closed panel is reached through `?fix=`, which opens the panel."""

    is_reviewer: bool
    can_execute: bool
    can_record: bool
    targets: list
    preview: list

    def step(self, option: workflow.MoveOption, *, initiative: Initiative) -> NextStep:
        return NextStep(
            to=option.to,
            allowed=option.allowed,
            needs_note=option.needs_note,
            freezes=(initiative.stage, option.to) in workflow.FREEZING_MOVES,
            unmet=[self.condition(unmet) for unmet in option.unmet],
        )

    def condition(self, unmet: workflow.Unmet) -> Condition:
        href, who = self._where(workflow.fixed_by(unmet), unmet.code)
        return Condition(unmet.message, href=href, who=who)

    def _where(self, fix: str | None, code: str) -> tuple[str, str]:
        primary = next((t for t in self.targets if t.is_primary), None)
        if fix in roles.TRIAGE_FIELDS:
            if self.is_reviewer:
                return f"?fix={fix}#id_{fix}", ""
            return _(""), _("a reviewer does this")
        if fix in roles.EXECUTION_FIELDS:
            if self.can_execute:
                return f"?fix={fix}#id_{fix}", ""
            return _(""), _("the owner or the sponsor records this")
        if fix == workflow.RESULT:
            return (f"#target-{primary.pk}" if primary else "#targets"), ""
        if fix == workflow.ACTIONS:
            # The action items' panel (actions' template tag): its assignees tick their own.
            return "#actions", ""
        if fix in (workflow.NEW_TARGET, workflow.TARGETS, workflow.MEASUREMENT):
            if not self.can_record:
                return _(""), _("the owner or the team records this")
            if fix == workflow.NEW_TARGET:
                return f"?fix={fix}#id_metric", ""
            if fix == workflow.MEASUREMENT and primary:
                return f"?fix={fix}#id_t{primary.pk}_observed_at", ""
            return self._target_edit(code), ""
        return "", ""

    def _target_edit(self, code: str) -> str:
        """The edit form of the first target the condition names, else the targets."""
        if code == "target_value_missing":
            found = [(t.pk, "target_value") for t in self.targets if t.target_value is None]
        elif code == "baseline_missing":
            found = [(p.target_id, "baseline_value") for p in self.preview if p.value is None]
        else:
            found = []
        if not found:
            return "#targets"
        pk, field = found[0]
        return reverse("improvement:target_edit", args=[pk]) + f"#id_target{pk}_{field}"


def problems(**forms) -> dict | None:
    """The banner at the top of a page that comes back refused: what was not done, and
    each error with a link to its field (the form's own non-field errors have none)."""
    refused = {name: form for name, form in forms.items() if form is not None and form.errors}
    if not refused:
        return None
    items = []
    for form in refused.values():
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            shown = field is not None and not field.widget.is_hidden
            for error in errors:
                if shown:
                    bound = form[name]
                    items.append(
                        {"text": f"{bound.label}: {error}", "href": f"#{bound.id_for_label}"}
                    )
                else:
                    items.append({"text": error, "href": ""})
    decision = refused.get("decision_form")
    if decision is None:
        title = _("Not saved.")
    elif decision.data.get("decision") == TriageDecisionForm.REJECT:
        title = _("Not rejected: nothing was saved.")
    else:
        title = _("Not accepted to the backlog: nothing was saved.")
    return {"title": title, "items": items}
