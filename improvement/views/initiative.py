"""The initiative page and the actions taken on it. A stage move, made or refused,
redirects to the page (POST/redirect/GET) with a message: what was done, or everything
that is still missing. A refused edit or comment re-renders the page with the form's
errors. Only an action outside the user's role is an error page (403)."""

from bisect import bisect_right
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from improvement import roles, services, workflow
from improvement.forms import ActivityPageForm, CommentForm, ExecutionForm, MoveForm, TriageForm
from improvement.models import DMAIC_STAGES, INTAKE_STAGES, PDCA_STAGES, Initiative, Stage, Support
from metrics import history, selectors
from metrics.forms import blank_recording_forms


def load(pk: int, user) -> Initiative:
    """The initiative with what the page shows, in a fixed number of queries."""
    return get_object_or_404(
        Initiative.objects.with_priority()
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
    """Render the initiative page; `forms` replace the blank forms (to show errors)."""
    user = request.user
    options = workflow.options(initiative=initiative, user=user)
    can_record = roles.can_record(user, initiative)
    targets = selectors.targets_for_page(initiative=initiative)
    # The recording forms come with the page only to show a refused one's errors; else
    # the page fetches them when their panel opens (improvement.views.recording).
    bound_single = forms.pop("measurement_forms", {})
    bound_bulk = forms.pop("bulk_forms", {})
    for target in targets:
        target.measurement_form = target.bulk_form = None
        if target.pk in bound_single or target.pk in bound_bulk:
            blank = blank_recording_forms(target)
            target.measurement_form = bound_single.get(target.pk) or blank["measurement_form"]
            target.bulk_form = bound_bulk.get(target.pk) or blank["bulk_form"]
    is_reviewer = roles.is_reviewer(user)
    can_execute = not roles.editable_fields(user, initiative).isdisjoint(roles.EXECUTION_FIELDS)
    # Forms only for those who may use them: each costs a query to draw its choices.
    context = {
        "initiative": initiative,
        "steps": steps(initiative),
        "moves": [o for o in options if o.allowed or not _only_permission(o)],
        "is_reviewer": is_reviewer,
        "can_execute": can_execute,
        "can_record": can_record,
        "targets": targets,
        "activity": activity(initiative, page=activity_page(request)),
        "triage_form": forms.pop("triage_form", None)
        or (TriageForm(instance=initiative) if is_reviewer else None),
        "execution_form": forms.pop("execution_form", None)
        or (ExecutionForm(instance=initiative) if can_execute else None),
        "comment_form": forms.pop("comment_form", None) or CommentForm(),
        "target_form": forms.pop("target_form", None),
        **forms,
    }
    return render(request, "improvement/initiative.html", context, status=status)


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
    """Moves, comments and corrections in one timeline, ACTIVITY_PER_PAGE items a page
    counted from the newest, each page oldest first. Moves and comments are one query
    (UNION ALL, LIMIT), the corrections — changes and deletions of the initiative's
    fields, its targets and their measurements — a fixed few (metrics.history), however
    long either is; a page is of bounded size (each text is capped by its model field).

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
    newest_first = moves.union(comments, all=True).order_by("-a_when", "-a_kind", "-a_id")
    rows = [dict(zip(columns, row, strict=True)) for row in newest_first[low:end]]
    placed = _merged(rows, corrections, low=low)
    entries = [item for at, item in sorted(placed, key=lambda p: p[0]) if start <= at < end]
    items = []
    for item in reversed(entries[:ACTIVITY_PER_PAGE]):
        if item["kind"] != "change":
            item["name"] = f"{item['first']} {item['last']}".strip() or item["username"]
        items.append(item)
    return Timeline(items=items, page=page, has_older=len(entries) > ACTIVITY_PER_PAGE)


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
    return page(request, load(pk, request.user))


@require_POST
def move(request, pk: int):
    """Make a stage move. Made or refused, the answer is a redirect to the initiative page
    (POST/redirect/GET: a refresh shows the page again rather than posting again), and
    the outcome is a message there: what was done, or everything that is still missing."""
    initiative = get_object_or_404(Initiative, pk=pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        problems = [
            f"{form.fields[name].label or name.capitalize()}: {' '.join(errors)}"
            for name, errors in form.errors.items()
        ]
        return refuse(request, pk, f"That move was not understood. {'; '.join(problems)}")
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
        return refuse(request, pk, f"That move was not made: {' '.join(exc.messages)}")
    except workflow.MoveForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except workflow.MoveRefused as exc:
        missing = " ".join(unmet.message for unmet in exc.unmet)
        return refuse(request, pk, f"Not moved to {Stage(to).label}: {missing}")
    messages.success(request, f"Moved to {Stage(to).label}.")
    return redirect("improvement:initiative", pk=pk)


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
        raise PermissionDenied("You may not edit these fields.")
    form = form_class(request.POST, instance=Initiative.objects.get(pk=pk))
    if form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.update_initiative(initiative=initiative, actor=request.user, changes=changes)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, done if changes else "Nothing changed.")
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
def triage(request, pk: int):
    return _edit(request, pk, TriageForm, "triage_form", "Triage saved.")


@require_POST
def execution(request, pk: int):
    return _edit(request, pk, ExecutionForm, "execution_form", "Saved.")


@require_POST
def support(request, pk: int):
    initiative = get_object_or_404(Initiative, pk=pk)
    if request.POST.get("withdraw"):
        services.withdraw_support(initiative=initiative, actor=request.user)
        messages.success(request, "Support withdrawn.")
    else:
        services.support(initiative=initiative, actor=request.user)
        messages.success(request, "Thanks for your support.")
    return redirect("improvement:initiative", pk=pk)


@require_POST
def comment(request, pk: int):
    initiative = load(pk, request.user)
    form = CommentForm(request.POST)
    if form.is_valid():
        body = form.cleaned_data["body"]
        try:
            services.add_comment(initiative=initiative, actor=request.user, body=body)
        except ValidationError as exc:
            form.add_error(None, exc)
    if not form.is_valid():
        return page(request, initiative, status=400, comment_form=form)
    messages.success(request, "Comment added.")
    return redirect(initiative_url(pk) + "#comments")
