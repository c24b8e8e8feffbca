"""Corrections from the recording page: a target edited or deleted, a measurement
corrected or deleted, each with the reason kept in the history. The services decide
(metrics.services); a refusal comes back on the form (400) with their words and changes
nothing, someone off the team gets 403 and an unknown id 404."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from metrics import facts
from metrics.models import BenefitType, Measurement, Target
from metrics.services import REASON_NEEDED
from tests.factories import (
    LedgerRowFactory,
    LiveInitiativeFactory,
    MeasurementFactory,
    MetricFactory,
    QuarterCloseFactory,
    TargetFactory,
    UserFactory,
    record_series,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(db):
    return UserFactory(first_name="Olga", last_name="Owner")


@pytest.fixture
def initiative(owner):
    return LiveInitiativeFactory(owner=owner, implemented_on=dt.date(2026, 3, 2))


@pytest.fixture
def target(initiative):
    """Not frozen yet: the owner and the team edit it freely."""
    return TargetFactory(
        initiative=initiative,
        metric__name="Refund time",
        is_primary=False,
        baseline_value=10.0,
        target_value=8.0,
        target_date=dt.date(2026, 12, 31),
    )


@pytest.fixture
def frozen(initiative, owner):
    """A target whose baseline is the frozen mean of its window, 1 to 10 February."""
    target = TargetFactory(
        initiative=initiative,
        metric__name="Wait time",
        baseline_start=dt.date(2026, 2, 1),
        baseline_end=dt.date(2026, 2, 10),
        target_value=8.0,
    )
    record_series(target, first=dt.date(2026, 2, 1), values=[10, 11, 12])
    facts.freeze_baselines(initiative_id=initiative.pk, actor=owner)
    target.refresh_from_db()
    return target


@pytest.fixture
def measurement(target):
    return MeasurementFactory(
        target=target, observed_at=dt.datetime(2026, 4, 7, 9, 30, tzinfo=dt.UTC), value=9.5
    )


def url(name: str, pk: int) -> str:
    return reverse(f"improvement:{name}", args=[pk])


def page_of(target) -> str:
    return reverse("improvement:initiative", args=[target.initiative_id])


def messages_on(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def target_data(target, **overrides) -> dict:
    """The edit form as it comes, with `overrides` typed over it."""
    data = {
        "metric": target.metric_id,
        "baseline_value": "" if target.baseline_value is None else target.baseline_value,
        "baseline_start": target.baseline_start or "",
        "baseline_end": target.baseline_end or "",
        "target_value": target.target_value,
        "target_date": target.target_date or "",
        "value_per_unit": target.value_per_unit or "",
        "benefit_type": target.benefit_type,
        "reason": "",
    }
    if target.is_primary:
        data["is_primary"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def tag_of(html: str, element_id: str) -> str:
    """The opening tag of the element with this id."""
    match = re.search(rf'<(input|select)[^>]*id="{element_id}"[^>]*>', html)
    assert match, element_id
    return match.group(0)


def newest_version(model, pk):
    return model.audit.filter(id=pk).order_by("-history_id").first()


# --- editing a target ---------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False])
def test_it_shows_the_owner_the_target_edit_form(web_as, owner, target, htmx):
    response = web_as(owner).get(url("target_edit", target.pk), headers=HTMX if htmx else {})

    assert response.status_code == 200
    html = response.content.decode()
    for field in ("metric", "is_primary", "baseline_value", "target_value", "reason"):
        assert f'<label for="id_target{target.pk}_{field}">' in html
    assert f'action="{url("target_edit", target.pk)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'value="8.0"' in html  # the target value as it stands
    assert ("<html" in html) is not htmx


def test_it_saves_an_owners_edit_before_the_freeze_with_its_history(web_as, owner, target):
    response = web_as(owner).post(
        url("target_edit", target.pk),
        target_data(target, target_value="7.5", reason="Agreed with finance"),
    )

    assert response.status_code == 302
    assert response["Location"] == page_of(target) + f"#target-{target.pk}"
    target.refresh_from_db()
    assert target.target_value == 7.5
    version = newest_version(Target, target.pk)
    assert (version.history_type, version.history_user, version.history_change_reason) == (
        "~",
        owner,
        "Agreed with finance",
    )


def test_it_confirms_a_saved_target_on_the_page(web_as, owner, target):
    response = web_as(owner).post(
        url("target_edit", target.pk), target_data(target, target_value="7.5"), follow=True
    )

    assert response.status_code == 200
    assert "Target on Refund time saved." in messages_on(response)


def test_it_lets_a_team_member_mark_a_target_primary(web_as, initiative, target):
    member = UserFactory()
    initiative.team.add(member)
    assert not Target.objects.filter(initiative=initiative, is_primary=True).exists()

    response = web_as(member).post(
        url("target_edit", target.pk), target_data(target, is_primary="on")
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_primary
    assert newest_version(Target, target.pk).history_user == member


def test_it_refuses_a_second_primary_target_and_changes_nothing(web_as, owner, initiative, target):
    TargetFactory(initiative=initiative, is_primary=True)
    versions = Target.audit.count()

    response = web_as(owner).post(
        url("target_edit", target.pk), target_data(target, is_primary="on")
    )

    assert response.status_code == 400
    assert "This initiative already has a primary target." in response.content.decode()
    target.refresh_from_db()
    assert not target.is_primary
    assert Target.audit.count() == versions


def test_it_refuses_a_target_that_is_no_improvement_on_its_field(web_as, owner, target):
    response = web_as(owner).post(
        url("target_edit", target.pk), target_data(target, target_value="12")
    )

    assert response.status_code == 400
    assert "the target must be below the baseline" in response.content.decode()
    target.refresh_from_db()
    assert target.target_value == 8.0


def test_it_says_so_when_nothing_changed(web_as, owner, target):
    versions = Target.audit.count()

    response = web_as(owner).post(url("target_edit", target.pk), target_data(target), follow=True)

    assert response.status_code == 200
    assert "Nothing changed." in messages_on(response)
    assert Target.audit.count() == versions


def test_it_shows_a_frozen_targets_evidence_to_its_owner_read_only(web_as, owner, frozen):
    response = web_as(owner).get(url("target_edit", frozen.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Only a reviewer can correct" in html
    for field in ("metric", "is_primary", "baseline_start", "target_value", "value_per_unit"):
        assert " disabled " in tag_of(html, f"id_target{frozen.pk}_{field}"), field
    assert " disabled " not in tag_of(html, f"id_target{frozen.pk}_target_date")


def test_it_keeps_a_frozen_targets_evidence_whatever_its_owner_posts(web_as, owner, frozen):
    response = web_as(owner).post(
        url("target_edit", frozen.pk),
        target_data(frozen, target_value="5", target_date="2027-06-30"),
    )

    assert response.status_code == 302
    frozen.refresh_from_db()
    assert frozen.target_value == 8.0  # evidence: only a reviewer corrects it
    assert frozen.target_date == dt.date(2027, 6, 30)


def test_it_lets_a_reviewer_correct_a_frozen_target_with_a_reason(web_as, reviewer, frozen):
    response = web_as(reviewer).post(
        url("target_edit", frozen.pk),
        target_data(frozen, target_value="7", reason="Target agreed at the March review"),
    )

    assert response.status_code == 302
    frozen.refresh_from_db()
    assert frozen.target_value == 7.0
    version = newest_version(Target, frozen.pk)
    assert (version.history_user, version.history_change_reason) == (
        reviewer,
        "Target agreed at the March review",
    )


def test_it_asks_a_reviewer_for_the_reason_of_a_correction(web_as, reviewer, frozen):
    form = web_as(reviewer).get(url("target_edit", frozen.pk)).content.decode()
    reason = tag_of(form, f"id_target{frozen.pk}_reason")
    assert " required " in reason and 'maxlength="5000"' in reason

    response = web_as(reviewer).post(
        url("target_edit", frozen.pk), target_data(frozen, target_value="7")
    )

    assert response.status_code == 400
    assert REASON_NEEDED in response.content.decode()
    frozen.refresh_from_db()
    assert frozen.target_value == 8.0


def test_it_refuses_the_target_edit_to_someone_off_the_team(web_as, target):
    stranger = web_as(UserFactory())

    assert stranger.get(url("target_edit", target.pk)).status_code == 403
    response = stranger.post(url("target_edit", target.pk), target_data(target, target_value="1"))
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.target_value == 8.0


def test_it_answers_404_for_an_unknown_target(web_as, owner):
    client = web_as(owner)

    assert client.get(url("target_edit", 999_999)).status_code == 404
    assert client.post(url("target_delete", 999_999), {"reason": "x"}).status_code == 404


# --- deleting a target --------------------------------------------------------------------


def test_it_deletes_an_owners_target_before_the_freeze_with_its_history(web_as, owner, target):
    MeasurementFactory.create_batch(2, target=target)

    response = web_as(owner).post(url("target_delete", target.pk), {"reason": "Wrong metric"})

    assert response.status_code == 302
    assert response["Location"] == page_of(target) + "#targets"
    assert not Target.objects.filter(pk=target.pk).exists()
    assert not Measurement.objects.filter(target_id=target.pk).exists()
    version = newest_version(Target, target.pk)
    assert (version.history_type, version.history_user, version.history_change_reason) == (
        "-",
        owner,
        "Wrong metric",
    )


def test_it_confirms_a_deleted_target_on_the_page(web_as, owner, target):
    response = web_as(owner).post(url("target_delete", target.pk), {"reason": ""}, follow=True)

    assert response.status_code == 200
    assert "Target on Refund time deleted." in messages_on(response)


def test_it_offers_the_owner_no_deletion_of_a_frozen_target(web_as, owner, frozen):
    client = web_as(owner)

    page = client.get(url("target_delete", frozen.pk))
    assert page.status_code == 200
    assert "only a reviewer can delete it, with a reason" in page.content.decode()
    assert "<form" not in page.content.decode().split("<main")[1].split("</main>")[0]

    assert client.post(url("target_delete", frozen.pk), {"reason": "x"}).status_code == 403
    assert Target.objects.filter(pk=frozen.pk).exists()


def test_it_lets_a_reviewer_delete_a_frozen_target_with_a_reason(web_as, reviewer, frozen):
    response = web_as(reviewer).post(
        url("target_delete", frozen.pk), {"reason": "Duplicate target"}
    )

    assert response.status_code == 302
    assert not Target.objects.filter(pk=frozen.pk).exists()
    assert newest_version(Target, frozen.pk).history_change_reason == "Duplicate target"


def test_it_refuses_a_reviewers_deletion_of_a_frozen_target_without_a_reason(
    web_as, reviewer, frozen
):
    response = web_as(reviewer).post(url("target_delete", frozen.pk), {"reason": "  "})

    assert response.status_code == 400
    assert REASON_NEEDED in response.content.decode()
    assert Target.objects.filter(pk=frozen.pk).exists()


def test_it_refuses_to_delete_a_target_with_a_ledger_row_in_a_closed_quarter(web_as):
    row = LedgerRowFactory()  # 2026 Q1, on a target not frozen
    QuarterCloseFactory(year=2026, quarter=1)
    owner = row.initiative.owner

    response = web_as(owner).post(url("target_delete", row.target_id), {"reason": "Not needed"})

    assert response.status_code == 400
    assert "ledger row in 2026 Q1, which is closed" in response.content.decode()
    assert Target.objects.filter(pk=row.target_id).exists()


def test_it_refuses_the_target_deletion_to_someone_off_the_team(web_as, target):
    stranger = web_as(UserFactory())

    assert stranger.get(url("target_delete", target.pk)).status_code == 403
    assert stranger.post(url("target_delete", target.pk), {"reason": "x"}).status_code == 403
    assert Target.objects.filter(pk=target.pk).exists()


# --- correcting a measurement ----------------------------------------------------------


def correction(**overrides) -> dict:
    data = {"observed_at": "2026-04-07T09:30:00", "value": "9.5", "sample_size": ""}
    return {**data, **overrides}


@pytest.mark.parametrize("htmx", [True, False])
def test_it_shows_the_correction_form_with_the_measurement_as_it_stands(
    web_as, owner, measurement, htmx
):
    response = web_as(owner).get(
        url("measurement_edit", measurement.pk), headers=HTMX if htmx else {}
    )

    assert response.status_code == 200
    html = response.content.decode()
    prefix = f"id_m{measurement.pk}_"
    for field in ("observed_at", "value", "sample_size", "reason"):
        assert f'<label for="{prefix}{field}">' in html
    assert 'value="2026-04-07T09:30:00"' in html  # as the browser's picker reads it
    assert 'value="9.5"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert ("<html" in html) is not htmx


def test_it_corrects_a_measurement_with_its_reason_in_the_history(web_as, owner, measurement):
    response = web_as(owner).post(
        url("measurement_edit", measurement.pk),
        correction(value="12.5", sample_size="40", reason="Typed 9.5 for 12.5"),
    )

    assert response.status_code == 302
    assert response["Location"] == page_of(measurement.target) + f"#target-{measurement.target_id}"
    measurement.refresh_from_db()
    assert (measurement.value, measurement.sample_size) == (12.5, 40)
    version = newest_version(Measurement, measurement.pk)
    assert (version.history_type, version.history_user, version.history_change_reason) == (
        "~",
        owner,
        "Typed 9.5 for 12.5",
    )


def test_it_moves_a_measurement_to_its_right_time(web_as, owner, measurement):
    response = web_as(owner).post(
        url("measurement_edit", measurement.pk),
        correction(observed_at="2026-04-08T10:00", reason="Recorded on the wrong day"),
        follow=True,
    )

    assert response.status_code == 200
    assert "Measurement of Refund time corrected." in messages_on(response)
    measurement.refresh_from_db()
    assert measurement.observed_at == dt.datetime(2026, 4, 8, 10, tzinfo=dt.UTC)


def test_it_refuses_a_correction_without_a_reason_and_changes_nothing(web_as, owner, measurement):
    versions = Measurement.audit.count()

    response = web_as(owner).post(url("measurement_edit", measurement.pk), correction(value="12.5"))

    assert response.status_code == 400
    assert REASON_NEEDED in response.content.decode()
    measurement.refresh_from_db()
    assert measurement.value == 9.5
    assert Measurement.audit.count() == versions


def test_it_refuses_the_owner_a_correction_inside_the_frozen_baseline_window(web_as, owner, frozen):
    inside = frozen.measurements.order_by("observed_at").first()

    response = web_as(owner).post(
        url("measurement_edit", inside.pk),
        correction(observed_at="2026-02-01T12:00", value="9", reason="Typo"),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "2026-02-01 is in the frozen baseline window" in html
    assert "only a reviewer can correct the baseline" in html
    inside.refresh_from_db()
    assert inside.value == 10.0
    frozen.refresh_from_db()
    assert frozen.baseline_value == 11.0


def test_it_lets_a_reviewer_correct_inside_the_frozen_window(web_as, reviewer, frozen):
    inside = frozen.measurements.order_by("observed_at").first()

    response = web_as(reviewer).post(
        url("measurement_edit", inside.pk),
        correction(observed_at="2026-02-01T12:00", value="13", reason="Misread sheet"),
    )

    assert response.status_code == 302
    inside.refresh_from_db()
    assert inside.value == 13.0
    frozen.refresh_from_db()
    assert frozen.baseline_value == 12.0  # frozen again from the window's data


def test_it_refuses_a_correction_in_a_closed_quarter(web_as, owner, target):
    in_q2 = MeasurementFactory(
        target=target, observed_at=dt.datetime(2026, 5, 4, 12, tzinfo=dt.UTC)
    )
    QuarterCloseFactory(year=2026, quarter=2)

    response = web_as(owner).post(
        url("measurement_edit", in_q2.pk),
        correction(observed_at="2026-05-04T12:00", value="3", reason="Typo"),
    )

    assert response.status_code == 400
    assert "2026 Q2 is closed" in response.content.decode()
    in_q2.refresh_from_db()
    assert in_q2.value == 9.5


def test_it_refuses_to_move_a_measurement_onto_another_ones_time(web_as, owner, measurement):
    MeasurementFactory(
        target=measurement.target, observed_at=dt.datetime(2026, 4, 8, tzinfo=dt.UTC)
    )

    response = web_as(owner).post(
        url("measurement_edit", measurement.pk),
        correction(observed_at="2026-04-08T00:00", reason="Wrong day"),
    )

    assert response.status_code == 400
    assert "already has a measurement at this time" in response.content.decode()


def test_it_leaves_an_unchanged_measurement_alone(web_as, owner, measurement):
    versions = Measurement.audit.count()

    response = web_as(owner).post(
        url("measurement_edit", measurement.pk), correction(reason="Checked"), follow=True
    )

    assert "Nothing changed." in messages_on(response)
    assert Measurement.audit.count() == versions


def test_it_refuses_the_correction_to_someone_off_the_team(web_as, measurement):
    stranger = web_as(UserFactory())

    assert stranger.get(url("measurement_edit", measurement.pk)).status_code == 403
    response = stranger.post(
        url("measurement_edit", measurement.pk), correction(value="1", reason="x")
    )
    assert response.status_code == 403
    measurement.refresh_from_db()
    assert measurement.value == 9.5


def test_it_answers_404_for_an_unknown_measurement(web_as, owner):
    client = web_as(owner)

    assert client.get(url("measurement_edit", 999_999)).status_code == 404
    assert client.post(url("measurement_delete", 999_999), {"reason": "x"}).status_code == 404


# --- deleting a measurement -------------------------------------------------------------


def test_it_deletes_a_measurement_with_its_reason_in_the_history(web_as, owner, measurement):
    response = web_as(owner).post(
        url("measurement_delete", measurement.pk), {"reason": "Test entry"}, follow=True
    )

    assert response.status_code == 200
    assert "Measurement of Refund time deleted." in messages_on(response)
    assert not Measurement.objects.filter(pk=measurement.pk).exists()
    version = newest_version(Measurement, measurement.pk)
    assert (version.history_type, version.history_user, version.history_change_reason) == (
        "-",
        owner,
        "Test entry",
    )


def test_it_refuses_a_deletion_without_a_reason(web_as, owner, measurement):
    response = web_as(owner).post(url("measurement_delete", measurement.pk), {"reason": ""})

    assert response.status_code == 400
    assert REASON_NEEDED in response.content.decode()
    assert Measurement.objects.filter(pk=measurement.pk).exists()


def test_it_refuses_a_deletion_in_a_closed_quarter(web_as, owner, target):
    in_q2 = MeasurementFactory(
        target=target, observed_at=dt.datetime(2026, 5, 4, 12, tzinfo=dt.UTC)
    )
    QuarterCloseFactory(year=2026, quarter=2)

    response = web_as(owner).post(url("measurement_delete", in_q2.pk), {"reason": "Typo"})

    assert response.status_code == 400
    assert "2026 Q2 is closed" in response.content.decode()
    assert Measurement.objects.filter(pk=in_q2.pk).exists()


def test_it_refuses_the_owner_a_deletion_inside_the_frozen_baseline_window(web_as, owner, frozen):
    inside = frozen.measurements.order_by("observed_at").first()

    response = web_as(owner).post(url("measurement_delete", inside.pk), {"reason": "Typo"})

    assert response.status_code == 400
    assert "is in the frozen baseline window" in response.content.decode()
    assert Measurement.objects.filter(pk=inside.pk).exists()


def test_it_refuses_the_deletion_to_someone_off_the_team(web_as, measurement):
    stranger = web_as(UserFactory())

    assert stranger.get(url("measurement_delete", measurement.pk)).status_code == 403
    assert (
        stranger.post(url("measurement_delete", measurement.pk), {"reason": "x"}).status_code == 403
    )
    assert Measurement.objects.filter(pk=measurement.pk).exists()


def test_it_refuses_corrections_to_a_signed_out_visitor(client, measurement):
    response = client.post(url("measurement_delete", measurement.pk), {"reason": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Measurement.objects.filter(pk=measurement.pk).exists()


# --- the recording page ---------------------------------------------------------------


def test_it_lists_the_newest_measurements_with_their_corrections(web_as, owner, target):
    record_series(target, first=dt.date(2026, 3, 1), values=[float(i) for i in range(55)])
    newest = target.measurements.order_by("-observed_at").first()
    oldest = target.measurements.order_by("observed_at").first()

    response = web_as(owner).get(url("recording_forms", target.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<tr id="measurement-') == 50
    assert f'href="{url("measurement_edit", newest.pk)}"' in html
    assert f'href="{url("measurement_delete", newest.pk)}"' in html
    assert f'<tr id="measurement-{oldest.pk}">' not in html
    assert f'href="{url("target_edit", target.pk)}"' in html
    assert f'href="{url("target_delete", target.pk)}"' in html
    assert f"{url('recording_forms', target.pk)}?page=2" in html  # older ones

    older = web_as(owner).get(url("recording_forms", target.pk), {"page": "2"}).content.decode()
    assert older.count('<tr id="measurement-') == 5
    assert f'<tr id="measurement-{oldest.pk}">' in older


def test_it_shows_a_reviewer_the_corrections_without_the_recording_forms(web_as, reviewer, target):
    MeasurementFactory(target=target)

    response = web_as(reviewer).get(url("recording_forms", target.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="' + url("target_edit", target.pk) in html
    assert url("measurement_add", target.pk) not in html


def test_it_links_the_initiative_pages_recording_forms_to_the_corrections(web_as, owner, target):
    """A refused recording re-renders the forms on the initiative page; the corrections
    are one link away."""
    response = web_as(owner).post(
        url("measurement_add", target.pk), {"observed_at": "not a date", "value": "1"}
    )

    assert response.status_code == 400
    assert (
        f'<a href="{url("recording_forms", target.pk)}">Edit the target'
        in response.content.decode()
    )


def test_it_draws_the_recording_page_in_fixed_queries(web_as, owner, target, count_queries):
    second = TargetFactory(initiative=target.initiative, is_primary=False, metric=MetricFactory())
    MeasurementFactory.create_batch(3, target=target)
    record_series(second, first=dt.date(2026, 1, 1), values=[1.0] * 120)
    client = web_as(owner)
    client.get(url("recording_forms", target.pk))

    _, few = count_queries(client, url("recording_forms", target.pk))
    response, many = count_queries(client, url("recording_forms", second.pk))
    _, older = count_queries(client, url("recording_forms", second.pk), {"page": "2"})

    assert response.status_code == 200
    assert response.content.decode().count('<tr id="measurement-') == 50
    assert few == many == older


def test_it_keeps_the_benefit_type_choices_on_the_edit_form(web_as, owner, target):
    response = web_as(owner).post(
        url("target_edit", target.pk), target_data(target, benefit_type=BenefitType.SOFT)
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.benefit_type == BenefitType.SOFT
