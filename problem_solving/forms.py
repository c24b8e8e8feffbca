"""The forms of the root-cause panel (templates/problem_solving/partials/panel.html).
They read what was typed; every rule is the services' (problem_solving.services)."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.text import REASON_MAX_LENGTH
from improvement.models import LONG_TEXT
from problem_solving.models import MAX_WHYS, STATEMENT_TEXT, Cause
from problem_solving.services import Why

# Rows a new chain's form offers: the habit is five whys.
WHY_ROWS = 5


def reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason for the correction"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_("The root-cause gate has passed: a change is a reviewer's correction."),
        widget=forms.TextInput(),
    )


class FiveWhyForm(forms.Form):
    """A chain on one form: its problem, a row per why (a blank row is skipped, so the
    last, empty one adds a why), which why is the root cause, and whether it is
    verified. Without JavaScript a row is removed by emptying it."""

    problem = forms.CharField(
        label=gettext_lazy("Problem"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=LONG_TEXT,
        validators=[MaxLengthValidator(LONG_TEXT)],
    )

    def __init__(self, *args, chain=None, gated: bool = False, **kwargs):
        whys = list(getattr(chain, "whys", []))
        rows = min(MAX_WHYS, max(WHY_ROWS, len(whys) + 1))
        initial = kwargs.pop("initial", {})
        if chain is not None:
            initial["problem"] = chain.problem
            for why in whys:
                initial[f"why_{why.position}"] = why.answer
                if why.is_root_cause:
                    initial["root_cause"] = str(why.position)
                    initial["verified"] = why.verified
        kwargs.setdefault("prefix", f"chain-{chain.pk}" if chain is not None else "new-chain")
        super().__init__(*args, initial=initial, **kwargs)
        for number in range(1, rows + 1):
            self.fields[f"why_{number}"] = forms.CharField(
                label=_("Why %(number)s?") % {"number": number},
                required=False,
                max_length=STATEMENT_TEXT,
            )
        self.fields["root_cause"] = forms.TypedChoiceField(
            label=_("Root cause"),
            choices=[("", _("Not found yet"))]
            + [(str(n), _("Why %(n)s") % {"n": n}) for n in range(1, rows + 1)],
            coerce=int,
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
        )
        self.fields["verified"] = forms.BooleanField(
            label=_("The root cause is verified (the data shows it)"), required=False
        )
        if gated:
            self.fields["reason"] = reason_field()
        self.rows = rows
        self.chain_pk = chain.pk if chain is not None else None

    def why_rows(self) -> list[tuple]:
        """(the why's field, its "root cause" radio button) for each row."""
        radios = list(self["root_cause"])[1:]
        return [(self[f"why_{n}"], radios[n - 1]) for n in range(1, self.rows + 1)]

    def no_root_cause(self):
        """The "not found yet" radio button."""
        return next(iter(self["root_cause"]))

    def clean(self):
        data = super().clean()
        root = data.get("root_cause")
        if root is not None and not (data.get(f"why_{root}") or "").strip():
            self.add_error(
                "root_cause",
                _("Why %(root)s has no answer: it cannot be the root cause.") % {"root": root},
            )
        if data.get("verified") and root is None:
            self.add_error("verified", _("Choose which why is the root cause first."))
        return data

    def whys(self) -> list[Why]:
        """The answered rows in order, numbered anew (a gap closes up)."""
        data = self.cleaned_data
        root = data.get("root_cause")
        whys = []
        for number in range(1, self.rows + 1):
            answer = (data.get(f"why_{number}") or "").strip()
            if answer:
                is_root = number == root
                whys.append(Why(answer, is_root, is_root and bool(data.get("verified"))))
        return whys


class CauseForm(forms.ModelForm):
    """A cause on the fishbone: its 6M category, what it is, and whether it is verified."""

    class Meta:
        model = Cause
        fields = ("category", "text", "verified", "evidence")
        labels = {
            "text": gettext_lazy("Cause"),
            "verified": gettext_lazy("Verified (the data shows it is a cause)"),
            "evidence": gettext_lazy("Evidence"),
        }
        help_texts = {
            "evidence": gettext_lazy("Optional: what showed it, e.g. a Pareto of scrap tags.")
        }
        widgets = {"evidence": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, gated: bool = False, **kwargs):
        instance = kwargs.get("instance")
        kwargs.setdefault("prefix", f"cause-{instance.pk}" if instance else "new-cause")
        super().__init__(*args, **kwargs)
        if gated:
            self.fields["reason"] = reason_field()

    def _post_clean(self):
        # The service validates the model; the form only reads what was typed.
        pass


class DeleteForm(forms.Form):
    """A deletion; after the gate, with the reason for it."""

    def __init__(self, *args, gated: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if gated:
            self.fields["reason"] = reason_field()


class SizeForm(forms.Form):
    """`?size=` of the A3 page: the paper it is laid out for."""

    size = forms.ChoiceField(
        choices=[("a3", gettext_lazy("A3 landscape")), ("a4", gettext_lazy("A4 portrait"))],
        required=False,
    )
