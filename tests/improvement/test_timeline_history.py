"""Corrections on the initiative's timeline: changes and deletions of its targets and
measurements, and changes of its own fields other than a move's, each with who, when,
which object, old → new and the reason (metrics.history.changes_for), merged with the
moves and comments and paged with them — in a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from improvement import services as initiative_services
from improvement import workflow
from improvement.models import Stage
from improvement.views.initiative import ACTIVITY_PER_PAGE, activity
from metrics import facts, services
from metrics.history import changes_for
from metrics.models import Measurement
from tests.factories import (
    CommentFactory,
    LiveInitiativeFactory,
    MeasurementFactory,
    MetricFactory,
    StageTransitionFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
    record_series,
)
from tests.improvement.test_views_initiative import build

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
T0 = dt.datetime(2026, 6, 1, 8, tzinfo=dt.UTC)


@pytest.fixture
def owner(db):
    return UserFactory(first_name="Olga", last_name="Owner")


@pytest.fixture
def initiative(owner):
    return LiveInitiativeFactory(owner=owner, stage=Stage.ACT)


@pytest.fixture
def target(initiative):
    return TargetFactory(initiative=initiative, metric__name="Refund time", is_primary=False)


def page_of(initiative) -> str:
    return reverse("improvement:initiative", args=[initiative.pk])


def timeline(response) -> str:
    html = response.content.decode()
    return html[html.index('<ol class="timeline">') : html.index("</ol>", html.index("timeline"))]


def measurements(target, count: int) -> list:
    """`count` measurements of `target`, an hour apart in January (the factory's own
    sequence runs a day apart and reaches the future after a long test run)."""
    first = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return [
        MeasurementFactory(target=target, observed_at=first + dt.timedelta(hours=i))
        for i in range(count)
    ]


def correct(measurement, actor, reason="Typed wrong", **changes):
    services.correct_measurement(
        measurement=measurement, actor=actor, changes=changes or {"value": 7.0}, reason=reason
    )


# --- what the selector returns -----------------------------------------------------------


def test_it_reads_a_measurement_correction_with_who_what_and_why(owner, target):
    measurement = MeasurementFactory(
        target=target, observed_at=dt.datetime(2026, 4, 7, 9, 30, tzinfo=dt.UTC), value=9.5
    )
    correct(measurement, owner, "Typed 9.5 for 12.5", value=12.5, sample_size=40)

    [change] = changes_for(target.initiative_id, 10)

    assert (change.kind, change.deleted, change.who, change.reason) == (
        "measurement",
        False,
        "Olga Owner",
        "Typed 9.5 for 12.5",
    )
    assert change.subject == "the measurement of Refund time at 2026-04-07 09:30 (12.5)"
    assert [(f.label, f.old, f.new) for f in change.fields] == [
        ("Value", "9.5", "12.5"),
        ("Sample size", "—", "40"),
    ]


def test_it_reads_a_target_change_field_by_field(owner, target):
    other = MetricFactory(name="Wait time")
    services.update_target(
        target=target,
        actor=owner,
        changes={"is_primary": True, "target_value": 7.0, "metric": other},
        reason="Agreed at review",
    )

    [change] = changes_for(target.initiative_id, 10)

    assert (change.kind, change.subject, change.reason) == (
        "target",
        "the target on Wait time",
        "Agreed at review",
    )
    assert [(f.label, f.old, f.new) for f in change.fields] == [
        ("Metric", "Refund time", "Wait time"),
        ("Primary target", "no", "yes"),
        ("Target value", "8", "7"),
    ]


def test_it_reads_a_deleted_target_once_with_the_measurements_that_went_with_it(owner, target):
    record_series(target, first=dt.date(2026, 4, 1), values=[1.0, 2.0])  # bulk: no history
    measurements(target, 3)

    services.delete_target(target=target, actor=owner, reason="Wrong metric")
    changes = changes_for(target.initiative_id, 10)

    assert [(c.kind, c.deleted, c.subject, c.reason) for c in changes] == [
        ("target", True, "the target on Refund time and its 5 measurements", "Wrong metric")
    ]


def test_it_reads_a_deleted_measurement_with_its_reason(owner, target):
    [measurement] = measurements(target, 1)
    Measurement.objects.filter(pk=measurement.pk).update(value=4.25)
    measurement.refresh_from_db()
    services.delete_measurement(measurement=measurement, actor=owner, reason="Test entry")

    [change] = changes_for(target.initiative_id, 10)

    assert (change.kind, change.deleted, change.reason, change.fields) == (
        "measurement",
        True,
        "Test entry",
        (),
    )
    assert change.subject.endswith("(4.25)")


def test_it_reads_the_initiatives_own_changes_but_not_its_moves(reviewer, owner):
    initiative = TriagedInitiativeFactory(owner=owner, stage=Stage.BACKLOG)
    workflow.move(initiative=initiative, to=Stage.PLAN, actor=owner)  # stage only
    initiative.refresh_from_db()
    initiative_services.update_initiative(
        initiative=initiative,
        actor=owner,
        changes={"root_cause": "Two in-trays", "implemented_on": dt.date(2026, 3, 2)},
    )

    [change] = changes_for(initiative.pk, 10)

    assert (change.kind, change.subject, change.who) == (
        "initiative",
        "the initiative",
        "Olga Owner",
    )
    assert [(f.label, f.old, f.new) for f in change.fields] == [
        ("Root cause", "—", "Two in-trays"),
        ("Change went live", "—", "2026-03-02"),
    ]


def test_it_names_the_people_a_change_points_to(reviewer, owner):
    initiative = TriagedInitiativeFactory(owner=owner, stage=Stage.BACKLOG)
    successor = UserFactory(first_name="Nina", last_name="New")
    initiative_services.update_initiative(
        initiative=initiative, actor=reviewer, changes={"owner": successor}
    )

    with CaptureQueriesContext(connection) as queries:
        [change] = changes_for(initiative.pk, 10)

    assert [(f.label, f.old, f.new) for f in change.fields] == [("Owner", "Olga Owner", "Nina New")]
    assert len(queries) == 4  # the three models, then the people named


def test_it_leaves_out_recordings_and_saves_that_changed_nothing(owner, target):
    measurements(target, 3)
    target.save()  # a version with the same values
    TargetFactory(initiative=target.initiative, is_primary=False)

    assert changes_for(target.initiative_id, 10) == []


def test_it_leaves_out_other_initiatives_corrections(owner, target):
    elsewhere = MeasurementFactory(observed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    correct(elsewhere, elsewhere.target.initiative.owner)

    assert changes_for(target.initiative_id, 10) == []


def test_it_reads_the_newest_corrections_first_up_to_the_limit(owner, target):
    for i, measurement in enumerate(measurements(target, 5)):
        correct(measurement, owner, f"Fix {i}")

    changes = changes_for(target.initiative_id, 3)

    assert [c.reason for c in changes] == ["Fix 4", "Fix 3", "Fix 2"]


def test_it_says_nobody_signed_in_for_a_change_without_a_user(target):
    measurement = MeasurementFactory(target=target)
    measurement.value = 3.0
    measurement._change_reason = "Import fix"
    measurement.save()

    [change] = changes_for(target.initiative_id, 10)

    assert change.who == ""


def corrections(initiative, actor, count: int) -> None:
    """`count` corrections, of measurements and of targets."""
    target = TargetFactory(initiative=initiative, is_primary=False, metric=MetricFactory())
    for i, measurement in enumerate(measurements(target, count)):
        correct(measurement, actor, f"Fix {i}")
        services.update_target(
            target=target, actor=actor, changes={"target_value": 7.9 - i / 100}, reason="r"
        )


def test_it_reads_the_corrections_in_fixed_queries(owner):
    one, many = LiveInitiativeFactory(owner=owner), LiveInitiativeFactory(owner=owner)
    corrections(one, owner, 1)
    corrections(many, owner, 20)

    with CaptureQueriesContext(connection) as few:
        assert len(changes_for(one.pk, 50)) == 2
    with CaptureQueriesContext(connection) as more:
        assert len(changes_for(many.pk, 50)) == 40

    assert len(few) == len(more) == 3  # one a model, with the people and metrics named


# --- on the initiative page -------------------------------------------------------------


def test_it_shows_a_correction_on_the_timeline(web_as, owner, target):
    measurement = MeasurementFactory(
        target=target, observed_at=dt.datetime(2026, 4, 7, 9, 30, tzinfo=dt.UTC), value=9.5
    )
    web_as(owner).post(
        reverse("improvement:measurement_edit", args=[measurement.pk]),
        {"observed_at": "2026-04-07T09:30", "value": "12.5", "reason": "Typed 9.5 for 12.5"},
    )

    response = web_as(UserFactory()).get(page_of(target.initiative))

    assert response.status_code == 200
    html = timeline(response)
    assert "Olga Owner changed the measurement of Refund time at 2026-04-07 09:30 (12.5)" in html
    assert 'Value: <span class="old">9.5</span> → <span class="new">12.5</span>' in html
    assert "<p>Reason: Typed 9.5 for 12.5</p>" in html


def test_it_shows_a_deleted_target_on_the_timeline(web_as, owner, target):
    web_as(owner).post(
        reverse("improvement:target_delete", args=[target.pk]), {"reason": "Wrong metric"}
    )

    html = timeline(web_as(owner).get(page_of(target.initiative)))

    assert "Olga Owner deleted the target on Refund time" in html
    assert "<p>Reason: Wrong metric</p>" in html


def test_it_escapes_html_in_corrections(web_as, owner, target):
    target.metric.name = XSS
    target.metric.save()
    [measurement] = measurements(target, 1)
    correct(measurement, owner, XSS[:60])
    initiative_services.update_initiative(
        initiative=target.initiative, actor=owner, changes={"control_plan": XSS}
    )

    html = web_as(owner).get(page_of(target.initiative)).content.decode()

    assert XSS not in html
    assert ESCAPED in timeline_html(html)


def timeline_html(html: str) -> str:
    return html[html.index('<ol class="timeline">') :]


def test_it_merges_corrections_with_moves_and_comments_in_time_order(owner, target):
    initiative = target.initiative
    CommentFactory(initiative=initiative, body="first", created_at=T0)
    [measurement] = measurements(target, 1)
    correct(measurement, owner, "second")
    StageTransitionFactory(
        initiative=initiative,
        from_stage=Stage.CHECK,
        to_stage=Stage.ACT,
        note="third",
    )
    Measurement.audit.filter(history_type="~").update(history_date=T0 + dt.timedelta(hours=1))
    initiative.history.update(at=T0 + dt.timedelta(hours=2))

    items = activity(initiative).items

    assert [item.get("text") or item["change"].reason for item in items] == [
        "first",
        "second",
        "third",
    ]


def key_of(item) -> str:
    return f"c{item['change'].history_id}" if item["kind"] == "change" else item["text"]


@pytest.mark.parametrize(
    "layout",
    [
        "corrections newest",
        "corrections oldest",
        "interleaved",
        "more corrections than comments",
    ],
)
def test_it_pages_the_timeline_with_every_item_once_in_order(owner, target, layout):
    initiative = target.initiative
    comments, fixes = (30, 95) if layout == "more corrections than comments" else (70, 45)
    for i in range(comments):
        CommentFactory(initiative=initiative, body=f"comment {i:03}")
    for measurement in measurements(target, fixes):
        correct(measurement, owner)
    minute = dt.timedelta(minutes=1)
    # Times: comments every two minutes; the corrections before, after or between them.
    for i, comment in enumerate(initiative.comments.order_by("id")):
        initiative.comments.filter(pk=comment.pk).update(created_at=T0 + 2 * i * minute)
    history = Measurement.audit.filter(history_type="~").order_by("history_id")
    for i, version in enumerate(history):
        at = {
            "corrections newest": T0 + (1000 + i) * minute,
            "corrections oldest": T0 - (1000 - i) * minute,
        }.get(layout, T0 + (2 * i + 1) * minute)
        Measurement.audit.filter(history_id=version.history_id).update(history_date=at)
    expected = sorted(
        [
            *((c.created_at, "comment", c.body) for c in initiative.comments.all()),
            *((v.history_date, "change", f"c{v.history_id}") for v in history.all()),
        ],
        reverse=True,
    )
    expected = [key for _, _, key in expected]

    seen, page = [], 1
    while True:
        shown = activity(initiative, page=page)
        seen += [key_of(item) for item in reversed(shown.items)]
        if not shown.has_older:
            break
        assert len(shown) == ACTIVITY_PER_PAGE
        page += 1

    assert seen == expected
    assert page == -(-(comments + fixes) // ACTIVITY_PER_PAGE)


def test_it_shows_nothing_on_a_page_past_the_end(owner, target):
    CommentFactory.create_batch(3, initiative=target.initiative)
    for measurement in measurements(target, 60):
        correct(measurement, owner)

    last, beyond = activity(target.initiative, page=2), activity(target.initiative, page=3)

    assert (len(last), last.has_older) == (13, False)
    assert (len(beyond), beyond.has_older) == (0, False)


def test_it_shows_the_initiative_page_in_fixed_queries_with_1_or_20_corrections(
    web_as, count_queries, owner
):
    one, many = LiveInitiativeFactory(owner=owner), LiveInitiativeFactory(owner=owner)
    for initiative in (one, many):
        build(initiative, targets=2, points=5, rows=3)
    corrections(one, owner, 1)
    corrections(many, owner, 20)
    client = web_as(owner)
    client.get(page_of(one))

    _, few = count_queries(client, page_of(one))
    response, more = count_queries(client, page_of(many))

    assert response.status_code == 200
    assert sum(item["kind"] == "change" for item in response.context["activity"]) == 40
    assert few == more


def test_it_shows_a_later_timeline_page_in_the_queries_of_the_first(
    web_as, count_queries, owner, target
):
    for measurement in measurements(target, 30):
        correct(measurement, owner)
    CommentFactory.create_batch(40, initiative=target.initiative)
    client = web_as(owner)
    client.get(page_of(target.initiative))

    _, first = count_queries(client, page_of(target.initiative))
    response, second = count_queries(client, page_of(target.initiative), {"activity": 2})

    assert len(response.context["activity"]) == 20
    assert first == second


def test_it_keeps_the_frozen_baselines_freeze_on_the_timeline(web_as, owner):
    """A move into Do freezes the baselines: the targets' new values are on the timeline,
    with the freeze's reason."""
    initiative = TriagedInitiativeFactory(owner=owner, stage=Stage.PLAN)
    TargetFactory(initiative=initiative, metric__name="Refund time")
    facts.freeze_baselines(initiative_id=initiative.pk, actor=owner)

    [change] = changes_for(initiative.pk, 10)

    assert (change.kind, change.reason) == ("target", "Baseline frozen.")
    assert ("Baseline source", "—", "Entered by hand") in [
        (f.label, f.old, f.new) for f in change.fields
    ]


@pytest.mark.django_db
def test_it_shows_what_a_bulk_recorded_measurement_was_before_its_correction(client):
    """Recorded points have no history row of their own (a batch of thousands costs none);
    the first correction writes the point as recorded as its first version, so the
    timeline still shows old -> new — for rows recorded before the audit trail too."""
    from metrics import services as metric_services
    from metrics.history import changes_for
    from metrics.models import Measurement

    target = TargetFactory(initiative=LiveInitiativeFactory())
    (measurement,) = Measurement.objects.bulk_create(
        [
            Measurement(
                target=target, observed_at=dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), value=90
            )
        ]
    )
    metric_services.correct_measurement(
        measurement=measurement,
        actor=target.initiative.owner,
        changes={"value": 9.0},
        reason="Typo: 90 for 9.",
    )

    (change,) = changes_for(target.initiative_id, 10)
    assert (change.kind, change.reason) == ("measurement", "Typo: 90 for 9.")
    assert [(f.old, f.new) for f in change.fields] == [("90", "9")]
    first = measurement.audit.earliest()
    assert (first.history_type, first.value, first.history_date) == (
        "+",
        90.0,
        measurement.created_at,
    )
    client.force_login(target.initiative.owner)
    page = client.get(f"/initiatives/{target.initiative_id}/").content.decode()
    assert "Typo: 90 for 9." in page
