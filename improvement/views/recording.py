"""Recording numbers on the initiative page: targets and measurements, single or pasted
in bulk. The same services as the API (metrics.services); errors re-render the page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from config.throttling import rate_limited
from improvement import roles
from improvement.models import Initiative
from improvement.views.initiative import initiative_url, load, page
from metrics import services
from metrics.forms import (
    BulkMeasurementForm,
    MeasurementForm,
    TargetForm,
    blank_recording_forms,
)
from metrics.models import MeasurementSource, Target


@require_POST
def target_add(request, pk: int):
    initiative = load(pk, request.user)
    form = TargetForm(request.POST, initiative=initiative)
    if form.is_valid():
        try:
            services.create_target(initiative=initiative, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Target on {form.cleaned_data['metric'].name} added.")
            return redirect(initiative_url(pk) + "#targets")
    return page(request, initiative, status=400, target_form=form)


def _record(request, target_pk: int, form, items_of):
    target = get_object_or_404(Target.objects.select_related("metric"), pk=target_pk)
    initiative = load(target.initiative_id, request.user)
    if form.is_valid():
        items = [{**item, "target": target} for item in items_of(form.cleaned_data)]
        try:
            rows = services.record_measurements(
                actor=request.user, items=items, source=MeasurementSource.WEB
            )
        except services.MeasurementErrors as exc:
            _add_item_errors(form, exc.errors, items)
        else:
            messages.success(
                request,
                f"{len(rows)} measurement{'s' if len(rows) != 1 else ''} of "
                f"{target.metric.name} recorded; results will be recomputed.",
            )
            return redirect(initiative_url(initiative.pk) + f"#target-{target.pk}")
    key = "bulk_forms" if isinstance(form, BulkMeasurementForm) else "measurement_forms"
    return page(request, initiative, status=400, **{key: {target.pk: form}})


def _add_item_errors(form, errors: dict, items: list[dict]) -> None:
    """Put the service's per-item errors on the form, naming the line when pasted."""
    for index, fields in sorted(errors.items()):
        for field, problems in fields.items():
            for problem in problems:
                if field == "target":
                    raise PermissionDenied(problem)
                if "line" in items[index]:
                    form.add_error(None, f"Line {items[index]['line']}: {problem}")
                else:
                    form.add_error(field if field in form.fields else None, problem)


# --- the recording forms, on demand ----------------------------------------------------
# The initiative page keeps its recording panels closed and fetches their forms (htmx)
# when one opens: most visits only read the page. Without JavaScript, the panel's link
# opens the same forms as a page of their own.


@require_GET
def target_form(request, pk: int):
    initiative = get_object_or_404(Initiative.objects.select_related("owner", "sponsor"), pk=pk)
    _check_may_record(request.user, initiative)
    return _forms_page(
        request,
        initiative,
        "improvement/partials/target_form.html",
        title="Add a target",
        target_form=TargetForm(),
    )


@require_GET
def recording_forms(request, pk: int):
    target = get_object_or_404(
        Target.objects.select_related("metric", "initiative__owner", "initiative__sponsor"), pk=pk
    )
    _check_may_record(request.user, target.initiative)
    return _forms_page(
        request,
        target.initiative,
        "improvement/partials/recording_forms.html",
        title=f"Record measurements of {target.metric.name}",
        target=target,
        **blank_recording_forms(target),
    )


def _check_may_record(user, initiative) -> None:
    if not roles.can_record(user, initiative):
        raise PermissionDenied("Only the owner and the team record targets and measurements.")


def _forms_page(request, initiative, partial: str, *, title: str, **context):
    """The forms alone for htmx, else a page around them."""
    context = {"initiative": initiative, "partial": partial, "title": title, **context}
    template = partial if request.htmx else "improvement/recording_page.html"
    return render(request, template, context)


@require_POST
@rate_limited("measurements")
def measurement_add(request, pk: int):
    form = MeasurementForm(request.POST, auto_id=f"id_t{pk}_%s")
    return _record(request, pk, form, lambda data: [data])


@require_POST
@rate_limited("measurements")
def measurement_bulk(request, pk: int):
    form = BulkMeasurementForm(request.POST, auto_id=f"id_t{pk}_%s")
    return _record(request, pk, form, lambda data: data["rows"])
