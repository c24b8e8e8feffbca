"""Improvement campaigns (challenges): a question put to everyone for a while, in one
area and pillar. Ideas answer it through `Initiative.campaign` (related name `ideas`)
while it is open; closing it tells their submitters (campaigns.services)."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.choices import TextChoices
from improvement.models import LONG_TEXT, Area, Pillar, limited_text


class CampaignStatus(TextChoices):
    """Where a campaign is on a given day: read from its dates and `closed_at`, not stored."""

    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CampaignQuerySet(models.QuerySet):
    def open_on(self, day: dt.date) -> "CampaignQuerySet":
        """The campaigns taking ideas on `day` (Campaign.is_open in SQL)."""
        return self.filter(opens_on__lte=day, closes_on__gte=day, closed_at__isnull=True)

    def upcoming_on(self, day: dt.date) -> "CampaignQuerySet":
        return self.filter(opens_on__gt=day, closed_at__isnull=True)

    def closed_on(self, day: dt.date) -> "CampaignQuerySet":
        """Closed by a person or the job, or past their close date (the job closes them
        the next night)."""
        return self.filter(Q(closed_at__isnull=False) | Q(closes_on__lt=day))

    def due_to_close(self, day: dt.date) -> "CampaignQuerySet":
        """Past their close date and not closed yet: the daily job's work."""
        return self.filter(closes_on__lt=day, closed_at__isnull=True)


class Campaign(models.Model):
    """A challenge open from `opens_on` to `closes_on`, both days included, unless a
    reviewer closed it earlier (`closed_at`). Written only by campaigns.services."""

    Status = CampaignStatus

    title = models.CharField(max_length=200)
    question = models.CharField(
        max_length=300, help_text=_("What the campaign asks, e.g. “How can we halve waiting?”")
    )
    description = limited_text(LONG_TEXT, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="campaigns")
    pillar = models.CharField(max_length=20, choices=Pillar.choices)
    opens_on = models.DateField(help_text=_("The first day ideas may be submitted."))
    closes_on = models.DateField(help_text=_("The last day ideas may be submitted."))

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opened_campaigns"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Set once, by whoever closes it first (a reviewer, or the job with no one): the
    # claim that makes its submitters hear about it exactly once.
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="closed_campaigns",
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on", "-id"]
        indexes = [
            # The list and the idea form's choice: WHERE closed_at IS NULL AND opens_on <=
            # today AND closes_on >= today; the job: closes_on < today AND closed_at IS NULL.
            models.Index(fields=["closes_on", "opens_on"], name="campaign_window_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="campaign_closes_after_opening",
                violation_error_message="A campaign closes on or after the day it opens.",
            ),
            models.CheckConstraint(
                condition=Q(pillar__in=Pillar.values), name="campaign_pillar_valid"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="campaign_title_not_empty"),
            models.CheckConstraint(condition=~Q(question=""), name="campaign_question_not_empty"),
            # Whoever closed it, only once it is closed (the job closes with no one).
            models.CheckConstraint(
                condition=Q(closed_by__isnull=True) | Q(closed_at__isnull=False),
                name="campaign_closed_by_only_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("campaigns:detail", args=[self.pk])

    def is_open(self, *, on: dt.date | None = None) -> bool:
        """Whether ideas may be submitted to it on `on` (default: today, in the site's
        time zone): between its open and close dates, both included, and not closed."""
        day = on or timezone.localdate()
        return self.closed_at is None and self.opens_on <= day <= self.closes_on

    def status(self, *, on: dt.date | None = None) -> str:
        day = on or timezone.localdate()
        if self.closed_at is not None or self.closes_on < day:
            return CampaignStatus.CLOSED
        if day < self.opens_on:
            return CampaignStatus.UPCOMING
        return CampaignStatus.OPEN
