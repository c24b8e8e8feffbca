"""The life of an initiative: the idea, its stage, who moves it, and what was said.

Every invariant the design states is also a database constraint, so a bad row is
refused whichever path writes it (web, API, admin, a job or a shell).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import Cast, Coalesce, Length, RowNumber, Substr
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node

from config.choices import TextChoices


class Pillar(TextChoices):
    FINANCIAL = "financial", _("Financial")
    OPERATIONAL = "operational", _("Operational")
    CUSTOMER = "customer", _("Customer")
    INNOVATION = "innovation", _("Innovation")


class Methodology(TextChoices):
    PDCA = "pdca", _("PDCA")
    DMAIC = "dmaic", _("DMAIC")


class Stage(TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("stage", "Submitted")
    BACKLOG = "backlog", pgettext_lazy("stage", "Backlog")
    PLAN = "plan", pgettext_lazy("stage", "Plan")
    DO = "do", pgettext_lazy("stage", "Do")
    CHECK = "check", pgettext_lazy("stage", "Check")
    ACT = "act", pgettext_lazy("stage", "Act")
    DEFINE = "define", pgettext_lazy("stage", "Define")
    MEASURE = "measure", pgettext_lazy("stage", "Measure")
    ANALYZE = "analyze", pgettext_lazy("stage", "Analyze")
    IMPROVE = "improve", pgettext_lazy("stage", "Improve")
    CONTROL = "control", pgettext_lazy("stage", "Control")
    COMPLETED = "completed", pgettext_lazy("stage", "Completed")
    REJECTED = "rejected", pgettext_lazy("stage", "Rejected")
    ON_HOLD = "on_hold", pgettext_lazy("stage", "On hold")
    CANCELLED = "cancelled", pgettext_lazy("stage", "Cancelled")


# Named sets of stages, defined once: everything that asks "where is this initiative in
# its life" uses these.
# An idea before work on it starts: reviewers triage it; methodology and scores can change.
INTAKE_STAGES = (Stage.SUBMITTED, Stage.BACKLOG)
PDCA_STAGES = (Stage.PLAN, Stage.DO, Stage.CHECK, Stage.ACT)
DMAIC_STAGES = (Stage.DEFINE, Stage.MEASURE, Stage.ANALYZE, Stage.IMPROVE, Stage.CONTROL)
# The stages an owner works in; only these can be put on hold.
ACTIVE_STAGES = PDCA_STAGES + DMAIC_STAGES
# The stages whose targets get a control chart: the change is in and being held.
CONTROL_STAGES = (Stage.CONTROL, Stage.ACT, Stage.COMPLETED)
# Initiatives that have not gone live, or never will: their targets have no results.
DEAD_STAGES = (*INTAKE_STAGES, Stage.REJECTED, Stage.CANCELLED)
# Done with: read-only but for comments (and a reviewer's reasoned correction of what a
# gate checked, improvement.roles.gated_fields).
CLOSED_STAGES = (Stage.COMPLETED, Stage.CANCELLED, Stage.REJECTED)
# From these stages on the baselines are frozen (the freeze is the move into Do or
# Analyze): a target added later is frozen when it is created.
BASELINE_FROZEN_STAGES = (
    Stage.DO,
    Stage.CHECK,
    Stage.ACT,
    Stage.ANALYZE,
    Stage.IMPROVE,
    Stage.CONTROL,
    Stage.COMPLETED,
)


SCORE = [MinValueValidator(1), MaxValueValidator(5)]

# How long free text may be, one limit per kind of text. A text field carries its limit
# twice: `max_length`, which the forms and the API's serializers read, and a validator,
# which `full_clean()` in the services checks (a TextField's max_length alone is never
# checked). So the web, the API and every service refuse the same lengths.
LONG_TEXT = 10_000  # what an idea or initiative describes: problem, change, root cause, plan
NOTE_TEXT = 5_000  # what a person says: a move's note, a decision, a reason, a comment


def limited_text(limit: int, **kwargs) -> models.TextField:
    return models.TextField(max_length=limit, validators=[MaxLengthValidator(limit)], **kwargs)


class Area(MP_Node):
    """A part of the organisation an initiative belongs to: a site, a department, a line —
    a tree of any depth.

    A materialized path (django-treebeard's MP_Node): each area's `path` is its parent's
    path plus four characters, so an area's subtree is one indexed `path LIKE 'prefix%'`
    and its ancestors are the prefixes of its path — no recursive query on either
    database. Siblings are kept in name order (`node_order_by`), so ordering by `path`
    lists the tree as it is drawn. Changes go through improvement.areas (create, move,
    rename, restrict), which keeps the paths consistent.

    Who sees what (improvement.visibility): an area is private when it or an ancestor is
    `restricted`; a private area's initiatives are seen by the members and reviewers of
    that area or of an ancestor, and by administrators. `reviewers` also scope a
    reviewer's triage to their areas' subtrees (improvement.roles)."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    restricted = models.BooleanField(
        default=False,
        help_text=_(
            "Its initiatives (and those of the areas under it) are seen only "
            "by its members and reviewers, those of an area above it, and "
            "administrators."
        ),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="area_memberships"
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="reviewed_areas",
        help_text=_("Reviewers scoped to this area and the areas under it."),
    )

    node_order_by = ["name"]

    class Meta:
        ordering = ["path"]
        constraints = [
            # A name is unique among its siblings (the parent's path is the path less its
            # last step; every root has the empty one). Nothing looks an area up by its
            # name alone: imports and the API name areas by id.
            models.UniqueConstraint(
                Substr("path", 1, Length("path") - MP_Node.steplen),
                "name",
                name="area_name_unique_among_siblings",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # An area created without a place in the tree (Area.objects.create(name=...), a
        # fixture, get_or_create) becomes a root: treebeard computes its path and calls
        # save() again with it.
        if self._state.adding and not self.path:
            kwargs.pop("force_insert", None)
            type(self).objects.add_root(instance=self)
            return
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        """The name indented by depth, for a select that shows the tree."""
        return "\u2003" * (self.depth - 1) + self.name


class Quadrant(TextChoices):
    QUICK_WIN = "quick_win", _("Quick win")
    MAJOR_PROJECT = "major_project", _("Major project")
    FILL_IN = "fill_in", _("Fill-in")
    AVOID = "avoid", _("Avoid / postpone")


# Quadrants in ranking order: quick wins first.
QUADRANT_ORDER = [Quadrant.QUICK_WIN, Quadrant.MAJOR_PROJECT, Quadrant.FILL_IN, Quadrant.AVOID]


class InitiativeQuerySet(models.QuerySet):
    def with_priority(self) -> "InitiativeQuerySet":
        """Annotate `quadrant`, `ratio` (impact/effort) and `risk_adjusted_roi`, in SQL.

        A score at or above settings.QUADRANT_THRESHOLD is high. Unscored initiatives
        have no quadrant; ROI is null without a positive cost."""
        as_float = lambda name: Cast(name, models.FloatField())  # noqa: E731
        return self.annotate(
            quadrant=self._by_quadrant(
                [Value(code) for code in QUADRANT_ORDER], None, models.CharField()
            ),
            ratio=as_float("impact") / as_float("effort"),
            risk_adjusted_roi=Case(
                When(
                    estimated_cost__gt=0,
                    estimated_annual_benefit__isnull=False,
                    confidence__isnull=False,
                    then=(
                        as_float("estimated_annual_benefit") * as_float("confidence")
                        - as_float("estimated_cost")
                    )
                    / as_float("estimated_cost"),
                ),
                default=None,
                output_field=models.FloatField(),
            ),
        )

    @staticmethod
    def _by_quadrant(values: list, unscored, output_field) -> Case:
        """values[i] for an initiative in QUADRANT_ORDER[i]; `unscored` without both scores.
        Each condition assumes the ones before it failed, so it stays a plain comparison."""
        high = settings.QUADRANT_THRESHOLD
        quick_win, major_project, fill_in, avoid = values
        return Case(
            When(Q(impact__isnull=True) | Q(effort__isnull=True), then=Value(unscored)),
            When(impact__gte=high, effort__lt=high, then=quick_win),
            When(impact__gte=high, then=major_project),
            When(effort__lt=high, then=fill_in),
            default=avoid,
            output_field=output_field,
        )

    def ranked(self, order: str = "matrix") -> "InitiativeQuerySet":
        """Priority annotations plus `rank` (1 = do first), ordered by it.

        `matrix`: quadrant (quick wins first), then impact/effort ratio, then risk-adjusted
        ROI, then oldest first. `roi`: risk-adjusted ROI first, then the same."""
        # The quadrant's place in the ranking; unscored last.
        quadrant_order = self._by_quadrant(
            [Value(i) for i in range(len(QUADRANT_ORDER))],
            len(QUADRANT_ORDER),
            models.IntegerField(),
        )
        by_matrix = [
            quadrant_order.asc(),
            F("ratio").desc(nulls_last=True),
            F("risk_adjusted_roi").desc(nulls_last=True),
            F("created_at").asc(),
            F("id").asc(),
        ]
        if order == "roi":
            ordering = [F("risk_adjusted_roi").desc(nulls_last=True), *by_matrix]
        else:
            ordering = by_matrix
        return (
            self.with_priority()
            .annotate(rank=Window(RowNumber(), order_by=ordering))
            .order_by("rank")
        )

    def backlog(self, order: str = "matrix") -> "InitiativeQuerySet":
        return self.filter(stage=Stage.BACKLOG).ranked(order)

    def with_support_count(self) -> "InitiativeQuerySet":
        """Annotate `support_count`, the number of +1s (0 for none)."""
        # A counting subquery rather than Count() over a join: no GROUP BY over every
        # column, and it composes with the other annotations and prefetches. (Support is
        # defined further down; the name is looked up when this method runs.)
        count = (
            Support.objects.filter(initiative=OuterRef("pk"))
            .order_by()
            .values("initiative")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(support_count=Coalesce(Subquery(count), 0))


class Initiative(models.Model):
    """An improvement idea and, once accepted, the initiative that carries it out."""

    title = models.CharField(max_length=200)
    problem_statement = limited_text(LONG_TEXT)
    proposed_change = limited_text(LONG_TEXT, blank=True)
    root_cause = limited_text(LONG_TEXT, blank=True)
    control_plan = limited_text(LONG_TEXT, blank=True)
    decision_note = limited_text(
        NOTE_TEXT, blank=True, help_text=_("Adopt, adapt or abandon, and why.")
    )
    # The note of the move that rejected it.
    rejection_reason = limited_text(NOTE_TEXT, blank=True)

    pillar = models.CharField(max_length=20, choices=Pillar.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="initiatives")
    methodology = models.CharField(max_length=10, choices=Methodology.choices, blank=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.SUBMITTED)
    # The stage an on-hold initiative resumes to.
    held_from = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    cycle = models.PositiveIntegerField(default=1, help_text=_("PDCA cycle number."))

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_initiatives"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_initiatives",
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sponsored_initiatives",
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="team_initiatives"
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="watched_initiatives"
    )

    impact = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("1 (low) to 5."), validators=SCORE
    )
    effort = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("1 (low) to 5."), validators=SCORE
    )
    estimated_annual_benefit = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    estimated_cost = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    confidence = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("0 to 1."),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )

    implemented_on = models.DateField(
        null=True, blank=True, help_text=_("When the change went live.")
    )
    # PROTECT: a rejected duplicate's explanation is its original, so the original stays.
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    # The campaign (challenge) the idea answers, chosen when it is submitted while the
    # campaign is open (improvement.services.submit_idea). A string reference: the
    # campaigns app builds on this one, never the other way round. PROTECT: a campaign
    # with ideas stays, closed.
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ideas",
    )

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    stage_entered_at = models.DateTimeField(default=timezone.now)

    objects = InitiativeQuerySet.as_manager()
    # Who changed which field when, and why (improvement.services.update_initiative sets
    # the reason); the team and watchers (many-to-many) are not part of it. Named `audit`
    # on every model that keeps one: `history` is the stage transitions' related name.
    audit = HistoricalRecords(excluded_fields=["updated_at", "stage_entered_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("triage_initiative", "Can triage initiatives and close quarters")]
        indexes = [
            # Every list in its default order: ORDER BY created_at DESC, id DESC LIMIT 25
            # reads 25 index entries instead of sorting the table.
            models.Index(fields=["-created_at", "-id"], name="initiative_newest_idx"),
            # The board and every stage filter: WHERE stage = … ORDER BY created_at.
            models.Index(fields=["stage", "created_at"], name="initiative_stage_idx"),
            # Stale reminders: active initiatives with no move since a date.
            models.Index(fields=["stage_entered_at"], name="initiative_stage_entered_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="initiative_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(held_from="") | Q(held_from__in=ACTIVE_STAGES),
                name="initiative_held_from_valid",
            ),
            # On hold exactly when there is a stage to resume to.
            models.CheckConstraint(
                condition=Q(stage=Stage.ON_HOLD, held_from__in=ACTIVE_STAGES)
                | (~Q(stage=Stage.ON_HOLD) & Q(held_from="")),
                name="initiative_on_hold_resumes",
            ),
            models.CheckConstraint(
                condition=Q(pillar__in=Pillar.values), name="initiative_pillar_valid"
            ),
            models.CheckConstraint(
                condition=Q(methodology="") | Q(methodology__in=Methodology.values),
                name="initiative_methodology_valid",
            ),
            # A PDCA stage only on a PDCA initiative, a DMAIC stage only on a DMAIC one.
            models.CheckConstraint(
                condition=~Q(stage__in=PDCA_STAGES) | Q(methodology=Methodology.PDCA),
                name="initiative_pdca_stage_methodology",
            ),
            models.CheckConstraint(
                condition=~Q(stage__in=DMAIC_STAGES) | Q(methodology=Methodology.DMAIC),
                name="initiative_dmaic_stage_methodology",
            ),
            # …and on hold, the stage it resumes to: the methodology is fixed once work
            # has started, so a resume can never land in the other methodology's stage.
            models.CheckConstraint(
                condition=~Q(held_from__in=PDCA_STAGES) | Q(methodology=Methodology.PDCA),
                name="initiative_pdca_held_methodology",
                violation_error_message="The methodology is fixed once work has started.",
            ),
            models.CheckConstraint(
                condition=~Q(held_from__in=DMAIC_STAGES) | Q(methodology=Methodology.DMAIC),
                name="initiative_dmaic_held_methodology",
                violation_error_message="The methodology is fixed once work has started.",
            ),
            # An initiative being worked on (or done) always has someone answering for it.
            models.CheckConstraint(
                condition=Q(stage__in=[*INTAKE_STAGES, Stage.REJECTED]) | Q(owner__isnull=False),
                name="initiative_owned_once_accepted",
                violation_error_message="An accepted initiative always has an owner.",
            ),
            models.CheckConstraint(condition=Q(cycle__gte=1), name="initiative_cycle_positive"),
            models.CheckConstraint(
                condition=Q(impact__isnull=True) | Q(impact__gte=1, impact__lte=5),
                name="initiative_impact_1_5",
            ),
            models.CheckConstraint(
                condition=Q(effort__isnull=True) | Q(effort__gte=1, effort__lte=5),
                name="initiative_effort_1_5",
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=1),
                name="initiative_confidence_0_1",
            ),
            models.CheckConstraint(
                condition=Q(estimated_annual_benefit__isnull=True)
                | Q(estimated_annual_benefit__gte=0),
                name="initiative_benefit_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(estimated_cost__isnull=True) | Q(estimated_cost__gte=0),
                name="initiative_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(duplicate_of=models.F("pk")), name="initiative_not_own_duplicate"
            ),
            # A rejection always says why: a reason or the original it duplicates.
            models.CheckConstraint(
                condition=~Q(stage=Stage.REJECTED)
                | ~Q(rejection_reason="")
                | Q(duplicate_of__isnull=False),
                name="initiative_rejection_explained",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pdca(self) -> bool:
        return self.methodology == Methodology.PDCA

    @property
    def working_stage(self) -> str:
        """The stage, or the one it resumes to when on hold."""
        return self.held_from or self.stage

    def clean(self) -> None:
        # The owner constraint's rule, on the field (full_clean then skips the constraint).
        accepted = self.stage not in (*INTAKE_STAGES, Stage.REJECTED)
        if accepted and self.owner_id is None:
            raise ValidationError({"owner": gettext("An accepted initiative always has an owner.")})


class StageTransition(models.Model):
    """One move of an initiative, written in the same transaction as the stage change.
    Immutable: history is appended, never edited."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="history")
    from_stage = models.CharField(max_length=20, choices=Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stage_transitions"
    )
    at = models.DateTimeField(default=timezone.now)
    note = limited_text(NOTE_TEXT, blank=True)
    cycle = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # The initiative page's timeline: WHERE initiative_id = … ORDER BY at.
            models.Index(fields=["initiative", "at"], name="transition_timeline_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_stage__in=Stage.values) & Q(to_stage__in=Stage.values),
                name="transition_stages_valid",
            ),
            # A PDCA loop act → plan is a move; staying put is not.
            models.CheckConstraint(
                condition=~Q(from_stage=models.F("to_stage")), name="transition_changes_stage"
            ),
            models.CheckConstraint(condition=Q(cycle__gte=1), name="transition_cycle_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.from_stage} → {self.to_stage}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Stage history is immutable; write a new transition instead.")
        # An insert, always: a row built with an existing pk fails rather than overwrites.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Stage history is immutable.")


class Support(models.Model):
    """A +1 on an idea; one per user and idea."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["initiative", "user"], name="support_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} supports {self.initiative_id}"


class Comment(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = limited_text(NOTE_TEXT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The initiative page: WHERE initiative_id = … ORDER BY created_at.
            models.Index(fields=["initiative", "created_at"], name="comment_thread_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="comment_body_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.initiative_id}"


class NotificationKind(TextChoices):
    STAGE_MOVED = "stage_moved", _("Stage moved")
    ASSIGNED = "assigned", _("Assigned")
    SIGNAL = "signal", _("Control-chart signal")
    COMMENT = "comment", _("Comment")
    REMINDER = "reminder", _("Reminder")
    # The primary target's first measured result (a test ran), and the move to Completed.
    RESULT = "result", _("Result measured")
    COMPLETED = "completed", _("Completed")
    # A campaign one submitted ideas to is closed (campaigns.services.close_campaign).
    CAMPAIGN_CLOSED = "campaign_closed", _("Campaign closed")


class Notification(models.Model):
    """The in-app list; the same events also go out by email."""

    Kind = NotificationKind

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the email went out, so a retried email job never sends twice.
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Set when the email could not be sent: refused for good (a 5xx, a bad address) or
    # still failing after the job's last retry. The job never tries it again.
    email_failed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.TextField(blank=True)
    # Emailed in the recipient's daily digest rather than at once: their setting when the
    # row was written, kept on the row so a later change of setting strands nothing.
    digest = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The unread badge and the list: WHERE recipient_id = … AND read_at IS NULL.
            models.Index(
                fields=["recipient", "read_at", "created_at"], name="notification_inbox_idx"
            ),
            # The daily digest: who has digest rows not emailed yet, and each one's rows
            # oldest first; a partial index, so it holds only the few rows still pending.
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(digest=True, emailed_at__isnull=True, email_failed_at__isnull=True),
                name="notification_digest_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationTopic(TextChoices):
    """What a person can choose how to hear about: a notification's kind, except that a
    stage move is one topic for the submitter of the idea and another for its owner and
    watchers (a submitter follows the outcome, an owner the work)."""

    IDEA_MOVED = "idea_moved", _("An idea I submitted moves to another stage")
    STAGE_MOVED = "stage_moved", _("An initiative I own or follow moves to another stage")
    RESULT = "result", _("An initiative I submitted, own or follow gets its first measured result")
    COMPLETED = "completed", _("An initiative I submitted, own or follow is completed")
    ASSIGNED = "assigned", _("I am made the owner or sponsor of an initiative")
    SIGNAL = "signal", _("Possible backsliding on an initiative I own (control-chart signal)")
    REMINDER = "reminder", _("An initiative I own has not moved for a while")
    CAMPAIGN_CLOSED = "campaign_closed", _("A campaign I submitted an idea to is closed")


class Delivery(TextChoices):
    IMMEDIATELY = "immediately", _("Immediately: in the app and by email")
    DIGEST = "digest", _("Daily digest: in the app now, by email once a day")
    OFF = "off", _("Off")


class NotificationPreference(models.Model):
    """How one person hears about one topic. Without a row the default applies
    (improvement.notifications.DEFAULT_DELIVERY); written only by
    improvement.notifications.save_preferences."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    topic = models.CharField(max_length=20, choices=NotificationTopic.choices)
    delivery = models.CharField(max_length=12, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "topic"]
        constraints = [
            # Also the index for every notification's look-up of its recipients'
            # settings: WHERE user_id IN (…) AND topic IN (…).
            models.UniqueConstraint(fields=["user", "topic"], name="notification_preference_once"),
            models.CheckConstraint(
                condition=Q(topic__in=NotificationTopic.values),
                name="notification_preference_topic_valid",
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=Delivery.values),
                name="notification_preference_delivery_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.topic} {self.delivery}"
