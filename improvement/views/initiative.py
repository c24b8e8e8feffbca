"""The initiative page and the actions taken on it. A stage move, made or refused,
redirects to the page (POST/redirect/GET) with a message: what was done, or what is
still missing. A refused triage decision redirects too, and the page shows the decision
form again as it was filled in, with a banner linking to each field to fix. A refused
edit or comment re-renders the page with the form's errors. Only an action outside the
user's role is an error page (403)."""

from bisect import bisect_right
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from attachments import forms as attachment_forms
from attachments import services as attachment_services
from improvement import roles, services, visibility, workflow
from improvement.forms import (
    ActivityPageForm,
    CommentForm,
    ExecutionForm,
    FixForm,
    MoveForm,
    TriageDecisionForm,
    TriageForm,
)
from improvement.models import (
    DMAIC_STAGES,
    INTAKE_STAGES,
    LONG_TEXT,
    PDCA_STAGES,
    Initiative,
    Stage,
    Support,
)
from improvement.views.gates import FixLinks, problems
from metrics import facts, history, selectors
from metrics.forms import TargetForm, blank_recording_forms


def load(pk: int, user) -> Initiative:
    """The initiative with what the page shows, in a fixed number of queries; 404 for one
    the user may not see (improvement.visibility)."""
    return get_object_or_404(
        visibility.visible_initiatives(user)
        .with_priority()
        .with_support_count()
        .select_related("area", "owner", "sponsor", "submitted_by", "duplicate_of")
        .prefetch_related("team")
        .annotate(supported=Exists(Support.objects.filter(initiative=OuterRef("pk"), user=user))),
        pk=pk,
    )


def steps(initiative: Initiative) -> list[dict]:
    """The stage stepper: the methodology's stages, each done, current or to come."""
    path = list(INTAKE_STAGES)
    if initiative.methodology == "pdca":
        path += [*PDCA_STAGES, Stage.COMPLETED]
    elif initiative.methodology == "dmaic":
        path += [*DMAIC_STAGES, Stage.COMPLETED]
    current = initiative.held_from or initiative.stage
    index = path.index(current) if current in path else -1
    return [
        {"stage": Stage(stage), "state": "done" if i < index else "current" if i == index else ""}
        for i, stage in enumerate(path)
    ]


def page(request, initiative: Initiative, *, status: int = 200, **forms):
    """Render the initiative page; `forms` replace the blank forms (to show errors).

    A gate's link to its fix (`?fix=`, see FixLinks) opens the form that fixes it, with
    the field focused."""
    user = request.user
    fix = fix_asked(request)
    can_record = roles.can_record(user, initiative)
    targets = selectors.targets_for_page(initiative=initiative)
    primary = next((t for t in targets if t.is_primary), None)
    # The recording forms come with the page only to show a refused one's errors, or when
    # a gate's link asks for them; else the page fetches them when their panel opens
    # (improvement.views.recording).
    bound_single = forms.pop("measurement_forms", {})
    bound_bulk = forms.pop("bulk_forms", {})
    for target in targets:
        target.measurement_form = target.bulk_form = None
        asked = fix == workflow.MEASUREMENT and target is primary and can_record
        if target.pk in bound_single or target.pk in bound_bulk or asked:
            blank = blank_recording_forms(target)
            target.measurement_form = bound_single.get(target.pk) or blank["measurement_form"]
            target.bulk_form = bound_bulk.get(target.pk) or blank["bulk_form"]
            if asked:
                _focus(target.measurement_form, "observed_at")
    # A reviewer of this initiative: of its area, when their triage is scoped to areas.
    is_reviewer = roles.reviews(user, initiative)
    can_execute = not roles.editable_fields(user, initiative).isdisjoint(roles.EXECUTION_FIELDS)
    # Forms only for those who may use them: each costs a query to draw its choices.
    triage_form = forms.pop("triage_form", None)
    # A submitted idea is triaged in one step (`decide`), unless the separate triage
    # form (`triage`, for re-scoring the backlog) comes back with its errors.
    deciding = is_reviewer and initiative.stage == Stage.SUBMITTED and triage_form is None
    decision_form = forms.pop("decision_form", None)
    if deciding:
        decision_form = decision_form or TriageDecisionForm(instance=initiative)
    else:
        decision_form = None
        triage_form = triage_form or (TriageForm(instance=initiative) if is_reviewer else None)
    execution_form = forms.pop("execution_form", None) or (
        ExecutionForm(instance=initiative) if can_execute else None
    )
    target_form = forms.pop("target_form", None)
    if target_form is None and fix == workflow.NEW_TARGET and can_record:
        target_form = _focus(TargetForm(initiative=initiative), "metric")
    for form, fields in (
        (triage_form, roles.TRIAGE_FIELDS),
        (execution_form, roles.EXECUTION_FIELDS),
    ):
        if form is not None and not form.is_bound and fix in fields:
            _focus(form, fix)

    moves = shown_moves(initiative, user, deciding=deciding)
    freezing = [m for m in moves if (initiative.stage, m.to) in workflow.FREEZING_MOVES]
    # What the freeze would take, only where a move freezes: one query.
    preview = facts.baseline_preview(initiative_id=initiative.pk) if freezing else []
    links = FixLinks(
        is_reviewer=is_reviewer,
        can_execute=can_execute,
        can_record=can_record,
        targets=targets,
        preview=preview,
    )
    context = {
        "initiative": initiative,
        "steps": steps(initiative),
        "moves": [links.step(option, initiative=initiative) for option in moves],
        "baseline_preview": preview,
        "is_reviewer": is_reviewer,
        "can_execute": can_execute,
        "can_record": can_record,
        "targets": targets,
        "activity": activity(initiative, page=activity_page(request)),
        "decision_form": decision_form,
        "triage_form": triage_form,
        "execution_form": execution_form,
        "open_panel": fix,
        "problems": problems(
            decision_form=decision_form, triage_form=triage_form, execution_form=execution_form
        ),
        "comment_form": forms.pop("comment_form", None) or CommentForm(),
        "target_form": target_form,
        **forms,
    }
    return render(request, "improvement/initiative.html", context, status=status)


def _focus(form, name: str):
    """The field a gate's link leads to gets the focus when the page loads."""
    form.fields[name].widget.attrs["autofocus"] = True
    return form


def fix_asked(request) -> str:
    """`?fix=` on a GET: what a gate's link asked the page to open ("" for none)."""
    if request.method != "GET":
        return ""
    form = FixForm(request.GET)
    return form.cleaned_data["fix"] if form.is_valid() else ""


def shown_moves(initiative: Initiative, user, *, deciding: bool) -> list[workflow.MoveOption]:
    """The moves the page offers this user: every one they may make or could once its
    gate is met — bar the triage moves while the one-step triage form is shown."""
    return [
        option
        for option in workflow.options(initiative=initiative, user=user)
        if (option.allowed or not _only_permission(option))
        and not (deciding and option.to in (Stage.BACKLOG, Stage.REJECTED))
    ]


ACTIVITY_PER_PAGE = 50


@dataclass
class Timeline:
    """One page of the timeline: `items` oldest first; page 1 holds the newest."""

    items: list[dict]
    page: int
    has_older: bool

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def activity_page(request) -> int:
    """The timeline page asked for (`?activity=`); the newest for anything else, as a
    list's `?page=` does."""
    form = ActivityPageForm(request.GET)
    return (form.is_valid() and form.cleaned_data["activity"]) or 1


def activity(initiative: Initiative, *, page: int = 1) -> Timeline:
    """Moves, comments, action item events and corrections in one timeline,
    ACTIVITY_PER_PAGE items a page counted from the newest, each page oldest first. Moves,
    comments and action item events are one query (UNION ALL, LIMIT), plus one for the
    page's action item events in full when it has any; the corrections — changes and
    deletions of the initiative's fields, its targets and their measurements — a fixed
    few (metrics.history), however long either is; a page is of bounded size (each text
    is capped by its model field).

    Which moves and comments fall on a later page depends on how many corrections come
    before it, so a page reads them from the first that could be on it: at most as many
    more rows as there are corrections before the page (`_merged`)."""
    columns = ("kind", "id", "when", "source", "to", "cycle", "text", "first", "last", "username")

    def branch(queryset, kind, *, when, person, source, to, cycle, text):
        # Prefixed names: an annotation may not shadow a model field (e.g. `cycle`).
        values = {
            "kind": Value(kind),
            "id": F("id"),
            "when": F(when),
            "source": source,
            "to": to,
            "cycle": cycle,
            "text": F(text),
            "first": F(f"{person}__first_name"),
            "last": F(f"{person}__last_name"),
            "username": F(f"{person}__username"),
        }
        return queryset.annotate(**{f"a_{k}": v for k, v in values.items()}).values_list(
            *(f"a_{c}" for c in columns)
        )

    moves = branch(
        initiative.history.order_by(),
        "move",
        when="at",
        person="actor",
        source=F("from_stage"),
        to=F("to_stage"),
        cycle=F("cycle"),
        text="note",
    )
    blank = Value("", output_field=CharField())
    comments = branch(
        initiative.comments.order_by(),
        "comment",
        when="created_at",
        person="author",
        source=blank,
        to=blank,
        cycle=Value(0),
        text="body",
    )
    # What happened to its action items (actions.ActionEvent, read through the reverse
    # relation: improvement does not import actions); the page's own are read in full
    # afterwards (`_with_action_events`).
    action_events = branch(
        initiative.action_events.order_by(),
        "action",
        when="at",
        person="actor",
        source=F("kind"),
        to=blank,
        cycle=Value(0),
        text="detail",
    )
    # Newest first, one more than a page to learn whether older items exist.
    start = (page - 1) * ACTIVITY_PER_PAGE
    end = start + ACTIVITY_PER_PAGE + 1
    corrections = [
        {"kind": "change", "id": c.history_id, "when": c.when, "name": c.who, "change": c}
        for c in history.changes_for(initiative.pk, limit=end)
    ]
    # At most len(corrections) of the items before this page are corrections, so the
    # moves and comments before `low` are before it whatever the corrections' times.
    low = start - min(start, len(corrections))
    newest_first = moves.union(comments, action_events, all=True).order_by(
        "-a_when", "-a_kind", "-a_id"
    )
    rows = [dict(zip(columns, row, strict=True)) for row in newest_first[low:end]]
    placed = _merged(rows, corrections, low=low)
    entries = [item for at, item in sorted(placed, key=lambda p: p[0]) if start <= at < end]
    items = []
    for item in reversed(entries[:ACTIVITY_PER_PAGE]):
        if item["kind"] != "change":
            item["name"] = f"{item['first']} {item['last']}".strip() or item["username"]
        items.append(item)
    _with_action_events(initiative, items)
    return Timeline(items=items, page=page, has_older=len(entries) > ACTIVITY_PER_PAGE)


def _with_action_events(initiative: Initiative, items: list[dict]) -> None:
    """Each action item event on the page gets its row (`event`, with its action and
    assignee) for the words the timeline shows: one query, only when the page has any."""
    ids = [item["id"] for item in items if item["kind"] == "action"]
    if not ids:
        return
    events = initiative.action_events.select_related("action", "assignee").in_bulk(ids)
    for item in items:
        if item["kind"] == "action":
            item["event"] = events.get(item["id"])


def _merged(rows: list[dict], corrections: list[dict], *, low: int) -> list[tuple]:
    """(position, item) in the timeline newest first, for the moves and comments `rows`
    (from position `low` of theirs) and the `corrections` (from their newest): an item's
    position is its own list's index plus the number of the other list's items newer
    than it. Exact for every item that can fall on the page; the others are placed
    before or after it.

    Only corrections can separate `low` from the page's start, so with `low` above 0 a
    correction newer than the first row is before the page, and no row at all means the
    page is past the end (all `len(corrections)` of them were read, else `low` is 0)."""
    row_keys = sorted(map(_key, rows))  # oldest first, for bisect
    change_keys = sorted(map(_key, corrections))

    def newer(keys, item) -> int:
        return len(keys) - bisect_right(keys, _key(item))

    placed = [(low + i + newer(change_keys, row), row) for i, row in enumerate(rows)]
    if low and not rows:
        return placed
    for k, change in enumerate(corrections):
        if low and _key(change) > _key(rows[0]):
            continue
        placed.append((k + low + newer(row_keys, change), change))
    return placed


def _key(item: dict) -> tuple:
    """A timeline item's place, newest last: its time, kind and id (as the query orders)."""
    return (item["when"], item["kind"], item["id"])


def _only_permission(option) -> bool:
    """A move this user could never make: hide it rather than list it as blocked."""
    return any(u.code == "not_permitted" for u in option.unmet)


def detail(request, pk: int):
    initiative = load(pk, request.user)
    return page(request, initiative, decision_form=recall_decision(request, initiative))


@require_POST
def move(request, pk: int):
    """Make a stage move. Made or refused, the answer is a redirect to the initiative page
    (POST/redirect/GET: a refresh shows the page again rather than posting again), and
    the outcome is a message there: what was done, or everything that is still missing."""
    initiative = get_object_or_404(visibility.visible_initiatives(request.user), pk=pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        problems = [
            f"{form.fields[name].label or name.capitalize()}: {' '.join(errors)}"
            for name, errors in form.errors.items()
        ]
        return refuse(
            request,
            pk,
            _("That move was not understood. %(problems)s") % {"problems": "; ".join(problems)},
        )
    to = form.cleaned_data["to"]
    try:
        workflow.move(
            initiative=initiative,
            to=to,
            actor=request.user,
            note=form.cleaned_data["note"],
            duplicate_of=form.cleaned_data["duplicate_of"],
        )
    except ValidationError as exc:
        return refuse(
            request,
            pk,
            _("That move was not made: %(problems)s") % {"problems": " ".join(exc.messages)},
        )
    except workflow.MoveForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except workflow.MoveRefused as exc:
        return refuse(request, pk, refusal(initiative, to=to, unmet=exc.unmet, user=request.user))
    messages.success(request, _("Moved to %(label)s.") % {"label": Stage(to).label})
    return redirect("improvement:initiative", pk=pk)


def refusal(initiative: Initiative, *, to: str, unmet: list[workflow.Unmet], user) -> str:
    """What a refused move says. When the page's Next steps list these very conditions
    for this move, each with its fix, the message points there rather than repeating
    them; otherwise (a reason not given, a move no longer possible) it names them."""
    label = Stage(to).label
    deciding = roles.reviews(user, initiative) and initiative.stage == Stage.SUBMITTED
    listed = [o for o in shown_moves(initiative, user, deciding=deciding) if o.to == to]
    codes = {u.code for u in unmet}
    if listed and codes <= {u.code for u in listed[0].unmet}:
        return ngettext(
            "Not moved to %(stage)s: %(count)d condition not met yet, listed under Next steps "
            "with each fix.",
            "Not moved to %(stage)s: %(count)d conditions not met yet, listed under Next steps "
            "with each fix.",
            len(codes),
        ) % {"stage": label, "count": len(codes)}
    return _("Not moved to %(stage)s: %(problems)s") % {
        "stage": label,
        "problems": " ".join(u.message for u in unmet),
    }


def refuse(request, pk: int, message: str):
    """A refused move: back to the initiative page, which shows why (nothing was saved)."""
    messages.error(request, message)
    return redirect("improvement:initiative", pk=pk)


def _edit(request, pk: int, form_class, context_name: str, done: str):
    """Apply a form of initiative fields through the role-checked service."""
    initiative = load(pk, request.user)
    # The role before the values: someone who may edit none of these fields learns that
    # (403), not whether their values were valid.
    if roles.editable_fields(request.user, initiative).isdisjoint(form_class.base_fields):
        raise PermissionDenied(_("You may not edit these fields."))
    form = form_class(request.POST, instance=Initiative.objects.get(pk=pk))
    if form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.update_initiative(initiative=initiative, actor=request.user, changes=changes)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, done if changes else _("Nothing changed."))
            return redirect(safe_next(request) or initiative_url(pk))
    return page(request, initiative, status=400, **{context_name: form})


def safe_next(request) -> str | None:
    """The `next` URL if it stays on this site, else None (no open redirects)."""
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def initiative_url(pk: int) -> str:
    return reverse("improvement:initiative", args=[pk])


@require_POST
def decide(request, pk: int):
    """Triage a submitted idea in one step: save the reviewer's triage fields
    (services.update_initiative) and make the decision's move (workflow.move) — both, or
    neither. Made, a redirect to the page with a message; refused, a redirect too
    (POST/redirect/GET), and the page shows the form as it was filled in with what to fix
    (`recall_decision`). Only a reviewer may (403, before any value is looked at)."""
    initiative = get_object_or_404(visibility.visible_initiatives(request.user), pk=pk)
    if not roles.can_move(request.user, initiative, triage=True):
        raise PermissionDenied(_("Only reviewers can triage or reject ideas."))
    form = TriageDecisionForm(request.POST, instance=initiative)
    refused: list[tuple[str | None, str]] = []  # beyond the form's own checks
    if form.is_valid():
        try:
            _decide(form, pk=pk, actor=request.user)
        except workflow.MoveForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except workflow.MoveRefused as exc:
            refused = [(form.field_for(workflow.fixed_by(u)), u.message) for u in exc.unmet]
        except ValidationError as exc:
            refused = _placed(form, exc)
        else:
            messages.success(request, _("Moved to %(label)s.") % {"label": Stage(form.to).label})
            return redirect(initiative_url(pk))
    # Kept for the page the redirect shows, once: the values as typed (each capped, the
    # session is no store for a megabyte) and what the services and the workflow said.
    request.session[_decision_key(pk)] = {
        "data": {
            name: [value[: LONG_TEXT + 1] for value in request.POST.getlist(name)]
            for name in form.fields
            if name in request.POST
        },
        "refused": refused,
    }
    return redirect(initiative_url(pk))


def _decide(form: TriageDecisionForm, *, pk: int, actor) -> None:
    changes = {
        name: form.cleaned_data[name] for name in form.changed_data if name in roles.TRIAGE_FIELDS
    }
    with transaction.atomic():
        # The row is locked for both steps, and a refused move raises out of this block:
        # the fields it saved are undone with it.
        locked = Initiative.objects.select_for_update().get(pk=pk)
        services.update_initiative(initiative=locked, actor=actor, changes=changes)
        workflow.move(
            initiative=locked,
            to=form.to,
            actor=actor,
            note=form.move_note,
            duplicate_of=form.cleaned_data["duplicate_of"],
        )


def _placed(form, exc: ValidationError) -> list[tuple[str | None, str]]:
    """A service's refusal as (field of the form, message); None for above the form."""
    if not hasattr(exc, "error_dict"):
        return [(None, message) for message in exc.messages]
    placed = []
    for name, errors in exc.message_dict.items():
        field = form.field_for(name)
        for message in errors:
            placed.append((field, message) if field else (None, message))
    return placed


def _decision_key(pk: int) -> str:
    return f"triage-decision-{pk}"


def recall_decision(request, initiative: Initiative) -> TriageDecisionForm | None:
    """The refused triage decision kept for this page (`decide`), once: the form bound
    to what was typed, with its own errors and what the workflow refused. None when
    there is none, or the idea is no longer this reviewer's to triage."""
    kept = request.session.pop(_decision_key(initiative.pk), None)
    if not kept:
        return None
    if initiative.stage != Stage.SUBMITTED or not roles.is_reviewer(request.user):
        # Triaged meanwhile: no form to show it on, so the refusal is a message.
        refused = " ".join(message for _, message in kept["refused"])
        messages.error(request, (_("Nothing was saved.") + " " + refused).strip())
        return None
    data = QueryDict(mutable=True)
    for name, values in kept["data"].items():
        data.setlist(name, values)
    # A copy to validate into: a ModelForm writes what it cleans into its instance.
    form = TriageDecisionForm(data, instance=Initiative.objects.get(pk=initiative.pk))
    form.is_valid()
    for field, message in kept["refused"]:
        form.add_error(field, message)
    return form


@require_POST
def triage(request, pk: int):
    return _edit(request, pk, TriageForm, "triage_form", _("Triage saved."))


@require_POST
def execution(request, pk: int):
    return _edit(request, pk, ExecutionForm, "execution_form", "Saved.")


@require_POST
def support(request, pk: int):
    initiative = get_object_or_404(visibility.visible_initiatives(request.user), pk=pk)
    if request.POST.get("withdraw"):
        services.withdraw_support(initiative=initiative, actor=request.user)
        messages.success(request, _("Support withdrawn."))
    else:
        services.support(initiative=initiative, actor=request.user)
        messages.success(request, _("Thanks for your support."))
    return redirect("improvement:initiative", pk=pk)


@require_POST
def comment(request, pk: int):
    """A comment and the files sent with it (attached to the comment): both, or — when
    the comment or a file is refused — neither, and the page again saying why."""
    initiative = load(pk, request.user)
    form = CommentForm(request.POST)
    files = attachment_forms.AttachmentForm(
        request.POST, request.FILES, prefix=attachment_forms.COMMENT
    )
    if form.is_valid() and files.is_valid():
        body = form.cleaned_data["body"]
        try:
            with transaction.atomic():
                added = services.add_comment(initiative=initiative, actor=request.user, body=body)
                if files.chosen():
                    attachment_services.add_attachments(
                        initiative=initiative,
                        actor=request.user,
                        files=files.chosen(),
                        comment=added,
                    )
        except ValidationError as exc:
            if "files" in getattr(exc, "error_dict", {}):
                files.refused(exc)
            else:
                form.add_error(None, exc)
    if not (form.is_valid() and files.is_valid()):
        return page(
            request, initiative, status=400, comment_form=form, comment_attachment_form=files
        )
    messages.success(request, _("Comment added."))
    return redirect(initiative_url(pk) + "#comments")
