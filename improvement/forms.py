from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import ModelChoiceIterator

from improvement import roles
from improvement.models import INTAKE_STAGES, Comment, Initiative, Stage, StageTransition
from improvement.people import display_name


class IdeaForm(forms.ModelForm):
    class Meta:
        model = Initiative
        fields = roles.IDEA_FIELDS
        labels = {
            "title": "Title",
            "problem_statement": "What is the problem?",
            "proposed_change": "What would you change?",
        }
        widgets = {
            "problem_statement": forms.Textarea(attrs={"rows": 4}),
            "proposed_change": forms.Textarea(attrs={"rows": 3}),
        }


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
        label="Impact (1–5)",
        choices=[("", "—")] + [(i, i) for i in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    effort = forms.TypedChoiceField(
        label="Effort (1–5)",
        choices=[("", "—")] + [(i, i) for i in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Initiative
        fields = roles.TRIAGE_FIELDS
        labels = {
            "impact": "Impact (1–5)",
            "effort": "Effort (1–5)",
            "estimated_annual_benefit": "Estimated annual benefit",
            "confidence": "Confidence (0–1)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = list(active_users())
        for name in ("owner", "sponsor"):
            self.fields[name].queryset = active_users()  # what a POST is checked against
            self.fields[name].people = people
        if self.instance.stage not in INTAKE_STAGES:
            self.fields["methodology"].disabled = True
            self.fields["methodology"].help_text = "Fixed once work has started."


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
        labels = {"implemented_on": "Change went live on"}
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
        label="Duplicate of (idea number)",
        error_messages={"invalid_choice": "There is no idea with that number."},
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
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


class ActivityPageForm(forms.Form):
    """`?activity=`: which page of the initiative page's timeline, 1 = the newest."""

    activity = forms.IntegerField(required=False, min_value=1, max_value=100_000)
