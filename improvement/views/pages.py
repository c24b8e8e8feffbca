"""The dashboard, my work and notifications."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from improvement import outcomes, roles, visibility
from improvement.area_scope import chosen_area
from improvement.forms import NotificationReadForm
from improvement.models import ACTIVE_STAGES, Initiative, Notification, Quadrant, Stage
from metrics import dashboard_chart, selectors
from metrics.models import QuarterlyResult, Target
from metrics.periods import previous_quarter, quarter_of


def dashboard(request):
    """The programme at a glance, and what is waiting for this person: of what they may
    see, and of one area's subtree with `?area=` (every figure rolls up over it)."""
    user = request.user
    today = timezone.localdate()
    area, area_form = chosen_area(request)
    initiatives = visibility.narrowed(Initiative.objects.all(), user, area, "")
    ledger = visibility.narrowed(QuarterlyResult.objects.all(), user, area)
    counts = dict(initiatives.values_list("stage").annotate(n=Count("id")).order_by())
    by_stage = [(stage, counts.get(stage.value, 0)) for stage in Stage]
    this_quarter = quarter_of(today)
    last_quarter = previous_quarter(*this_quarter)
    benefits = selectors.quarter_benefits(quarters=[this_quarter, last_quarter], rows=ledger)
    mine = initiatives.aggregate(
        owned=Count("id", filter=Q(owner=user, stage__in=ACTIVE_STAGES)),
        submitted=Count("id", filter=Q(submitted_by=user)),
        to_triage=Count("id", filter=Q(stage=Stage.SUBMITTED)),
    )
    recent = selectors.benefit_by_quarter(
        quarters=dashboard_chart.recent_quarters(today), rows=ledger
    )
    context = {
        "by_stage": by_stage,
        "benefit_chart": dashboard_chart.benefit_chart(recent, current=this_quarter),
        "pipeline_chart": dashboard_chart.pipeline_chart(
            [(stage.label, count) for stage, count in by_stage]
        ),
        "quick_wins": initiatives.backlog().filter(quadrant=Quadrant.QUICK_WIN)[:5],
        "attention": selectors.results_needing_attention(
            targets=visibility.narrowed(Target.objects.all(), user, area)
        ),
        "area": area,
        "area_form": area_form,
        "this_quarter": this_quarter,
        "last_quarter": last_quarter,
        "benefit_now": benefits[this_quarter],
        "benefit_before": benefits[last_quarter],
        "mine": mine,
        "is_reviewer": roles.is_reviewer(user),
    }
    return render(request, "improvement/dashboard.html", context)


def my_work(request):
    """Everything this person submitted, owns, sponsors or works on, grouped; each with
    its stage and, once its primary target has a result, that result in one line."""
    user = request.user
    initiatives = list(
        visibility.visible_initiatives(user)
        .filter(Q(submitted_by=user) | Q(owner=user) | Q(sponsor=user) | Q(team=user))
        .distinct()
        .select_related("area", "owner")
        .order_by("-stage_entered_at")
    )
    results = outcomes.latest_primary_results(initiative_ids=[i.pk for i in initiatives])
    groups = {"owned": [], "sponsored": [], "team": [], "submitted": []}
    team_ids = set(user.team_initiatives.values_list("pk", flat=True))
    for initiative in initiatives:
        result = results.get(initiative.pk)
        initiative.result_line = outcomes.result_line(result) if result else ""
        if initiative.owner_id == user.pk:
            groups["owned"].append(initiative)
        elif initiative.sponsor_id == user.pk:
            groups["sponsored"].append(initiative)
        elif initiative.pk in team_ids:
            groups["team"].append(initiative)
        if initiative.submitted_by_id == user.pk:
            groups["submitted"].append(initiative)
    to_triage = []
    if roles.is_reviewer(user):
        to_triage = (
            visibility.visible_initiatives(user)
            .filter(stage=Stage.SUBMITTED)
            .select_related("area")[:50]
        )
    return render(request, "improvement/my_work.html", {"groups": groups, "to_triage": to_triage})


def notifications(request):
    # Not those about an initiative the person may no longer see (its area restricted
    # since): the rest of what they were told stays.
    rows = (
        visibility.visible(Notification.objects.filter(recipient=request.user), request.user)
        .select_related("initiative")
        .order_by("-created_at", "-id")
    )
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "improvement/notifications.html", {"page": page})


@require_POST
def notifications_read(request):
    """Mark one notification (`id`) or all of them read."""
    # Those the list shows: one about an initiative the person may no longer see is not
    # theirs to open (404), nor counted among those marked.
    unread = visibility.unread_notifications(request.user.pk)
    if "id" in request.POST:
        # A form, not str.isdigit(): "²" is a digit to isdigit() and no number to int().
        form = NotificationReadForm(request.POST)
        if not form.is_valid() or form.cleaned_data["id"] is None:
            raise Http404(_("No such notification."))
        notification = get_object_or_404(
            visibility.visible(Notification.objects.filter(recipient=request.user), request.user),
            pk=form.cleaned_data["id"],
        )
        unread = unread.filter(pk=notification.pk)
        unread.update(read_at=timezone.now())
        if notification.initiative_id:
            return redirect("improvement:initiative", pk=notification.initiative_id)
        return redirect("improvement:notifications")
    marked = unread.update(read_at=timezone.now())
    messages.success(request, _("Marked %(marked)s notifications as read.") % {"marked": marked})
    return redirect("improvement:notifications")
