"""Notification settings: how each person hears about each topic — immediately, in the
daily digest, or not at all."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

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
                messages.success(request, "Your notification settings are saved.")
                return redirect("improvement:notification_settings")
        status = 400
    else:
        status = 200
    return render(request, "improvement/notification_settings.html", {"form": form}, status=status)
