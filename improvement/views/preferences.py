"""Notification settings: how each person hears about each topic — immediately, in the
daily digest, or not at all — and the language the tracker speaks to them in."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services as accounts
from improvement import notifications
from improvement.models import Delivery, NotificationTopic


class NotificationSettingsForm(forms.Form):
    """One choice per topic. The choices are checked here for the page's error messages;
    notifications.save_preferences checks them again, for every other caller."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for topic in NotificationTopic:
            self.fields[topic.value] = forms.ChoiceField(
                label=topic.label,
                choices=Delivery.choices,
                initial=current[topic.value],
                widget=forms.RadioSelect,
            )


class LanguageForm(forms.Form):
    """The language of the pages, notifications and e-mails. The choices are checked
    here for the page; accounts.services.set_language checks them again."""

    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        help_text=gettext_lazy(
            "The language of the pages, your notifications and your e-mails. "
            "“As my browser asks” follows your browser's language setting."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language named in its own language, as language menus do.
        self.fields["language"].choices = [
            ("", _("As my browser asks")),
            *(
                (code, translation.get_language_info(code)["name_local"])
                for code in accounts.language_codes()
            ),
        ]


def _language_form(request, data=None) -> LanguageForm:
    chosen = getattr(request.user, "preferred_language", None) or ""
    return LanguageForm(data, initial={"language": chosen})


@require_POST
def language_settings(request):
    """Saves the person's language, then shows the settings page in it."""
    form = _language_form(request, request.POST)
    if form.is_valid():
        try:
            language = form.cleaned_data["language"]
            accounts.set_language(user=request.user, language=language)
        except ValidationError as exc:
            form.add_error("language", exc)
        else:
            # The confirmation in the language just chosen (the browser's when none).
            browser = translation.get_language_from_request(request)
            with translation.override(language or browser):
                messages.success(request, _("Your language is saved."))
            return redirect("improvement:notification_settings")
    form_ = NotificationSettingsForm(current=notifications.preferences(user=request.user))
    context = {"form": form_, "language_form": form}
    return render(request, "improvement/notification_settings.html", context, status=400)


@require_http_methods(["GET", "POST"])
def notification_settings(request):
    form = NotificationSettingsForm(
        request.POST or None, current=notifications.preferences(user=request.user)
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                notifications.save_preferences(user=request.user, choices=form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("improvement:notification_settings")
        status = 400
    else:
        status = 200
    context = {"form": form, "language_form": _language_form(request)}
    return render(request, "improvement/notification_settings.html", context, status=status)
