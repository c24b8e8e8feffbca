"""Action items on the initiative page: add, edit, tick off. Each posts a plain form:
without JavaScript the answer is a redirect to the initiative page with a message
(POST/redirect/GET), or the form again with what to fix (400); with htmx it is the
action items panel, redrawn (400 when refused, static/actions/actions.js swaps it in).
The service (actions.services) decides who may and what is refused."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from actions import roles, selectors, services
from actions.forms import ActionForm, StatusForm
from actions.models import ActionItem, ActionStatus
from improvement import visibility
from improvement.models import Initiative

DONE_WORDS = {
    ActionStatus.DONE: "Marked “{}” done.",
    ActionStatus.CANCELLED: "Cancelled “{}”.",
    ActionStatus.OPEN: "Reopened “{}”.",
}


def _initiative(pk: int, user) -> Initiative:
    """The initiative with what the role checks read (its team); 404 if `user` may not
    see it."""
    return get_object_or_404(visibility.visible_initiatives(user).prefetch_related("team"), pk=pk)


def _action(pk: int, user) -> ActionItem:
    action = get_object_or_404(visibility.visible(ActionItem.objects.all(), user), pk=pk)
    action.initiative = _initiative(action.initiative_id, user)
    return action


def panel_url(initiative_pk: int) -> str:
    return reverse("improvement:initiative", args=[initiative_pk]) + "#actions"


@require_POST
def action_add(request, pk: int):
    initiative = _initiative(pk, request.user)
    # The role before the values: someone who may not add learns that (403) first.
    if not roles.can_manage(request.user, initiative):
        raise PermissionDenied(_("Only the owner, the team or a reviewer can add action items."))
    form = ActionForm.for_new(initiative, request.POST)
    if form.is_valid():
        try:
            services.create_action(initiative=initiative, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _done(request, initiative, f"Action “{form.cleaned_data['title']}” added.")
    if request.htmx:
        return _panel(request, initiative, status=400, form=form)
    return _form_page(
        request, initiative, form, "Add an action item", reverse("actions:add", args=[pk])
    )


@require_http_methods(["GET", "POST"])
def action_edit(request, pk: int):
    """The edit form (GET: a page of its own, or the form alone for htmx), and saving it."""
    action = _action(pk, request.user)
    initiative = action.initiative
    if not roles.can_manage(request.user, initiative):
        raise PermissionDenied(_("Only the owner, the team or a reviewer can edit action items."))
    url = reverse("actions:edit", args=[pk])
    if request.method == "GET":
        form = ActionForm.for_edit(action)
        if request.htmx:
            return render(
                request, "actions/partials/edit_form.html", {"edit_form": form, "action": action}
            )
        return _form_page(request, initiative, form, f"Edit “{action.title}”", url)
    form = ActionForm.for_edit(action, request.POST)
    if form.is_valid():
        try:
            services.update_action(action=action, actor=request.user, changes=form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _done(request, initiative, f"Action “{action.title}” saved.")
    if request.htmx:
        return _panel(request, initiative, status=400, edit_form=form, edited=action)
    return _form_page(request, initiative, form, f"Edit “{action.title}”", url)


@require_POST
def action_status(request, pk: int):
    """Tick an action off (done or cancelled) or open it again."""
    action = _action(pk, request.user)
    initiative = action.initiative
    if not roles.can_tick(request.user, action, initiative):
        raise PermissionDenied(
            _("Only the assignee, the owner, the team or a reviewer can tick off this action.")
        )
    form = StatusForm(request.POST)
    problem = ""
    if not form.is_valid():
        problem = "That status was not understood: choose done, cancelled or open."
    else:
        status = form.cleaned_data["status"]
        try:
            services.set_status(action=action, actor=request.user, status=status)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        else:
            return _done(request, initiative, DONE_WORDS[status].format(action.title))
    if request.htmx:
        return _panel(request, initiative, status=400, problem=problem)
    return render(
        request,
        "actions/action_form_page.html",
        {"initiative": initiative, "title": "Not changed", "problem": problem},
        status=400,
    )


# --- answers --------------------------------------------------------------------------------


def _done(request, initiative: Initiative, message: str):
    if request.htmx:
        return _panel(request, initiative, notice=message)
    messages.success(request, message)
    return redirect(panel_url(initiative.pk))


def _panel(request, initiative: Initiative, *, status: int = 200, problem: str = "", **kwargs):
    context = selectors.panel(initiative, request.user, **kwargs)
    context["problem"] = problem
    return render(request, "actions/partials/panel_section.html", context, status=status)


def _form_page(request, initiative: Initiative, form: ActionForm, title: str, url: str):
    """The form alone, as a page: what comes back when a form posted without JavaScript
    is refused (400), and the edit form's page."""
    status = 400 if form.is_bound else 200
    context = {"initiative": initiative, "title": title, "form": form, "url": url}
    return render(request, "actions/action_form_page.html", context, status=status)


def _add_errors(form: ActionForm, exc: ValidationError) -> None:
    """The service's refusal on the form: each message under its field, if the form has
    it, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)
