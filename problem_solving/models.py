"""The problem-solving tools, kept as data rather than free text: 5-why chains and the
fishbone's causes of an initiative.

A verified cause from either tool counts as the initiative's root cause for the DMAIC
Analyze → Improve gate (improvement.workflow.root_cause_recorded reads them through the
reverse relations `five_whys` and `causes`, so improvement never imports this app).
Every invariant is also a database constraint; every row keeps its history (`audit`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.choices import TextChoices
from improvement.models import LONG_TEXT, NOTE_TEXT, Initiative, limited_text

# The most whys a chain holds: five is the habit, a few more are sometimes needed.
MAX_WHYS = 7
# A why's answer and a cause are one statement each: short enough to draw.
STATEMENT_TEXT = 300


class FiveWhy(models.Model):
    """A 5-why chain: a problem, then the whys (`steps`) that lead from it to a cause."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="five_whys")
    problem = limited_text(LONG_TEXT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    audit = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "5-why chain"
        indexes = [
            # The initiative page and the A3: WHERE initiative_id = … ORDER BY created_at.
            models.Index(fields=["initiative", "created_at"], name="five_why_initiative_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(problem=""), name="five_why_problem_not_empty"),
        ]

    def __str__(self) -> str:
        return f"5-why on {self.initiative_id}: {self.problem[:60]}"


class WhyStep(models.Model):
    """One "why?" of a chain and its answer, at `position` (1 = the first why). The
    answer that is the root cause may be marked so, and verified once checked."""

    chain = models.ForeignKey(FiveWhy, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    answer = models.CharField(max_length=STATEMENT_TEXT)
    is_root_cause = models.BooleanField(default=False)
    verified = models.BooleanField(default=False)

    audit = HistoricalRecords()

    class Meta:
        ordering = ["chain", "position"]
        constraints = [
            # Also the index that reads a chain's steps in order.
            models.UniqueConstraint(fields=["chain", "position"], name="why_step_position_once"),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=MAX_WHYS),
                name="why_step_position_range",
            ),
            models.CheckConstraint(condition=~Q(answer=""), name="why_step_answer_not_empty"),
            # Verified is said of the root cause: a plain why has nothing to verify.
            models.CheckConstraint(
                condition=Q(verified=False) | Q(is_root_cause=True),
                name="why_step_verified_root_cause",
                violation_error_message="Only the root cause is verified.",
            ),
            models.UniqueConstraint(
                fields=["chain"],
                condition=Q(is_root_cause=True),
                name="why_step_one_root_cause",
                violation_error_message="A chain has one root cause.",
            ),
        ]

    def __str__(self) -> str:
        return f"Why {self.position}: {self.answer[:60]}"


class Category(TextChoices):
    """The fishbone's bones, the 6M, in the order they are drawn."""

    MAN = "man", _("Man / People")
    MACHINE = "machine", _("Machine")
    METHOD = "method", _("Method")
    MATERIAL = "material", _("Material")
    MEASUREMENT = "measurement", _("Measurement")
    ENVIRONMENT = "environment", _("Mother Nature / Environment")


class Cause(models.Model):
    """A possible cause on the initiative's fishbone, under one of the 6M; `verified`
    once the data showed it is one, with the evidence in a note."""

    Category = Category

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="causes")
    category = models.CharField(max_length=20, choices=Category.choices)
    text = models.CharField(max_length=STATEMENT_TEXT)
    verified = models.BooleanField(default=False)
    evidence = limited_text(NOTE_TEXT, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    audit = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The initiative page, the A3 and the gate: WHERE initiative_id = ….
            models.Index(fields=["initiative", "created_at"], name="cause_initiative_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="cause_category_valid"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="cause_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.text[:60]}"
