"""The campaign pages: the list, one campaign with its ideas and their matrix, and the
reviewers' forms to open, change and close one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from campaigns import services
from campaigns.forms import CampaignForm
from campaigns.models import Campaign, CampaignStatus
from campaigns.selectors import campaign_ideas, campaigns_by_status, campaigns_for_reading
from improvement import visibility
from improvement.selectors import SCORES, backlog_matrix

IDEAS_PER_PAGE = 50


def campaign_list(request):
    today = timezone.localdate()
    groups = campaigns_by_status(today=today, user=request.user)
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "open": groups[CampaignStatus.OPEN],
            "upcoming": groups[CampaignStatus.UPCOMING],
            "closed": groups[CampaignStatus.CLOSED],
            "can_run": services.may_run_campaigns(request.user),
        },
    )


def campaign_detail(request, pk: int):
    campaign = get_object_or_404(campaigns_for_reading(request.user), pk=pk)
    ideas = Paginator(campaign_ideas(campaign, request.user), IDEAS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    matrix = backlog_matrix(
        campaign_id=campaign.pk, initiatives=visibility.visible_initiatives(request.user)
    )
    today = timezone.localdate()
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "status": CampaignStatus(campaign.status(on=today)),
            "is_open": campaign.is_open(on=today),
            "ideas": ideas,
            "grid": matrix.grid,
            "scores": SCORES,
            "quadrants": matrix.quadrants,
            "in_backlog": len(matrix.ranked),
            "can_run": services.may_run_campaigns(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def campaign_new(request):
    _check_runner(request.user)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.open_campaign(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The campaign “%(title)s” is open for ideas.") % {"title": campaign.title},
            )
            return redirect(campaign)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "campaigns/campaign_form.html", {"form": form, "campaign": None}, status=status
    )


@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk: int):
    _check_runner(request.user)
    campaign = get_object_or_404(Campaign, pk=pk)
    if campaign.closed_at is not None:
        messages.error(request, _("This campaign is closed: it can no longer be changed."))
        return redirect(campaign)
    form = CampaignForm(request.POST or None, instance=Campaign.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_campaign(campaign=campaign, actor=request.user, changes=form.changes())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("The campaign “%(title)s” is saved.") % {"title": campaign.title}
            )
            return redirect(campaign)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "campaigns/campaign_form.html",
        {"form": form, "campaign": campaign},
        status=status,
    )


@require_POST
def campaign_close(request, pk: int):
    _check_runner(request.user)
    campaign = get_object_or_404(Campaign, pk=pk)
    if services.close_campaign(campaign=campaign, actor=request.user):
        messages.success(
            request,
            _("The campaign “%(title)s” is closed; its submitters are told.")
            % {"title": campaign.title},
        )
    else:
        messages.info(
            request, _("The campaign “%(title)s” was already closed.") % {"title": campaign.title}
        )
    return redirect(campaign)


def _check_runner(user) -> None:
    """A 403 before anything is read or shown: only reviewers run campaigns."""
    if not services.may_run_campaigns(user):
        raise PermissionDenied(_("Only reviewers open, change and close campaigns."))
