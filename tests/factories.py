"""One factory per model. Defaults build a valid row; tests override what they test."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from improvement.models import (
    Area,
    Comment,
    Initiative,
    Methodology,
    Notification,
    Pillar,
    Stage,
    StageTransition,
    Support,
)
from metrics.models import (
    ChartKind,
    Direction,
    Measurement,
    Metric,
    QuarterClose,
    QuarterlyResult,
    ResultSnapshot,
    ResultStatus,
    Target,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pass-for-tests")


class ReviewerFactory(UserFactory):
    @factory.post_generation
    def reviewers_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name="Reviewers"))


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Area {n}")


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Idea {n}")
    problem_statement = factory.Faker("paragraph")
    proposed_change = factory.Faker("sentence")
    pillar = Pillar.OPERATIONAL
    area = factory.SubFactory(AreaFactory)
    submitted_by = factory.SubFactory(UserFactory)


class TriagedInitiativeFactory(InitiativeFactory):
    """In the backlog: scored, methodology chosen, owner assigned."""

    stage = Stage.BACKLOG
    methodology = Methodology.PDCA
    impact = 4
    effort = 2
    owner = factory.SubFactory(UserFactory)


class StageTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageTransition

    initiative = factory.SubFactory(InitiativeFactory)
    from_stage = Stage.SUBMITTED
    to_stage = Stage.BACKLOG
    actor = factory.SubFactory(UserFactory)


class SupportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Support

    initiative = factory.SubFactory(InitiativeFactory)
    user = factory.SubFactory(UserFactory)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    initiative = factory.SubFactory(InitiativeFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence")


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    initiative = factory.SubFactory(InitiativeFactory)
    kind = Notification.Kind.STAGE_MOVED
    message = "Your idea moved to the backlog."


class MetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Metric
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Metric {n}")
    unit = "hours"
    direction = Direction.LOWER_IS_BETTER
    pillar = Pillar.OPERATIONAL
    chart_kind = ChartKind.INDIVIDUALS


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    initiative = factory.SubFactory(TriagedInitiativeFactory)
    metric = factory.SubFactory(MetricFactory)
    is_primary = True
    baseline_start = None
    baseline_end = None
    # One baseline source: a typed value, or (when a window is given) the window's mean.
    baseline_value = factory.LazyAttribute(lambda t: None if t.baseline_start else 10.0)
    target_value = 8.0
    target_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=90))


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    target = factory.SubFactory(TargetFactory)
    observed_at = factory.Sequence(
        lambda n: dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=n)
    )
    value = 9.5


class ResultSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResultSnapshot
        skip_postgeneration_save = True

    target = factory.SubFactory(TargetFactory)
    as_of = factory.LazyFunction(timezone.localdate)
    status = ResultStatus.NO_DATA

    @factory.post_generation
    def latest_status(result, create, extracted, **kwargs):
        """As the results job does: the target's latest_status follows its newest result."""
        if create and not result.target.results.filter(as_of__gt=result.as_of).exists():
            Target.objects.filter(pk=result.target_id).update(latest_status=result.status)


class QuarterlyResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuarterlyResult

    initiative = factory.SubFactory(TriagedInitiativeFactory)
    year = 2026
    quarter = 3


class QuarterCloseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuarterClose

    year = 2026
    quarter = 2
    closed_by = factory.SubFactory(ReviewerFactory)


class ReadyInitiativeFactory(TriagedInitiativeFactory):
    """Meets the gate of every move from any stage: scored and owned, a primary target with
    a baseline and a target value, a change date with a measurement and a computed result
    after it, a root cause, a control plan and a decision. A test takes away what it tests;
    `primary_target=False` leaves the targets out."""

    root_cause = "Forms wait in two in-trays."
    implemented_on = dt.date(2026, 3, 2)
    control_plan = "Weekly review of the cycle-time chart."
    decision_note = "Adopt: one in-tray halves the wait."
    # Entered its stage long ago, so a move visibly updates stage_entered_at.
    stage_entered_at = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)

    @factory.post_generation
    def primary_target(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        target = TargetFactory(initiative=self)
        MeasurementFactory(target=target, observed_at=dt.datetime(2026, 3, 9, 12, tzinfo=dt.UTC))
        ResultSnapshotFactory(target=target, n_before=1, n_after=1)


class SignalAlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "metrics.SignalAlert"

    target = factory.SubFactory(TargetFactory)
    observed_at = factory.Sequence(
        lambda n: dt.datetime(2026, 6, 1, tzinfo=dt.UTC) + dt.timedelta(days=n)
    )
    value = 14.2
    rule = 1


class LiveInitiativeFactory(TriagedInitiativeFactory):
    """Gone live: in `check` (PDCA) with a change date, so results are computed for it.
    For a DMAIC stage pass `methodology=Methodology.DMAIC` too."""

    stage = Stage.CHECK
    implemented_on = dt.date(2026, 3, 2)


def record_series(target, *, first: dt.date, values, sample_size=None) -> list[Measurement]:
    """One measurement a day from `first`, at noon UTC (the same local day in any time
    zone within ±11 h), bulk-created."""
    return Measurement.objects.bulk_create(
        Measurement(
            target=target,
            observed_at=dt.datetime.combine(first + dt.timedelta(days=i), dt.time(12), dt.UTC),
            value=value,
            sample_size=sample_size,
        )
        for i, value in enumerate(values)
    )


class LedgerRowFactory(QuarterlyResultFactory):
    """A ledger row as the rollup writes it: 2026 Q1 of an initiative live since
    5 January, on its primary target (cycle time, 1000 a year per hour saved), with
    figures and a computed benefit. Override `target__metric`, `target__benefit_type`,
    `initiative__area`, `initiative__owner` to shape a review case."""

    initiative = factory.SubFactory(LiveInitiativeFactory, implemented_on=dt.date(2026, 1, 5))
    target = factory.SubFactory(
        TargetFactory,
        initiative=factory.SelfAttribute("..initiative"),
        baseline_value=20.0,
        target_value=12.0,
        value_per_unit=1000,
    )
    year = 2026
    quarter = 1
    n_measurements = 12
    baseline_mean = 20.0
    quarter_mean = 15.0
    improvement = 5.0
    improvement_pct = 25.0
    progress_pct = 62.5
    p_value = 0.004
    significant = True
    status = ResultStatus.IMPROVING
    computed_benefit = "1250.00"


class CampaignFactory(factory.django.DjangoModelFactory):
    """An open campaign: opened a week ago, closing in three weeks."""

    class Meta:
        model = "campaigns.Campaign"

    title = factory.Sequence(lambda n: f"Campaign {n}")
    question = "How could we halve the waiting?"
    area = factory.SubFactory(AreaFactory)
    pillar = Pillar.OPERATIONAL
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=21))
    created_by = factory.SubFactory(ReviewerFactory)


class ActionItemFactory(factory.django.DjangoModelFactory):
    """An open action item due in a week, on a PDCA initiative in Do, assigned to its
    owner. Written directly (no event, no notification): tests of the service call it."""

    class Meta:
        model = "actions.ActionItem"

    initiative = factory.SubFactory(TriagedInitiativeFactory, stage=Stage.DO)
    title = factory.Sequence(lambda n: f"Action {n}")
    assignee = factory.LazyAttribute(lambda a: a.initiative.owner)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
    status = "open"
    stage = ""
    created_by = factory.LazyAttribute(lambda a: a.initiative.owner)
    closed_at = factory.LazyAttribute(lambda a: None if a.status == "open" else timezone.now())
