"""My work tells a submitter what became of each idea: its stage and, once its primary
target is measured, the result in one line — in a fixed number of queries."""

import datetime as dt

import pytest
from django.urls import reverse

from improvement.models import Stage
from improvement.outcomes import result_line
from metrics.models import Direction, ResultStatus
from tests.factories import (
    InitiativeFactory,
    LiveInitiativeFactory,
    MetricFactory,
    ResultSnapshotFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("improvement:my_work")


@pytest.fixture
def me():
    return UserFactory()


@pytest.fixture
def client_me(web_as, me):
    return web_as(me)


def measured_idea(submitter, *, title="Faster refunds", **result):
    """An idea of `submitter` in Check whose primary target (cycle time, lower is better)
    has a result with the fields in `result`."""
    initiative = LiveInitiativeFactory(submitted_by=submitter, title=title)
    target = TargetFactory(
        initiative=initiative,
        metric=MetricFactory(name="Cycle time", direction=Direction.LOWER_IS_BETTER),
    )
    values = {"status": ResultStatus.IMPROVING, "improvement_pct": 17.8, "p_value": 0.011}
    ResultSnapshotFactory(target=target, **(values | result))
    return initiative


def what_happened(response, initiative) -> str:
    """The row's text of `initiative` in the "Ideas I submitted" group."""
    [item] = [i for i in response.context["groups"]["submitted"] if i.pk == initiative.pk]
    return item.result_line


def test_it_shows_the_stage_and_the_measured_result_of_my_idea(client_me, me):
    idea = measured_idea(me)

    response = client_me.get(URL)

    assert response.status_code == 200
    line = "Improving: cycle time \N{MINUS SIGN}17.8 % (p = 0.011)"
    assert what_happened(response, idea) == line
    html = response.content.decode()
    assert f"#{idea.pk} Faster refunds" in html
    assert '<span class="stage">Check</span>' in html
    assert line in html


def test_it_shows_the_newest_result_of_the_primary_target_only(client_me, me):
    idea = measured_idea(me, status=ResultStatus.AT_RISK, as_of=dt.date(2026, 4, 1))
    primary = idea.targets.get()
    ResultSnapshotFactory(
        target=primary,
        as_of=dt.date(2026, 5, 1),
        status=ResultStatus.ACHIEVED,
        improvement_pct=25.0,
        p_value=0.0002,
    )
    other = TargetFactory(initiative=idea, is_primary=False, metric=MetricFactory(name="Cost"))
    ResultSnapshotFactory(target=other, status=ResultStatus.REGRESSED, p_value=0.01)

    response = client_me.get(URL)

    assert what_happened(response, idea) == "Achieved: cycle time \N{MINUS SIGN}25.0 % (p < 0.001)"


def test_it_shows_a_higher_is_better_metric_going_up(client_me, me):
    idea = LiveInitiativeFactory(submitted_by=me)
    target = TargetFactory(
        initiative=idea,
        metric=MetricFactory(name="CSAT score", direction=Direction.HIGHER_IS_BETTER),
        baseline_value=70.0,
        target_value=80.0,
    )
    ResultSnapshotFactory(
        target=target, status=ResultStatus.AT_RISK, improvement_pct=3.04, p_value=0.31
    )

    response = client_me.get(URL)

    assert what_happened(response, idea) == "At risk: CSAT score +3.0 % (p = 0.31)"


def test_it_shows_the_change_in_the_metrics_unit_when_the_baseline_is_zero(client_me, me):
    idea = measured_idea(
        me, improvement_pct=None, baseline_mean=0.0, current_mean=2.5, status=ResultStatus.REGRESSED
    )

    response = client_me.get(URL)

    assert what_happened(response, idea) == "Regressed: cycle time +2.5 hours (p = 0.011)"


def test_it_says_why_there_is_no_figure_before_a_test_could_run(client_me, me):
    idea = measured_idea(me, status=ResultStatus.INSUFFICIENT_DATA, improvement_pct=None)

    response = client_me.get(URL)

    assert what_happened(response, idea) == "Not enough data yet (cycle time)"
    assert "Not enough data yet (cycle time)" in response.content.decode()


def test_it_shows_a_dash_for_an_idea_not_measured(client_me, me):
    idea = InitiativeFactory(submitted_by=me, title="Label the shelves")

    response = client_me.get(URL)

    assert what_happened(response, idea) == ""
    row = response.content.decode().split("Label the shelves", 1)[1].split("</tr>", 1)[0]
    assert "<td>—</td>" in row


def test_it_keeps_the_reason_of_a_rejected_idea(client_me, me):
    InitiativeFactory(submitted_by=me, stage=Stage.REJECTED, rejection_reason="Already policy.")

    response = client_me.get(URL)

    assert "Already policy." in response.content.decode()


def test_it_shows_the_result_of_an_idea_i_own_too(client_me, me):
    idea = measured_idea(UserFactory())
    idea.owner = me
    idea.save(update_fields=["owner"])

    response = client_me.get(URL)

    [owned] = response.context["groups"]["owned"]
    assert owned.result_line.startswith("Improving: cycle time")


def test_it_escapes_the_metric_name(client_me, me):
    idea = LiveInitiativeFactory(submitted_by=me)
    target = TargetFactory(initiative=idea, metric=MetricFactory(name="<b>Wait</b>"))
    ResultSnapshotFactory(target=target, status=ResultStatus.IMPROVING, improvement_pct=5.0)

    response = client_me.get(URL)

    assert "<b>Wait</b>" not in response.content.decode()
    assert "&lt;b&gt;Wait&lt;/b&gt;" in response.content.decode()


def test_it_shows_my_work_in_the_same_queries_for_one_idea_or_ten(client_me, me, count_queries):
    measured_idea(me, title="Idea 0")
    client_me.get(URL)  # warm per-process caches (content types, session)
    _, one = count_queries(client_me, URL)
    for n in range(1, 10):
        measured_idea(me, title=f"Idea {n}")
    response, ten = count_queries(client_me, URL)

    assert response.status_code == 200
    assert len(response.context["groups"]["submitted"]) == 10
    assert all(item.result_line for item in response.context["groups"]["submitted"])
    assert one == ten


def test_it_words_a_result_without_a_p_value():
    result = ResultSnapshotFactory.build(
        target=TargetFactory.build(metric=MetricFactory.build(name="Throughput")),
        status=ResultStatus.IMPROVING,
        improvement_pct=0.0,
        p_value=None,
    )

    assert result_line(result) == "Improving: throughput 0.0 %"
