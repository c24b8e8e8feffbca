"""Submitting ideas, finding them: the list and the board."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, CharField, Count, F, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attachments import forms as attachment_forms
from attachments import services as attachment_services
from config.throttling import rate_limited
from improvement import services, visibility
from improvement.area_scope import chosen_area
from improvement.filters import InitiativeFilter, with_result_status
from improvement.forms import IdeaForm, SimilarIdeasForm, idea_initial
from improvement.models import (
    DMAIC_STAGES,
    INTAKE_STAGES,
    PDCA_STAGES,
    Initiative,
    Methodology,
    Stage,
)
from metrics.models import ResultStatus

SIMILAR_MIN_WORD = 4


@rate_limited("ideas")
def idea_new(request):
    # `?campaign=<id>`: sent by a campaign page's "Submit an idea".
    form = IdeaForm(request.POST or None, initial=idea_initial(request.GET, request.user))
    # The areas the person may see, as a tree: an idea goes where its submitter can follow it.
    area = form.fields["area"]
    area.queryset = visibility.visible_areas(request.user)
    campaign = form.fields["campaign"]
    campaign.queryset = visibility.visible(campaign.queryset, request.user, "")
    area.label_from_instance = lambda choice: choice.label
    files = attachment_forms.AttachmentForm(
        request.POST or None, request.FILES or None, prefix=attachment_forms.IDEA
    )
    if request.method == "POST" and form.is_valid() and files.is_valid():
        try:
            initiative, created = _submit(request.user, form.cleaned_data, files.chosen())
        except ValidationError as exc:
            if "files" in getattr(exc, "error_dict", {}):
                files.refused(exc)
            else:
                form.add_error(None, exc)
        else:
            if created:
                messages.success(
                    request,
                    _(
                        "Thank you — idea #%(pk)s is submitted. A reviewer will triage "
                        "it, and you will be told what happens to it."
                    )
                    % {"pk": initiative.pk},
                )
            else:
                # A second click, or the form sent again: the idea is in once.
                messages.info(
                    request,
                    _(
                        "You submitted this idea a moment ago: it is #%(pk)s, here. It "
                        "was not submitted a second time."
                    )
                    % {"pk": initiative.pk},
                )
            return redirect("improvement:initiative", pk=initiative.pk)
    # A refused idea: the form again, with what to fix and what was typed.
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "attachment_form": files}
    return render(request, "improvement/idea_form.html", context, status=status)


def _submit(actor, fields: dict, files: list) -> tuple[Initiative, bool]:
    """The idea and the files sent with it, in one transaction: a refused file leaves no
    idea behind. An idea sent again (services.submit_idea) gets no files again: they
    came with the first."""
    with transaction.atomic():
        initiative, created = services.submit_idea(actor=actor, **fields)
        if created and files:
            attachment_services.add_attachments(initiative=initiative, actor=actor, files=files)
    return initiative, created


def similar_ideas(request):
    """Existing ideas whose title shares a word with what is being typed (htmx partial).
    A title the form refuses (a NUL character, too long) finds nothing, with a 400."""
    form = SimilarIdeasForm(request.GET)
    if not form.is_valid():
        return render(
            request, "improvement/partials/similar_ideas.html", {"similar": []}, status=400
        )
    title = form.cleaned_data["title"]
    words = [w for w in title.split() if len(w) >= SIMILAR_MIN_WORD]
    similar = []
    if words:
        match = Q()
        for word in words[:8]:
            match |= Q(title__icontains=word)
        # Only ideas the person may see: the hint must not name a private area's ideas.
        visible = visibility.visible_initiatives(request.user)
        similar = visible.filter(match).order_by("-created_at")[:5]
    return render(request, "improvement/partials/similar_ideas.html", {"similar": similar})


# The list's columns: (heading, the ordering its heading sorts by, or None, and whether
# the first click sorts descending). Headings that sort are links; aria-sort says how.
COLUMNS = [
    ("#", "created_at", True),
    (gettext_lazy("Title"), "title", False),
    (gettext_lazy("Stage"), None, False),
    (gettext_lazy("Area"), None, False),
    (gettext_lazy("Owner"), None, False),
    (gettext_lazy("Impact / effort"), "ratio", True),
    (gettext_lazy("Quadrant"), None, False),
    (gettext_lazy("Result"), "result_status", False),
]
DEFAULT_ORDERING = "-created_at"  # Initiative.Meta.ordering
RESULT_LABELS = dict(ResultStatus.choices)


def initiative_list(request):
    """All initiatives, with the API's filters (the same FilterSet), sortable headings and
    pagination; every link keeps the filters, so a filtered list is a URL to share."""
    queryset = with_result_status(
        visibility.visible_initiatives(request.user).with_priority().select_related("area", "owner")
    )
    filterset = InitiativeFilter(request.GET or None, queryset=queryset, request=request)
    # A value the filter's form refuses (an unknown stage, a NUL character in the search)
    # is shown as an error beside the unfiltered list: it never reaches a query.
    valid = filterset.is_bound and filterset.is_valid()
    rows = filterset.qs if valid else queryset
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    for initiative in page:
        initiative.result_label = RESULT_LABELS.get(initiative.result_status, "")
    query = request.GET.copy()
    query.pop("page", None)
    chosen = filterset.form.cleaned_data.get("ordering") if valid else None
    return render(
        request,
        "improvement/initiative_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "columns": _columns(query, chosen[0] if chosen else DEFAULT_ORDERING),
        },
    )


def _columns(query, current: str) -> list[dict]:
    """Each heading, with `sort` (its aria-sort value, or None) and `url` (the list sorted
    by it, the other way round when it already is, on the first page, filters kept)."""
    columns = []
    for label, param, descending_first in COLUMNS:
        column = {"label": label, "sort": None, "url": None}
        if param:
            if current.lstrip("-") == param:
                column["sort"] = "descending" if current.startswith("-") else "ascending"
                descending = column["sort"] == "ascending"
            else:
                descending = descending_first
            link = query.copy()
            link["ordering"] = f"-{param}" if descending else param
            column["url"] = f"?{link.urlencode()}"
        columns.append(column)
    return columns


BOARDS = [
    (gettext_lazy("Intake"), "", INTAKE_STAGES),
    ("PDCA", Methodology.PDCA, (*PDCA_STAGES, Stage.COMPLETED)),
    ("DMAIC", Methodology.DMAIC, (*DMAIC_STAGES, Stage.COMPLETED)),
]
CARDS_PER_COLUMN = 30


def board(request):
    """A column per stage for each methodology, newest moves first: two queries, the
    first CARDS_PER_COLUMN cards of every column (a window function) and the counts —
    of the initiatives the person may see, of one area's subtree with `?area=`."""
    area, area_form = chosen_area(request)
    initiatives = visibility.narrowed(Initiative.objects.all(), request.user, area, "")
    # Intake columns hold every methodology; the others one methodology each.
    column = Case(
        When(stage__in=INTAKE_STAGES, then=Value("")),
        default=F("methodology"),
        output_field=CharField(),
    )
    shown = (
        initiatives.exclude(stage__in=[Stage.REJECTED, Stage.CANCELLED, Stage.ON_HOLD])
        .annotate(
            board=column,
            position=Window(
                RowNumber(),
                partition_by=[column, F("stage")],
                order_by=F("stage_entered_at").desc(),
            ),
        )
        .filter(position__lte=CARDS_PER_COLUMN)
        .select_related("owner", "area")
        .order_by("position")
    )
    counts = {
        (board, stage): n
        for board, stage, n in initiatives.annotate(board=column)
        .values_list("board", "stage")
        .annotate(n=Count("id"))
        .order_by()
    }
    cards: dict[tuple[str, str], list] = {}
    for initiative in shown:
        cards.setdefault((initiative.board, initiative.stage), []).append(initiative)
    boards = [
        {
            "name": name,
            "columns": [
                {
                    "stage": Stage(stage),
                    "cards": cards.get((methodology, stage), []),
                    "count": counts.get((methodology, stage), 0),
                }
                for stage in stages
            ],
        }
        for name, methodology, stages in BOARDS
    ]
    return render(
        request,
        "improvement/board.html",
        {"boards": boards, "area": area, "area_form": area_form},
    )
