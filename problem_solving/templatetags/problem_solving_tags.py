"""`{% analysis_panel initiative user %}`: the initiative page's root-cause panel — the
5-whys and the fishbone, with their forms for those who may change them. Two queries
(problem_solving.selectors.analysis_for), whoever looks and however much there is."""

from django import template

from problem_solving import drawing, rules
from problem_solving.forms import CauseForm, DeleteForm, FiveWhyForm
from problem_solving.selectors import analysis_for

register = template.Library()


@register.inclusion_tag("problem_solving/partials/panel.html", takes_context=True)
def analysis_panel(context, initiative, user):
    analysis = analysis_for(initiative=initiative)
    can_edit = rules.can_edit(user, initiative)
    gated = rules.is_gated(initiative)
    if can_edit:
        for chain in analysis.chains:
            chain.form = FiveWhyForm(chain=chain, gated=gated)
            chain.delete_form = DeleteForm(gated=gated, prefix=f"delete-chain-{chain.pk}")
        for cause in analysis.causes:
            cause.form = CauseForm(instance=cause, gated=gated)
            cause.delete_form = DeleteForm(gated=gated, prefix=f"delete-cause-{cause.pk}")
    return {
        "initiative": initiative,
        "analysis": analysis,
        "fishbone": (
            drawing.fishbone(effect=initiative.title, causes=analysis.causes)
            if analysis.causes
            else None
        ),
        "can_edit": can_edit,
        "gated": gated,
        "new_chain_form": (
            FiveWhyForm(initial={"problem": initiative.problem_statement}, gated=gated)
            if can_edit
            else None
        ),
        "new_cause_form": CauseForm(gated=gated) if can_edit else None,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
