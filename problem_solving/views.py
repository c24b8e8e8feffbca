"""The root-cause panel's forms (5-whys and the fishbone's causes) and the A3 page.

Each form posts here and, saved, redirects to the initiative page's panel with a message
(POST/redirect/GET). Refused for its values, it comes back on a page of its own with
what was typed and what to fix (400), so a long answer is never lost; refused for the
user's role, it is a 403. None of it needs JavaScript.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from improvement import visibility
from improvement.models import Initiative
from problem_solving import a3 as a3_sheet
from problem_solving import rules, services
from problem_solving.forms import CauseForm, DeleteForm, FiveWhyForm
from problem_solving.models import Cause, FiveWhy


def panel_url(initiative_pk: int) -> str:
    return reverse("improvement:initiative", args=[initiative_pk]) + "#analysis"


def _editable(request, initiative: Initiative) -> bool:
    """The role before the values: someone who may not edit learns that (403) first."""
    if not rules.can_edit(request.user, initiative):
        raise PermissionDenied(_("You may not change this initiative's root-cause analysis."))
    return rules.is_gated(initiative)


def _refused(request, form, *, initiative, title: str, action: str):
    """The form again, as typed, with its errors: a page of its own (400)."""
    context = {"form": form, "initiative": initiative, "title": title, "action": action}
    return render(request, "problem_solving/edit.html", context, status=400)


def _saved(request, initiative_pk: int, message: str):
    messages.success(request, message)
    return redirect(panel_url(initiative_pk))


def _apply(form, call) -> bool:
    """Run the service `call`; a ValidationError becomes the form's errors."""
    try:
        call()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return False
    return True


def _load(pk: int, user) -> Initiative:
    return get_object_or_404(visibility.visible_initiatives(user).prefetch_related("team"), pk=pk)


# --- 5-why chains ---------------------------------------------------------------------------


@require_POST
def five_why_add(request, pk: int):
    initiative = _load(pk, request.user)
    gated = _editable(request, initiative)
    form = FiveWhyForm(request.POST, gated=gated)
    if form.is_valid() and _apply(
        form,
        lambda: services.create_five_why(
            initiative=initiative,
            actor=request.user,
            problem=form.cleaned_data["problem"],
            steps=form.whys(),
            reason=form.cleaned_data.get("reason", ""),
        ),
    ):
        return _saved(request, pk, "5-why added.")
    url = reverse("problem_solving:five_why_add", args=[pk])
    return _refused(request, form, initiative=initiative, title="Start a 5-why", action=url)


@require_POST
def five_why_edit(request, pk: int):
    chain = get_object_or_404(
        visibility.visible(FiveWhy.objects.select_related("initiative"), request.user), pk=pk
    )
    initiative = chain.initiative
    gated = _editable(request, initiative)
    chain.whys = list(chain.steps.order_by("position"))
    form = FiveWhyForm(request.POST, chain=chain, gated=gated)
    if form.is_valid() and _apply(
        form,
        lambda: services.update_five_why(
            chain=chain,
            actor=request.user,
            problem=form.cleaned_data["problem"],
            steps=form.whys(),
            reason=form.cleaned_data.get("reason", ""),
        ),
    ):
        return _saved(request, initiative.pk, "5-why saved.")
    url = reverse("problem_solving:five_why_edit", args=[pk])
    return _refused(request, form, initiative=initiative, title="Edit the 5-why", action=url)


@require_POST
def five_why_delete(request, pk: int):
    chain = get_object_or_404(
        visibility.visible(FiveWhy.objects.select_related("initiative"), request.user), pk=pk
    )
    initiative = chain.initiative
    gated = _editable(request, initiative)
    form = DeleteForm(request.POST, gated=gated, prefix=f"delete-chain-{pk}")
    if form.is_valid() and _apply(
        form,
        lambda: services.delete_five_why(
            chain=chain, actor=request.user, reason=form.cleaned_data.get("reason", "")
        ),
    ):
        return _saved(request, initiative.pk, "5-why deleted.")
    url = reverse("problem_solving:five_why_delete", args=[pk])
    return _refused(request, form, initiative=initiative, title="Delete the 5-why", action=url)


# --- the fishbone ---------------------------------------------------------------------------


@require_POST
def cause_add(request, pk: int):
    initiative = _load(pk, request.user)
    gated = _editable(request, initiative)
    form = CauseForm(request.POST, gated=gated)
    if form.is_valid() and _apply(
        form,
        lambda: services.add_cause(
            initiative=initiative,
            actor=request.user,
            **{name: form.cleaned_data[name] for name in services.CAUSE_FIELDS},
            reason=form.cleaned_data.get("reason", ""),
        ),
    ):
        return _saved(request, pk, "Cause added to the fishbone.")
    url = reverse("problem_solving:cause_add", args=[pk])
    return _refused(request, form, initiative=initiative, title="Add a cause", action=url)


@require_POST
def cause_edit(request, pk: int):
    cause = get_object_or_404(
        visibility.visible(Cause.objects.select_related("initiative"), request.user), pk=pk
    )
    initiative = cause.initiative
    gated = _editable(request, initiative)
    form = CauseForm(request.POST, instance=Cause.objects.get(pk=pk), gated=gated)
    if form.is_valid() and _apply(
        form,
        lambda: services.update_cause(
            cause=cause,
            actor=request.user,
            changes={name: form.cleaned_data[name] for name in services.CAUSE_FIELDS},
            reason=form.cleaned_data.get("reason", ""),
        ),
    ):
        return _saved(request, initiative.pk, "Cause saved.")
    url = reverse("problem_solving:cause_edit", args=[pk])
    return _refused(request, form, initiative=initiative, title="Edit the cause", action=url)


@require_POST
def cause_delete(request, pk: int):
    cause = get_object_or_404(
        visibility.visible(Cause.objects.select_related("initiative"), request.user), pk=pk
    )
    initiative = cause.initiative
    gated = _editable(request, initiative)
    form = DeleteForm(request.POST, gated=gated, prefix=f"delete-cause-{pk}")
    if form.is_valid() and _apply(
        form,
        lambda: services.delete_cause(
            cause=cause, actor=request.user, reason=form.cleaned_data.get("reason", "")
        ),
    ):
        return _saved(request, initiative.pk, "Cause deleted.")
    url = reverse("problem_solving:cause_delete", args=[pk])
    return _refused(request, form, initiative=initiative, title="Delete the cause", action=url)


# --- the A3 ---------------------------------------------------------------------------------


def a3(request, pk: int):
    """The A3 / charter page, laid out for printing (`?size=a4` for A4)."""
    sheet = a3_sheet.build(pk=pk, user=request.user, size=request.GET.get("size"))
    return render(request, "problem_solving/a3.html", sheet.context())


def a3_pdf(request, pk: int):
    """The A3 as a PDF, drawn by WeasyPrint from the same page; nothing is fetched but
    this site's static files, read from disk (problem_solving.pdf)."""
    from problem_solving import pdf  # WeasyPrint loads Pango: only when a PDF is asked for

    sheet = a3_sheet.build(pk=pk, user=request.user, size=request.GET.get("size"))
    document = pdf.render(
        request,
        "problem_solving/a3.html",
        sheet.context(pdf=True),
        base_url=request.build_absolute_uri("/"),
    )
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="a3-{pk}-{sheet.size}.pdf"'
    return response
