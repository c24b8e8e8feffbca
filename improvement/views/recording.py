"""Recording numbers on the initiative page: targets and measurements, single or pasted
in bulk, and their corrections — a target edited or deleted, a measurement corrected or
deleted, with the reason kept in the history. The same services as the API
(metrics.services), which decide who may and what is refused; a refused recording
re-renders the initiative page, a refused correction its form (400)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.throttling import rate_limited
from improvement import roles, visibility
from improvement.views.initiative import initiative_url, load, page
from metrics import services
from metrics.forms import (
    BulkMeasurementForm,
    DeletionForm,
    MeasurementCorrectionForm,
    MeasurementForm,
    TargetEditForm,
    TargetForm,
    blank_recording_forms,
)
from metrics.models import Measurement, MeasurementSource, Target


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
            messages.success(
                request, _("Target on %(name)s added.") % {"name": form.cleaned_data["metric"].name}
            )
            return redirect(initiative_url(pk) + "#targets")
    return page(request, initiative, status=400, target_form=form)


def _record(request, target_pk: int, form, items_of):
    target = get_object_or_404(
        visibility.visible(Target.objects.select_related("metric"), request.user), pk=target_pk
    )
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
                ngettext(
                    "%(count)d measurement of %(name)s recorded; results will be recomputed.",
                    "%(count)d measurements of %(name)s recorded; results will be recomputed.",
                    len(rows),
                )
                % {"count": len(rows), "name": target.metric.name},
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
                    form.add_error(
                        None,
                        _("Line %(line)s: %(problem)s")
                        % {"line": items[index]["line"], "problem": problem},
                    )
                else:
                    form.add_error(field if field in form.fields else None, problem)


# --- the recording forms, on demand ----------------------------------------------------
# The initiative page keeps its recording panels closed and fetches their forms (htmx)
# when one opens: most visits only read the page. Without JavaScript, the panel's link
# opens the same forms as a page of their own.


@require_GET
def target_form(request, pk: int):
    initiative = get_object_or_404(
        visibility.visible_initiatives(request.user).select_related("owner", "sponsor"), pk=pk
    )
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
    """The target's recording forms (for the owner and the team), then its newest
    measurements, MEASUREMENTS_PER_PAGE a page (`?page=`), each with its correction and
    deletion (reviewers see these too: they correct a frozen baseline)."""
    target = _target(pk, request.user)
    _check_may_correct(request.user, target.initiative)
    can_record = roles.can_record(request.user, target.initiative)
    return _forms_page(
        request,
        target.initiative,
        "improvement/partials/recording_forms.html",
        title=_("Record measurements of %(name)s") % {"name": target.metric.name},
        target=target,
        can_record=can_record,
        measurements=measurements_page(target, page=_page_number(request)),
        **(blank_recording_forms(target) if can_record else {}),
    )


MEASUREMENTS_PER_PAGE = 50


def measurements_page(target: Target, *, page: int) -> dict:
    """One page of the target's measurements, newest first: one query, one row more than
    a page to learn whether older ones exist (no COUNT)."""
    start = (page - 1) * MEASUREMENTS_PER_PAGE
    rows = list(
        Measurement.objects.filter(target=target)
        .order_by("-observed_at", "-id")
        .only("observed_at", "value", "sample_size", "source", "target_id")[
            start : start + MEASUREMENTS_PER_PAGE + 1
        ]
    )
    return {
        "rows": rows[:MEASUREMENTS_PER_PAGE],
        "page": page,
        "has_older": len(rows) > MEASUREMENTS_PER_PAGE,
    }


def _page_number(request) -> int:
    """`?page=` as a page number; the first page for anything else."""
    text = request.GET.get("page", "")
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 10**6 else 1


def _target(pk: int, user) -> Target:
    """The target, its metric, and its initiative with what the roles read (404 if none,
    or if `user` may not see its initiative)."""
    return get_object_or_404(
        visibility.visible(
            Target.objects.select_related(
                "metric", "initiative__owner", "initiative__sponsor"
            ).prefetch_related("initiative__team"),
            user,
        ),
        pk=pk,
    )


def _check_may_record(user, initiative) -> None:
    if not roles.can_record(user, initiative):
        raise PermissionDenied(_("Only the owner and the team record targets and measurements."))


def _check_may_correct(user, initiative) -> None:
    """Who may open a correction at all; the service then says what they may change."""
    if not (roles.can_record(user, initiative) or roles.reviews(user, initiative)):
        raise PermissionDenied(
            _("Only the owner, the team and reviewers correct targets and measurements.")
        )


def _forms_page(request, initiative, partial: str, *, title: str, status: int = 200, **context):
    """The forms alone for htmx, else a page around them."""
    context = {"initiative": initiative, "partial": partial, "title": title, **context}
    template = partial if request.htmx else "improvement/recording_page.html"
    return render(request, template, context, status=status)


# --- corrections ------------------------------------------------------------------------
# Each form is a page of its own (fetched into the recording page by htmx); it posts as a
# plain form. Done, it redirects to the initiative page with a message (POST/redirect/
# GET); refused, the form comes back with the service's words on it (400). The services'
# PermissionDenied (say, an owner deleting a frozen target) is a 403.


def _refused(form, exc: ValidationError) -> None:
    """Put the service's refusal on the form: on the field it names when the form has it,
    else above the form, naming the field."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        for error in errors:
            for message in error.messages:
                if field in form.fields:
                    form.add_error(field, message)
                elif field == "__all__":
                    form.add_error(None, message)
                else:
                    form.add_error(None, f"{field.replace('_', ' ').capitalize()}: {message}")


def _posted(request):
    """The posted data, or None on a GET: the form bound only when something was sent."""
    return request.POST if request.method == "POST" else None


def _done(request, target: Target, message: str):
    messages.success(request, message)
    return redirect(initiative_url(target.initiative_id) + f"#target-{target.pk}")


@require_http_methods(["GET", "POST"])
def target_edit(request, pk: int):
    target = _target(pk, request.user)  # as it stands, for the page
    _check_may_correct(request.user, target.initiative)
    reviewer = roles.reviews(request.user, target.initiative)
    # The form and the service work on a copy: a ModelForm writes what it validates into
    # its instance (and the service what it checks), while the page names the target as
    # it stands. The copy still knows its evidence as loaded (Target.from_db), which is
    # what the service compares.
    editing = Target.objects.select_related("metric", "initiative").get(pk=pk)
    options = {"instance": editing, "reviewer": reviewer, "auto_id": f"id_target{pk}_%s"}
    form = TargetEditForm(_posted(request), **options)
    if request.method == "GET":
        return _target_form(request, target, form, reviewer=reviewer)
    if form.is_valid():
        changes = form.changes()
        if not changes:
            return _done(request, target, _("Nothing changed."))
        try:
            services.update_target(
                target=editing,
                actor=request.user,
                changes=changes,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _done(
                request, target, _("Target on %(name)s saved.") % {"name": editing.metric.name}
            )
    return _target_form(request, target, form, reviewer=reviewer, status=400)


def _target_form(request, target: Target, form, *, reviewer: bool, status: int = 200):
    return _forms_page(
        request,
        target.initiative,
        "improvement/partials/target_edit_form.html",
        title=_("Edit the target on %(name)s") % {"name": target.metric.name},
        target=target,
        form=form,
        reviewer=reviewer,
        status=status,
    )


@require_http_methods(["GET", "POST"])
def target_delete(request, pk: int):
    target = _target(pk, request.user)
    _check_may_correct(request.user, target.initiative)
    # Before the freeze the owner and the team delete it; after, a reviewer, with a reason.
    allowed = (
        roles.reviews(request.user, target.initiative)
        if target.is_frozen
        else roles.can_record(request.user, target.initiative)
    )
    form = DeletionForm(
        _posted(request), always=target.is_frozen, auto_id=f"id_target{pk}_delete_%s"
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            name = target.metric.name
            try:
                services.delete_target(
                    target=target, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("Target on %(name)s deleted.") % {"name": name})
                return redirect(initiative_url(target.initiative_id) + "#targets")
    return _forms_page(
        request,
        target.initiative,
        "improvement/partials/target_delete_form.html",
        title=_("Delete the target on %(name)s") % {"name": target.metric.name},
        target=target,
        form=form,
        allowed=allowed,
        status=status,
    )


def _measurement(pk: int, user) -> Measurement:
    """The measurement, its target and metric, and the initiative with what the roles and
    the service read (404 if none, or if `user` may not see its initiative)."""
    return get_object_or_404(
        visibility.visible(
            Measurement.objects.select_related(
                "target__metric", "target__initiative__owner", "target__initiative__sponsor"
            ).prefetch_related("target__initiative__team"),
            user,
            "target__initiative",
        ),
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
def measurement_edit(request, pk: int):
    measurement = _measurement(pk, request.user)
    target = measurement.target
    _check_may_correct(request.user, target.initiative)
    initial = _as_it_was(measurement)
    form = MeasurementCorrectionForm(_posted(request), initial=initial, auto_id=f"id_m{pk}_%s")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes = form.changes()
            if not changes:
                return _done(request, target, _("Nothing changed."))
            try:
                services.correct_measurement(
                    measurement=measurement,
                    actor=request.user,
                    changes=changes,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                return _done(
                    request,
                    target,
                    _("Measurement of %(name)s corrected.") % {"name": target.metric.name},
                )
    return _measurement_page(
        request, target, initial, "measurement_correction_form.html", form, "Correct", status
    )


@require_http_methods(["GET", "POST"])
def measurement_delete(request, pk: int):
    measurement = _measurement(pk, request.user)
    target = measurement.target
    _check_may_correct(request.user, target.initiative)
    was = _as_it_was(measurement)
    form = DeletionForm(_posted(request), auto_id=f"id_m{pk}_delete_%s")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.delete_measurement(
                    measurement=measurement,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                return _done(
                    request,
                    target,
                    _("Measurement of %(name)s deleted.") % {"name": target.metric.name},
                )
    return _measurement_page(
        request, target, was, "measurement_delete_form.html", form, "Delete", status
    )


def _as_it_was(measurement: Measurement) -> dict:
    """The measurement as loaded, for the page: a refused correction leaves the typed
    values on the object (the service sets them before it checks them)."""
    return {
        "pk": measurement.pk,
        "observed_at": measurement.observed_at,
        "value": measurement.value,
        "sample_size": measurement.sample_size,
    }


def _measurement_page(request, target, was: dict, partial: str, form, verb: str, status: int):
    return _forms_page(
        request,
        target.initiative,
        f"improvement/partials/{partial}",
        title=_("%(verb)s the measurement of %(name)s at %(localtime)s")
        % {
            "verb": verb,
            "name": target.metric.name,
            "localtime": date_format(timezone.localtime(was["observed_at"]), "DATETIME_FORMAT"),
        },
        target=target,
        was=was,
        form=form,
        status=status,
    )


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
