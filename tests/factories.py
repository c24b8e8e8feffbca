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
    baseline_value = 10.0
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

    target = factory.SubFactory(TargetFactory)
    as_of = factory.LazyFunction(timezone.localdate)
    status = ResultStatus.NO_DATA


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
