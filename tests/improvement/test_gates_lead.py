"""Gates that lead: each unmet condition of a move is shown in words (the codes stay in
the API) with a link to what fixes it — a field opened and focused (`?fix=`), the form
that adds a target, the target to correct — or who can fix it; a refused move points to
that list rather than repeating it; and before the freeze each target's baseline is
previewed as the freeze would take it."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse

from improvement import workflow
from improvement.models import Initiative, Methodology, Stage
from metrics import facts
from metrics.models import BaselineSource, ChartKind
from tests.factories import (
    MeasurementFactory,
    MetricFactory,
    ReadyInitiativeFactory,
    ReviewerFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
    record_series,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory(first_name="Olga", last_name="Owner")


def page_of(initiative: Initiative) -> str:
    return reverse("improvement:initiative", args=[initiative.pk])


def checklist(html: str, to: str) -> list[str]:
    """The unmet items of the move to `to`, as HTML."""
    form = re.search(rf'<form [^>]*id="move-{to}">.*?</form>', html, re.S)
    assert form, f"no move to {to}"
    return re.findall(r'<li class="unmet">(.*?)</li>', form.group(0), re.S)


def hrefs(items: list[str]) -> list[str]:
    return [re.search(r'<a href="([^"]*)">', item).group(1) for item in items]


# --- in words, each with its fix ----------------------------------------------------------------


def gate_pages(owner):
    """An initiative stopped at each gate the owner meets, and the move it waits for."""
    reviewer_only = TriagedInitiativeFactory(owner=None)
    return [
        (reviewer_only, "plan", ReviewerFactory()),
        (
            TriagedInitiativeFactory(
                stage=Stage.DEFINE, methodology=Methodology.DMAIC, owner=owner
            ),
            "measure",
            owner,
        ),
        (TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner), "do", owner),
        (ReadyInitiativeFactory(stage=Stage.DO, owner=owner, implemented_on=None), "check", owner),
        (
            ReadyInitiativeFactory(
                stage=Stage.ANALYZE, methodology=Methodology.DMAIC, owner=owner, root_cause=""
            ),
            "improve",
            owner,
        ),
        (
            ReadyInitiativeFactory(
                stage=Stage.CONTROL,
                methodology=Methodology.DMAIC,
                owner=owner,
                control_plan="",
                primary_target=False,
                implemented_on=dt.date(2026, 3, 2),
            ),
            "completed",
            owner,
        ),
        (
            ReadyInitiativeFactory(stage=Stage.ACT, owner=owner, decision_note=""),
            "completed",
            owner,
        ),
    ]


def test_it_shows_no_internal_codes_on_the_page(web_as, owner):
    for initiative, to, viewer in gate_pages(owner):
        html = web_as(viewer).get(page_of(initiative)).content.decode()

        assert checklist(html, to), (initiative.stage, to)
        assert "_missing" not in html
        assert "target_worsening" not in html
        assert f'aria-label="Still needed for {Stage(to).label}"' in html


def test_it_links_every_unmet_condition_to_its_fix(web_as, owner):
    for initiative, to, viewer in gate_pages(owner):
        items = checklist(web_as(viewer).get(page_of(initiative)).content.decode(), to)

        assert all('<a href="' in item for item in items), (initiative.stage, to, items)


@pytest.mark.parametrize(
    ("field", "initiative_kwargs", "to"),
    [
        ("implemented_on", {"stage": Stage.DO, "implemented_on": None}, "check"),
        (
            "root_cause",
            {"stage": Stage.ANALYZE, "methodology": Methodology.DMAIC, "root_cause": ""},
            "improve",
        ),
        (
            "control_plan",
            {"stage": Stage.CONTROL, "methodology": Methodology.DMAIC, "control_plan": ""},
            "completed",
        ),
        ("decision_note", {"stage": Stage.ACT, "decision_note": ""}, "completed"),
    ],
)
def test_it_links_a_missing_execution_field_to_the_field(
    web_as, owner, field, initiative_kwargs, to
):
    initiative = ReadyInitiativeFactory(owner=owner, **initiative_kwargs)

    html = web_as(owner).get(page_of(initiative)).content.decode()

    assert f"?fix={field}#id_{field}" in hrefs(checklist(html, to))


def test_it_says_the_change_date_in_words_and_links_it(web_as, owner):
    initiative = ReadyInitiativeFactory(stage=Stage.DO, owner=owner, implemented_on=None)

    html = web_as(owner).get(page_of(initiative)).content.decode()

    assert checklist(html, "check") == [
        '<a href="?fix=implemented_on#id_implemented_on">Set the date the change went live.</a>'
    ]


def test_it_opens_and_focuses_the_field_a_link_asks_for(web_as, owner):
    initiative = ReadyInitiativeFactory(stage=Stage.DO, owner=owner, implemented_on=None)
    client = web_as(owner)

    closed = client.get(page_of(initiative)).content.decode()
    opened = client.get(page_of(initiative), {"fix": "implemented_on"}).content.decode()

    assert '<details class="execution">' in closed
    assert '<details class="execution" open>' in opened
    field = re.search(r'<input[^>]*id="id_implemented_on"[^>]*>', opened).group(0)
    assert "autofocus" in field


def test_it_links_a_missing_target_to_the_add_target_form_and_opens_it(web_as, owner):
    initiative = TriagedInitiativeFactory(
        stage=Stage.DEFINE, methodology=Methodology.DMAIC, owner=owner
    )
    client = web_as(owner)

    html = client.get(page_of(initiative)).content.decode()
    opened = client.get(page_of(initiative), {"fix": "new_target"}).content.decode()

    assert checklist(html, "measure") == [
        '<a href="?fix=new_target#id_metric">Add at least one target metric.</a>'
    ]
    assert '<details class="add-target" open>' in opened
    assert re.search(r'<select[^>]*id="id_metric"[^>]*autofocus', opened) or re.search(
        r'<select[^>]*autofocus[^>]*id="id_metric"', opened
    )
    assert reverse("improvement:target_add", args=[initiative.pk]) in opened


def test_it_links_a_missing_target_value_to_that_targets_edit_form(web_as, owner):
    initiative = TriagedInitiativeFactory(
        stage=Stage.DEFINE, methodology=Methodology.DMAIC, owner=owner
    )
    TargetFactory(initiative=initiative, metric__name="Wait", is_primary=True)
    missing = TargetFactory(
        initiative=initiative, metric__name="Refund time", is_primary=False, target_value=None
    )

    html = web_as(owner).get(page_of(initiative)).content.decode()

    edit = reverse("improvement:target_edit", args=[missing.pk])
    assert hrefs(checklist(html, "measure")) == [f"{edit}#id_target{missing.pk}_target_value"]


def test_it_links_a_missing_baseline_to_that_targets_edit_form(web_as, owner):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)
    missing = TargetFactory(initiative=initiative, baseline_value=None)

    html = web_as(owner).get(page_of(initiative)).content.decode()

    edit = reverse("improvement:target_edit", args=[missing.pk])
    assert hrefs(checklist(html, "do")) == [f"{edit}#id_target{missing.pk}_baseline_value"]


def test_it_links_a_missing_owner_to_the_triage_field_for_a_reviewer(web_as, reviewer):
    initiative = TriagedInitiativeFactory(owner=None)
    client = web_as(reviewer)

    html = client.get(page_of(initiative)).content.decode()
    opened = client.get(page_of(initiative), {"fix": "owner"}).content.decode()

    assert checklist(html, "plan") == ['<a href="?fix=owner#id_owner">Assign an owner.</a>']
    assert '<details class="triage" open>' in opened
    assert re.search(r'<select[^>]*name="owner"[^>]*autofocus', opened)


def test_it_says_who_fixes_what_the_viewer_cannot(web_as):
    sponsor = UserFactory()
    initiative = TriagedInitiativeFactory(owner=None, sponsor=sponsor)

    html = web_as(sponsor).get(page_of(initiative)).content.decode()

    assert checklist(html, "plan") == [
        'Assign an owner. <small class="muted">(a reviewer does this)</small>'
    ]


def test_it_links_a_missing_post_change_measurement_to_the_recording_form(web_as, owner):
    initiative = ReadyInitiativeFactory(stage=Stage.DO, owner=owner, primary_target=False)
    target = TargetFactory(initiative=initiative)
    client = web_as(owner)

    html = client.get(page_of(initiative)).content.decode()
    opened = client.get(page_of(initiative), {"fix": "measurement"}).content.decode()

    assert hrefs(checklist(html, "check")) == [f"?fix=measurement#id_t{target.pk}_observed_at"]
    field = re.search(rf'<input[^>]*id="id_t{target.pk}_observed_at"[^>]*>', opened).group(0)
    assert "autofocus" in field


def test_it_ignores_a_fix_it_does_not_know(web_as, owner):
    initiative = ReadyInitiativeFactory(stage=Stage.DO, owner=owner, implemented_on=None)

    response = web_as(owner).get(page_of(initiative), {"fix": "<script>"})

    assert response.status_code == 200
    assert "autofocus" not in response.content.decode()
    assert '<details class="execution">' in response.content.decode()


def test_it_has_a_fix_for_every_condition_a_gate_can_name():
    source = Path(workflow.__file__).read_text()
    codes = set(re.findall(r'Unmet\(\s*"(\w+)"', source)) - {"not_permitted", "move_not_allowed"}

    assert codes
    assert codes <= set(workflow.FIXED_BY)


# --- a refused move points to the list ---------------------------------------------------------


def test_it_points_a_refused_move_to_the_list_rather_than_repeating_it(
    web_as, owner, assert_not_moved
):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)
    TargetFactory(initiative=initiative, metric__name="Refund time", baseline_value=None)
    message = "Enter a baseline value, or a baseline window with measurements, for: Refund time."

    response = web_as(owner).post(
        reverse("improvement:move", args=[initiative.pk]), {"to": "do"}, follow=True
    )

    assert response.redirect_chain == [(page_of(initiative), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Not moved to Do: 1 condition not met yet, listed under Next steps with each fix."
    ]
    assert response.content.decode().count(message) == 1
    assert_not_moved(initiative, Stage.PLAN)


def test_it_still_names_what_the_page_does_not_list(web_as, owner, assert_not_moved):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)

    response = web_as(owner).post(
        reverse("improvement:move", args=[initiative.pk]), {"to": "cancelled"}, follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Not moved to Cancelled: Add a note saying why."
    ]
    assert_not_moved(initiative, Stage.PLAN)


# --- the baseline preview ----------------------------------------------------------------------


def windowed(initiative, *, values, metric=None, sample_size=None, is_primary=True):
    target = TargetFactory(
        initiative=initiative,
        is_primary=is_primary,
        baseline_start=dt.date(2026, 1, 1),
        baseline_end=dt.date(2026, 1, 31),
        **({"metric": metric} if metric else {}),
    )
    record_series(target, first=dt.date(2026, 1, 5), values=values, sample_size=sample_size)
    return target


def test_it_previews_the_baselines_before_the_pdca_freeze(web_as, owner):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)
    windowed(initiative, values=[12.0, 12.5, 12.7], metric=MetricFactory(name="Refund time"))
    TargetFactory(initiative=initiative, is_primary=False, metric__name="Wait", baseline_value=12.5)
    TargetFactory(
        initiative=initiative,
        is_primary=False,
        metric__name="Calls",
        baseline_start=dt.date(2026, 2, 1),
        baseline_end=dt.date(2026, 2, 28),
    )

    html = web_as(owner).get(page_of(initiative)).content.decode()

    assert (
        "<strong>Refund time</strong> — Baseline if frozen now: mean 12.4 of 3 measurements "
        "(window 2026-01-01 to 2026-01-31)"
    ) in html
    assert "<strong>Wait</strong> — Baseline if frozen now: 12.5 (typed value)" in html
    assert (
        "<strong>Calls</strong> — No baseline if frozen now: no measurements in the window "
        "2026-02-01 to 2026-02-28"
    ) in html


def test_it_previews_the_baselines_before_the_dmaic_freeze(web_as, owner):
    initiative = TriagedInitiativeFactory(
        stage=Stage.MEASURE, methodology=Methodology.DMAIC, owner=owner
    )
    windowed(initiative, values=[4.0, 5.0], metric=MetricFactory(name="Defects"))

    html = web_as(owner).get(page_of(initiative)).content.decode()

    move = re.search(r'<form [^>]*id="move-analyze">.*?</form>', html, re.S).group(0)
    assert "Baseline if frozen now: mean 4.5 of 2 measurements" in move


def test_it_previews_a_proportions_pooled_baseline(web_as, owner):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)
    metric = MetricFactory(name="Defect rate", chart_kind=ChartKind.PROPORTION)
    target = windowed(initiative, values=[0.1, 0.2], metric=metric, sample_size=100)
    target.measurements.filter(value=0.2).update(sample_size=300)

    html = web_as(owner).get(page_of(initiative)).content.decode()

    # (0.1 × 100 + 0.2 × 300) / 400 = 0.175
    assert "Baseline if frozen now: pooled proportion 0.175 of 2 measurements" in html


def test_it_shows_no_preview_after_the_freeze(web_as, owner):
    initiative = ReadyInitiativeFactory(stage=Stage.DO, owner=owner)

    response = web_as(owner).get(page_of(initiative))

    assert response.context["baseline_preview"] == []
    assert "Baseline if frozen now" not in response.content.decode()


def test_it_freezes_what_it_previewed(owner):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)
    target = windowed(initiative, values=[12.0, 12.5, 12.7, 13.1])
    typed = TargetFactory(initiative=initiative, is_primary=False, baseline_value=9.25)
    preview = {p.target_id: p for p in facts.baseline_preview(initiative_id=initiative.pk)}

    workflow.move(initiative=initiative, to=Stage.DO, actor=owner)

    target.refresh_from_db()
    typed.refresh_from_db()
    assert (target.baseline_value, target.baseline_n, target.baseline_source) == (
        preview[target.pk].value,
        preview[target.pk].n,
        preview[target.pk].source,
    )
    assert (typed.baseline_value, typed.baseline_source) == (
        preview[typed.pk].value,
        preview[typed.pk].source,
    )
    assert preview[typed.pk].n is None
    assert facts.baseline_preview(initiative_id=initiative.pk) == []  # all frozen now


def test_it_previews_in_one_query(django_assert_num_queries, owner):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)
    for i in range(4):
        windowed(initiative, values=[9.0, 10.0, 11.0], is_primary=i == 0)
    TargetFactory(initiative=initiative, is_primary=False, baseline_value=9.5)

    with django_assert_num_queries(1):
        previews = facts.baseline_preview(initiative_id=initiative.pk)

    assert [p.value for p in previews] == [10.0, 10.0, 10.0, 10.0, 9.5]
    assert [p.source for p in previews] == [BaselineSource.WINDOW] * 4 + [BaselineSource.MANUAL]


def test_it_previews_only_unfrozen_targets(owner):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)
    TargetFactory(
        initiative=initiative,
        baseline_source=BaselineSource.MANUAL,
        frozen_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    fresh = TargetFactory(initiative=initiative, is_primary=False, baseline_value=None)

    previews = facts.baseline_preview(initiative_id=initiative.pk)

    assert [(p.target_id, p.value, p.source) for p in previews] == [(fresh.pk, None, None)]


# --- query counts ------------------------------------------------------------------------------


def test_it_shows_the_gates_and_the_preview_in_fixed_queries(web_as, count_queries, owner):
    """Before the freeze the page reads the preview: one query more than it would
    without, however many targets and measurements there are."""
    client = web_as(owner)
    small = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)
    large = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)
    windowed(small, values=[10.0])
    for i in range(5):
        target = windowed(large, values=[9.0 + i, 10.0, 11.0] * 10, is_primary=i == 0)
    MeasurementFactory.create_batch(3, target=target)
    client.get(page_of(small))

    _, few = count_queries(client, page_of(small))
    response, many = count_queries(client, page_of(large))

    assert response.status_code == 200
    assert len(response.context["baseline_preview"]) == 5
    assert few == many


def test_it_reads_the_preview_in_one_query_of_its_own(web_as, count_queries, owner, monkeypatch):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)
    windowed(initiative, values=[10.0, 12.0])
    client = web_as(owner)
    client.get(page_of(initiative))

    _, with_preview = count_queries(client, page_of(initiative))
    monkeypatch.setattr(facts, "baseline_preview", lambda **kwargs: [])
    _, without = count_queries(client, page_of(initiative))

    assert with_preview == without + 1
