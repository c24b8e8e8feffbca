from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from improvement import roles, visibility, workflow
from improvement.models import (
    INTAKE_STAGES,
    Comment,
    Initiative,
    Pillar,
    Stage,
    StageTransition,
)
from improvement.people import display_name
from metrics.ids import parse_id

# What each pillar means, for whoever picks one when submitting an idea.
PILLAR_MEANINGS = {
    Pillar.FINANCIAL: gettext_lazy("saves money or earns it (cost, waste, revenue)"),
    Pillar.OPERATIONAL: gettext_lazy(
        "makes the work faster or more reliable (cycle time, errors, throughput)"
    ),
    Pillar.CUSTOMER: gettext_lazy(
        "better for the people we serve (satisfaction, response time, complaints)"
    ),
    Pillar.INNOVATION: gettext_lazy("a new product, service or way of working"),
}
TOO_LONG = gettext_lazy(
    "This has %(show_value)d characters: at most %(limit_value)d characters fit."
)


def _pillar_help() -> str:
    """The pillars and what each means, in the active language (drawn with the form)."""
    meanings = "; ".join(
        f"{Pillar(code).label}: {meaning}" for code, meaning in PILLAR_MEANINGS.items()
    )
    return _("The goal the idea serves most. %(meanings)s.") % {"meanings": meanings}


class IdeaForm(forms.ModelForm):
    """An idea as a contributor submits it. Each text's limit is its model field's; the
    help text says it and static/js/counter.js counts as one types (data-limit). No
    maxlength attribute: a browser cuts a pasted text at it without a word, so an
    over-long text comes back instead, with an error saying how long it is."""

    class Meta:
        model = Initiative
        # The campaign is chosen once, on submission (improvement.services.submit_idea).
        fields = (*roles.IDEA_FIELDS, "campaign")
        labels = {
            "title": gettext_lazy("Title"),
            "problem_statement": gettext_lazy("What is the problem?"),
            "proposed_change": gettext_lazy("What would you change?"),
            "campaign": gettext_lazy("Campaign"),
        }
        help_texts = {
            "title": gettext_lazy(
                "A short headline, at most {limit} characters: the details go below."
            ),
            "problem_statement": (
                gettext_lazy("What happens now, where and how often: at most {limit} characters.")
            ),
            "proposed_change": gettext_lazy("Optional: at most {limit} characters."),
            "pillar": lazy(_pillar_help, str)(),
        }
        error_messages = {
            "title": {
                "max_length": gettext_lazy(
                    "The title has %(show_value)d characters: at most "
                    "%(limit_value)d characters fit. Shorten it and put the details "
                    "in “What is the problem?”."
                )
            },
            "problem_statement": {"max_length": TOO_LONG},
            "proposed_change": {"max_length": TOO_LONG},
            "campaign": {
                "invalid_choice": gettext_lazy(
                    "This campaign is not open for ideas today: choose an open one, or none."
                )
            },
        }
        widgets = {
            "problem_statement": forms.Textarea(attrs={"rows": 4}),
            "proposed_change": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if getattr(field, "max_length", None):
                field.widget.attrs.pop("maxlength", None)
                field.widget.attrs["data-limit"] = field.max_length
                limit = number_format(field.max_length, force_grouping=True)
                field.help_text = field.help_text.format(limit=limit)
        self.fields["area"].empty_label = _("Choose an area")
        self.fields["pillar"].choices = [("", _("Choose a pillar")), *Pillar.choices]
        campaign = self.fields["campaign"]
        campaign.queryset = open_campaigns()
        campaign.empty_label = pgettext("no campaign", "None")
        campaign.help_text = _("Optional: the open campaign (challenge) this idea answers.")


def open_campaigns():
    """The campaigns taking ideas today. (Their model is read through the foreign key:
    improvement does not import the campaigns app built on it.)"""
    campaign_model = Initiative._meta.get_field("campaign").related_model
    return campaign_model.objects.open_on(timezone.localdate()).order_by("closes_on", "pk")


def idea_initial(query, user) -> dict:
    """The idea form's first values from its page's query string: `?campaign=<id>` (a
    campaign page's "Submit an idea") chooses that campaign, and its area and pillar,
    when it is open and `user` may see it; any other value chooses nothing."""
    pk = parse_id(query.get("campaign"))
    if pk is None:
        return {}
    campaigns = visibility.visible(open_campaigns(), user, "")
    campaign = campaigns.filter(pk=pk).values("area", "pillar").first()
    if campaign is None:
        return {}
    return {"campaign": pk, **campaign}


class PeopleIterator(ModelChoiceIterator):
    """Choices from a list loaded once, so several user selects share one query."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for user in self.field.people:
            yield self.choice(user)

    def __len__(self):
        return len(self.field.people) + (self.field.empty_label is not None)


class UserChoiceField(forms.ModelChoiceField):
    iterator = PeopleIterator

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = []

    def label_from_instance(self, user):
        return display_name(user)


def active_users():
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "username")


class TriageForm(forms.ModelForm):
    """What a reviewer decides: scores, estimates, methodology, owner and sponsor."""

    owner = UserChoiceField(queryset=active_users(), required=False)
    sponsor = UserChoiceField(queryset=active_users(), required=False)
    impact = forms.TypedChoiceField(
        label=gettext_lazy("Impact (1–5)"),
        choices=[("", "—")] + [(i, i) for i in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    effort = forms.TypedChoiceField(
        label=gettext_lazy("Effort (1–5)"),
        choices=[("", "—")] + [(i, i) for i in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Initiative
        fields = roles.TRIAGE_FIELDS
        labels = {
            "impact": gettext_lazy("Impact (1–5)"),
            "effort": gettext_lazy("Effort (1–5)"),
            "estimated_annual_benefit": gettext_lazy("Estimated annual benefit"),
            "confidence": gettext_lazy("Confidence (0–1)"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = list(active_users())
        for name in ("owner", "sponsor"):
            self.fields[name].queryset = active_users()  # what a POST is checked against
            self.fields[name].people = people
        if self.instance.stage not in INTAKE_STAGES:
            self.fields["methodology"].disabled = True
            self.fields["methodology"].help_text = _("Fixed once work has started.")


class ScoreForm(forms.ModelForm):
    """Rescoring from the matrix: just impact and effort."""

    class Meta:
        model = Initiative
        fields = ["impact", "effort"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].required = True
            self.fields[name].widget = forms.Select(choices=[(i, i) for i in range(1, 6)])


class ExecutionForm(forms.ModelForm):
    """What the owner and sponsor record as the work goes on."""

    class Meta:
        model = Initiative
        fields = roles.EXECUTION_FIELDS
        labels = {"implemented_on": gettext_lazy("Change went live on")}
        widgets = {
            "root_cause": forms.Textarea(attrs={"rows": 3}),
            "control_plan": forms.Textarea(attrs={"rows": 3}),
            "decision_note": forms.Textarea(attrs={"rows": 2}),
            "implemented_on": forms.DateInput(attrs={"type": "date"}),
        }


def limit_of(model, field: str) -> int:
    """A text field's length limit, from the model (improvement.models.limited_text)."""
    return model._meta.get_field(field).max_length


class MoveForm(forms.Form):
    """A stage move. Neither the note nor the duplicate's number is required here: which
    a move needs is its gate's to say (a rejection takes either), in the workflow."""

    to = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        required=False,
        max_length=limit_of(StageTransition, "note"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    duplicate_of = forms.ModelChoiceField(
        queryset=Initiative.objects.all(),
        required=False,
        widget=forms.NumberInput,
        label=gettext_lazy("Duplicate of (idea number)"),
        error_messages={"invalid_choice": gettext_lazy("There is no idea with that number.")},
    )


class TriageDecisionForm(TriageForm):
    """Triage in one step, for a submitted idea: the reviewer's triage fields and the
    decision, given by the button pressed — accept to the backlog, or reject with a reason
    or the number of the idea it duplicates. Whether the decision may be made is the
    workflow's to say (improvement.views.initiative.decide)."""

    ACCEPT, REJECT = "accept", "reject"

    decision = forms.ChoiceField(
        choices=[(ACCEPT, gettext_lazy("Accept to backlog")), (REJECT, gettext_lazy("Reject"))],
        widget=forms.HiddenInput,
        error_messages={"required": gettext_lazy("Choose “Accept to backlog” or “Reject”.")},
    )
    accept_note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=limit_of(StageTransition, "note"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Neither is required: a rejection takes either, which the workflow's gate checks.
    note = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=limit_of(StageTransition, "note"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    duplicate_of = forms.ModelChoiceField(
        queryset=Initiative.objects.all(),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1}),
        label=gettext_lazy("Or duplicate of idea number"),
        error_messages={"invalid_choice": gettext_lazy("There is no idea with that number.")},
    )

    def clean(self):
        cleaned = super().clean()
        # Enter in a one-line field presses the form's first button, "Accept to backlog":
        # a rejection's reason or number says the reviewer meant the other one.
        if cleaned.get("decision") == self.ACCEPT:
            for name in ("note", "duplicate_of"):
                if cleaned.get(name):
                    self.add_error(
                        name, _("This is for a rejection: press “Reject”, or clear it to accept.")
                    )
        return cleaned

    @property
    def triage_fields(self):
        return [self[name] for name in roles.TRIAGE_FIELDS]

    @property
    def to(self) -> str:
        """The stage the decision moves to."""
        return Stage.BACKLOG if self.cleaned_data["decision"] == self.ACCEPT else Stage.REJECTED

    @property
    def move_note(self) -> str:
        field = "accept_note" if self.cleaned_data["decision"] == self.ACCEPT else "note"
        return self.cleaned_data[field]

    def field_for(self, fix: str | None) -> str | None:
        """The form field that fixes a workflow condition (improvement.workflow.fixed_by),
        else None: the move's note is this decision's note field."""
        if fix == "note" and self.data.get("decision") == self.ACCEPT:
            fix = "accept_note"
        return fix if fix in self.fields and fix != "decision" else None


class CommentForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=limit_of(Comment, "body"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- query strings and small posts ------------------------------------------------------
# What a page reads from the query string or a button's post goes through a form too, so
# a value the database cannot take (a NUL character, which PostgreSQL refuses in text; a
# number out of range) is refused by the form's fields before any query is built.


class SimilarIdeasForm(forms.Form):
    """`/ideas/similar/?title=`: the title being typed."""

    title = forms.CharField(required=False, max_length=limit_of(Initiative, "title"))


class NotificationReadForm(forms.Form):
    """`POST /notifications/read/`: one notification's `id`, or none for all of them."""

    id = forms.IntegerField(required=False, min_value=1)


class FixForm(forms.Form):
    """`?fix=`: the condition a gate's link leads to; the page opens the form that fixes it."""

    fix = forms.ChoiceField(
        required=False,
        choices=[("", "")] + [(fix, fix) for fix in sorted(set(workflow.FIXED_BY.values()))],
    )


class ActivityPageForm(forms.Form):
    """`?activity=`: which page of the initiative page's timeline, 1 = the newest."""

    activity = forms.IntegerField(required=False, min_value=1, max_value=100_000)
