"""Recording numbers from the initiative page: targets and measurements, single or
pasted in bulk. The same services as the API; errors re-render the page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from improvement.views.initiative import initiative_url, load, page
from metrics import services
from metrics.forms import BulkMeasurementForm, MeasurementForm, TargetForm
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


@require_POST
def measurement_add(request, pk: int):
    form = MeasurementForm(request.POST, auto_id=f"id_t{pk}_%s")
    return _record(request, pk, form, lambda data: [data])


@require_POST
def measurement_bulk(request, pk: int):
    form = BulkMeasurementForm(request.POST, auto_id=f"id_t{pk}_%s")
    return _record(request, pk, form, lambda data: data["rows"])
